/**
 * docs/client.md's equivalence table (wscat / websocat / curl → wstrace): every wstrace command in
 * it runs here as written, through bash (pipes and redirects included), against a real
 * `wstrace echo` (ws:// with --subprotocol chat, and wss://); the interactive ones on a pty,
 * ended with /quit. Each must exit 0 with no error line.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CLI, REPO_ROOT, startCliServer } from './helpers/cli.js';
import { HAVE_PTY, runOnPty } from './helpers/pty.js';

function tableCommands(): string[] {
  const text = readFileSync(path.join(REPO_ROOT, 'docs', 'client.md'), 'utf8');
  const section = text.slice(text.indexOf('## From wscat'), text.indexOf('## Flags'));
  const rows = section.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| to ') && !l.startsWith('|---'));
  return rows.map((row) => {
    const cells = row.split(/(?<!\\)\|/).map((c) => c.trim());
    const last = cells[cells.length - 2]!;
    const m = /^`(.*)`$/.exec(last);
    assert.ok(m, `the wstrace cell is one command in backticks: ${row}`);
    return m[1]!.replace(/\\\|/g, '|');
  });
}

function bash(script: string, cwd: string): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', script], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

test('docs/client.md: every wstrace command of the wscat/websocat/curl table runs as written', async (t) => {
  const commands = tableCommands();
  assert.ok(commands.length >= 12, `rows: ${commands.length}`);
  const echo = await startCliServer(t, ['echo', '--port', '0', '--json', '--subprotocol', 'chat']);
  const tls = await startCliServer(t, ['echo', '--port', '0', '--json', '--tls-cert', 'fixtures/tls/localhost-cert.pem', '--tls-key', 'fixtures/tls/localhost-key.pem']);
  const dir = mkdtempSync(path.join(tmpdir(), 'wstrace-docs-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(path.join(dir, 'payload.bin'), Buffer.from([1, 2, 0xff]));
  writeFileSync(path.join(dir, 'payload.json'), '{"a":1}');
  const live = (cmd: string) => cmd.replaceAll('ws://127.0.0.1:8080', `ws://127.0.0.1:${echo.port}`).replaceAll('wss://localhost:8443', `wss://localhost:${tls.port}`);
  for (const cmd of commands.map(live)) {
    const interactive = !/ -x | \| |<|--count|--message/.test(cmd);
    if (interactive) {
      if (!HAVE_PTY) continue;
      const pty = runOnPty(t, [process.execPath, CLI, ...cmd.split(' ').slice(1)], { ...process.env, NO_COLOR: '1' });
      await pty.expect(/Ctrl-D closes\r?\n[^]*> /);
      pty.type('/quit\r');
      assert.equal(await pty.exited, 0, `${cmd}\n${pty.output()}`);
      assert.match(pty.output(), /ok: /, cmd);
      continue;
    }
    const r = await bash(`wstrace() { "${process.execPath}" "${CLI}" "$@"; }\n${cmd}`, dir);
    assert.equal(r.code, 0, `${cmd}\nstdout: ${r.out}\nstderr: ${r.err}`);
    assert.doesNotMatch(r.err, /error:|verdict:/, cmd);
    if (/ -x | \| /.test(cmd) && !cmd.includes('/close')) assert.ok(r.out.length > 0, `${cmd}: the reply on stdout`);
  }
  await Promise.all([echo.stop(), tls.stop()]);
});
