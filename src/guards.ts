// Narrowing checks for values from outside (option values, JSON bodies): a run-time test that
// gives the type, where an assertion would only claim it.

/** `v` is one of `choices`, a const list of literals. */
export function isOneOf<T extends string>(choices: readonly T[], v: unknown): v is T {
  return choices.some((c) => c === v);
}

/** A JSON object (not null, not an array): its fields can then be read and checked one by one. */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
