/**
 * The soak's server process: one echo endpoint and one proxy per fault group, in one process
 * (twelve node processes would not even start in time on a loaded 2-core machine). Each proxy
 * targets the echo and the victim echo (a separate `wstrace echo` the soak kills over and over).
 * Prints one JSON line `{"event":"listening",…}`; a `report` line on stdin prints what each
 * server still holds; SIGINT stops everything and the process must then exit by itself.
 */
import { createInterface } from 'node:readline';
import { startEcho } from '../../src/endpoint/server.js';
import { startProxy, type TestProxy } from '../../src/proxy/server.js';
import { parseFaultSpec } from '../../src/proxy/faults/index.js';
import { parseWsUrl } from '../../src/net/url.js';
import { createLogger } from '../../src/cli/logger.js';

interface Config {
  timeoutMs: number;
  victimPort: number;
  groups: { name: string; faults: string[]; traceFrames?: boolean }[];
}

const config = JSON.parse(process.argv[2] ?? '{}') as Config;
// Warnings and errors only: an error no client input should cause shows up in the soak's check.
const logger = await createLogger({ level: 'warn', json: true });
const echo = await startEcho({ port: 0, closeTimeoutMs: config.timeoutMs, logger });
const targets = [parseWsUrl(`ws://127.0.0.1:${echo.port}`), parseWsUrl(`ws://127.0.0.1:${config.victimPort}`)];
const proxies: TestProxy[] = [];
for (const g of config.groups) {
  proxies.push(
    await startProxy({
      targets, name: g.name, faults: g.faults.map((s) => parseFaultSpec(s)), timeoutMs: config.timeoutMs, logger,
      ...(g.traceFrames ? { traceFrames: true, onFrame: () => {} } : {}),
    }),
  );
}
process.stdout.write(JSON.stringify({ event: 'listening', url: echo.url, echo: echo.port, proxies: proxies.map((p) => ({ name: p.name, port: p.port })) }) + '\n');

const report = () => JSON.stringify({ event: 'report', echo: echo.connections, proxies: Object.fromEntries(proxies.map((p) => [p.name, p.active])) });
const lines = createInterface({ input: process.stdin });
lines.on('line', (l) => {
  if (l.trim() === 'report') process.stdout.write(report() + '\n');
});
process.once('SIGINT', () => {
  lines.close();
  process.stdin.destroy();
  void Promise.all([echo.close(), ...proxies.map((p) => p.close())]).then(() => process.stdout.write(report() + '\n'));
});
