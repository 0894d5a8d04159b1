/**
 * The --json contract, checked: every line a test reads from `--json` output is validated against
 * docs/events.schema.json with ajv (JSON Schema 2020-12). A line that breaks the contract fails
 * the test with the line and ajv's words for what is wrong.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import assert from 'node:assert/strict';
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import { REPO_ROOT } from './repo-root.js';

export const SCHEMA_PATH = path.join(REPO_ROOT, 'docs', 'events.schema.json');

/** One line of --json output: an object with `event`, the rest as the schema allows. */
export type Ev = Record<string, unknown> & { event: string };

const schema: unknown = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8'));
// Strict: a typo in the schema (an unknown keyword, a bad type) is an error, not a silent pass.
// `required` inside if/then branches names properties defined beside them, which strictRequired cannot see.
const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
const validate = ajv.compile<Ev>(typeof schema === 'object' && schema !== null ? schema : {});

/** Why `value` is not a valid event (ajv's errors, one per line), or undefined when it is. */
export function schemaErrors(value: unknown): string | undefined {
  return validate(value) ? undefined : describe(validate.errors);
}

/** Fails unless `value` is an event the schema accepts; returns it typed. */
export function assertEvent(value: unknown, line = JSON.stringify(value)): Ev {
  if (validate(value)) return value;
  assert.fail(`--json line breaks docs/events.schema.json:\n  ${line}\n${describe(validate.errors)}`);
}

function describe(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? []).filter(relevant).map((e) => `  ${e.instancePath || '(the event)'} ${e.message ?? 'is invalid'}${params(e)}`).join('\n');
}

/** Every non-empty line of `stdout` parsed as JSON and validated; fails on the first bad one. */
export function parseEvents(stdout: string): Ev[] {
  return stdout.split('\n').filter((l) => l.length > 0).map((line) => {
    let parsed: unknown;
    assert.doesNotThrow(() => (parsed = JSON.parse(line)), `stdout line is not JSON: ${line}`);
    return assertEvent(parsed, line);
  });
}

/** ajv reports the failed `if` next to what the `then` required: only the latter helps. */
function relevant(e: ErrorObject): boolean {
  return e.keyword !== 'if';
}

function params(e: ErrorObject): string {
  if (e.keyword === 'enum' && 'allowedValues' in e.params) return ` (${JSON.stringify(e.params.allowedValues)})`;
  if (e.keyword === 'additionalProperties' && 'additionalProperty' in e.params) return ` (${String(e.params.additionalProperty)})`;
  return '';
}
