import { InputError } from '../errors.js';
import { list, readFileArg, timeoutMs, type GlobalArgs } from '../cli-options.js';
import { parseBytes } from '../net/size.js';
import { parsePort } from '../net/url.js';
import { parseListen } from '../net/listen.js';
import { createLogger } from '../log.js';
import { reporterFor } from '../report/output.js';
import { startEcho } from '../endpoint/server.js';
import { serveUntilSignal } from '../serve.js';
import { nativeAddons } from '../endpoint/addons.js';

export interface EchoCommandArgs extends GlobalArgs {
  host: string;
  port: number;
  path: string;
  name: string;
  subprotocol?: string[];
  'max-payload': string;
  'tls-cert'?: string;
  'tls-key'?: string;
  'tls-client-ca'?: string;
  listen?: string;
}

export async function runEchoCommand(args: EchoCommandArgs): Promise<void> {
  if (Boolean(args['tls-cert']) !== Boolean(args['tls-key'])) {
    throw new InputError('ERR_BAD_TLS', '--tls-cert and --tls-key go together');
  }
  if (!args.path.startsWith('/')) throw new InputError('ERR_BAD_PATH', `bad --path "${args.path}": must start with /`);
  const cert = readFileArg(args['tls-cert'], '--tls-cert');
  const key = readFileArg(args['tls-key'], '--tls-key');
  if (args['tls-client-ca'] !== undefined && !cert) throw new InputError('ERR_BAD_TLS', '--tls-client-ca needs --tls-cert and --tls-key (client certificates are a TLS feature)');
  const clientCa = readFileArg(args['tls-client-ca'], '--tls-client-ca');
  const logger = await createLogger({ level: args['log-level'], json: args.json });
  const endpoint = await startEcho({
    host: args.host,
    port: parsePort(args.port),
    socketPath: args.listen === undefined ? undefined : parseListen(args.listen),
    path: args.path,
    name: args.name,
    subprotocols: list(args.subprotocol),
    maxPayload: parseBytes(args['max-payload'], '--max-payload'),
    tls: cert && key ? { cert, key, ...(clientCa ? { clientCa } : {}) } : undefined,
    closeTimeoutMs: timeoutMs(args),
    logger,
  } as Parameters<typeof startEcho>[0]);
  const reporter = reporterFor(args.json, (ev) =>
    ev.event === 'listening' ? [`echo "${endpoint.name}" listening on ${endpoint.url}`, `  inspect: send the text message "wstrace:inspect"; health: GET /health; stop: Ctrl-C`] : undefined,
  );
  // Signal handlers before the listening line: a caller may signal as soon as it reads it.
  const served = serveUntilSignal(endpoint, reporter);
  reporter.emit({ event: 'listening', url: endpoint.url, name: endpoint.name, port: args.listen ? null : endpoint.port, ...nativeAddons() });
  await served;
}
