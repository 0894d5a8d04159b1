// Unix sockets end to end: client → proxy on a socket → echo on a socket, and no socket file
// left after Ctrl-C. Also: a --target with a path is used as written, the client's query appended.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { assertInputError, ndjson, resultOf, runCli, startCliServer } from './helpers/cli.js';

test('client → proxy on a unix socket → echo on a unix socket; both files gone after SIGINT', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wstrace-unix-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const echoSock = path.join(dir, 'echo.sock');
  const proxySock = path.join(dir, 'proxy.sock');
  const echo = await startCliServer(t, ['echo', '--listen', `unix:${echoSock}`, '--json', '--log-level', 'warn']);
  assert.equal(echo.listening!.url, `ws+unix:${echoSock}:/echo`);
  assert.equal(echo.listening!.port, null);
  assert.ok(statSync(echoSock).isSocket());
  const proxy = await startCliServer(t, ['proxy', '--name', 'sidecar', '--listen', `unix:${proxySock}`, '--target', `ws+unix:${echoSock}:/echo`, '--json', '--log-level', 'warn']);
  assert.deepEqual(proxy.listening!.targets, [`ws+unix:${echoSock}:/echo`]);

  const r = await runCli(['client', `ws+unix:${proxySock}:/app?room=1`, '--inspect', '--json']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const events = ndjson(r.stdout);
  assert.equal(events.find((e) => e.phase === 'connect')!.path, proxySock);
  const report = events.find((e) => e.event === 'inspect')!.report as { url: string; via: { receivedBy: string }[] };
  assert.equal(report.url, '/echo?room=1', 'the target path as written, the client query appended');
  assert.deepEqual(report.via.map((v) => v.receivedBy), ['sidecar']);
  assert.equal(resultOf(r.stdout).url, `ws+unix:${proxySock}:/app?room=1`);

  // A socket file that already exists is refused, not replaced.
  assertInputError(await runCli(['echo', '--listen', `unix:${echoSock}`]), 'the file exists');

  await proxy.stop();
  await echo.stop();
  assert.equal(existsSync(proxySock), false, 'proxy socket removed on stop');
  assert.equal(existsSync(echoSock), false, 'echo socket removed on stop');
});

test('ws+unix: to a missing socket is connect-refused-like; bad --listen is an input error', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wstrace-unix-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const r = await runCli(['client', `ws+unix:${path.join(dir, 'none.sock')}:/`, '--json']);
  assert.equal(r.code, 1);
  assert.match(resultOf(r.stdout).verdict!.code, /connect-failed|connect-refused/);
  const plainFile = path.join(dir, 'file');
  writeFileSync(plainFile, '');
  const notSock = await runCli(['client', `ws+unix:${plainFile}:/`, '--json']);
  assert.equal(resultOf(notSock.stdout).verdict!.code, 'connect-refused');
  assertInputError(await runCli(['echo', '--listen', 'tcp:8080']), '--listen');
  assertInputError(await runCli(['client', 'ws+unix:relative']), 'ws+unix:');
});

test('proxy --target with a path: an app that serves one path only is reached whatever the client asks', async (t) => {
  const echo = await startCliServer(t, ['echo', '--port', '0', '--json', '--log-level', 'warn']);
  const fixed = await startCliServer(t, ['proxy', '--port', '0', '--target', `${echo.url}?v=2`, '--json', '--log-level', 'warn']);
  const base = await startCliServer(t, ['proxy', '--port', '0', '--target', new URL(echo.url).origin.replace('http', 'ws'), '--log-level', 'warn']);
  assert.match(base.firstLine, /→ ws:\/\/127\.0\.0\.1:\d+\/… \(the client's path\)$/);
  const viaFixed = await runCli(['client', `${fixed.url}/ignored?x=1`, '--inspect', '--json']);
  assert.equal((ndjson(viaFixed.stdout).find((e) => e.event === 'inspect')!.report as { url: string }).url, '/echo?v=2&x=1');
  const viaBase = await runCli(['client', `${base.url}/kept?x=1`, '--inspect', '--json']);
  assert.equal((ndjson(viaBase.stdout).find((e) => e.event === 'inspect')!.report as { url: string }).url, '/kept?x=1');
  for (const s of [fixed, base, echo]) await s.stop();
});
