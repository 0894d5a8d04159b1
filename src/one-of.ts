/**
 * `v` is one of `choices`, a const list of literals: the check that narrows an input (an option
 * value, a JSON field) to its union type, instead of asserting it.
 */
export function isOneOf<T extends string>(choices: readonly T[], v: unknown): v is T {
  return choices.some((c) => c === v);
}
