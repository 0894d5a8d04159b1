/**
 * Short flags: each names one option per command, none shadows -h (help) or -V (version), and a
 * letter means the same option in every command that has it (-H is always --header).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import yargs from 'yargs';
import { commands } from '../commands/index.js';
import { runCli } from './helpers/cli.js';

test('short flags are unique per command, never -h or -V, and mean one option everywhere', () => {
  const meaning = new Map<string, string>();
  for (const c of commands) {
    const y = yargs([]);
    (c.builder as (y: unknown) => unknown)(y);
    // getOptions() is public in yargs' runtime but missing from its type definitions.
    const aliases = (y as unknown as { getOptions(): { alias: Record<string, string[]> } }).getOptions().alias;
    const seen = new Map<string, string>();
    for (const [option, names] of Object.entries(aliases)) {
      for (const short of names.filter((n) => n.length === 1)) {
        assert.ok(!['h', 'V'].includes(short), `${String(c.command)}: -${short} is taken by help/version`);
        assert.ok(!seen.has(short) || seen.get(short) === option, `${String(c.command)}: -${short} names ${seen.get(short)} and ${option}`);
        seen.set(short, option);
        assert.ok(!meaning.has(short) || meaning.get(short) === option, `-${short} is ${meaning.get(short)} in one command and ${option} in ${String(c.command)}`);
        meaning.set(short, option);
      }
    }
  }
  assert.equal(meaning.get('v'), 'verbose');
  assert.equal(meaning.get('H'), 'header');
});

test('-V prints the version; -v is the client\'s --verbose, not the version', async () => {
  const v = await runCli(['-V']);
  assert.equal(v.code, 0);
  assert.match(v.stdout, /^\d+\.\d+\.\d+/);
  const help = await runCli(['client', '--help']);
  assert.match(help.stdout, /-v, --verbose/);
  assert.match(help.stdout, /-x, --execute/);
  assert.match(help.stdout, /-c, --connect/);
});
