import { InputError } from '../../errors.js';
import { list, readPemArg, refuseEmpty, timeoutMs, typed, type GlobalArgs } from '../options.js';
import { parseHost } from '../../net/listen.js';
import { isToken } from '../../net/header.js';
import { parseBytes } from '../../net/size.js';
import { parsePort } from '../../net/url.js';
import { parseName } from '../../net/header.js';
import { parseListen } from '../../net/listen.js';
import { createLogger } from '../logger.js';
import { reporterFor } from '../../report/output.js';
import { startEcho } from '../../endpoint/server.js';
import { logWarmUp, warmEndpoint } from '../../endpoint/warmup.js';
import { serveUntilSignal } from '../serve.js';
import { nativeAddons } from '../../endpoint/addons.js';

export interface EchoCommandArgs extends GlobalArgs {
  host: string;
  port: number;
  path: string;
  name: string;
  subprotocol?: string[];
  'max-payload': string;
  'tls-cert'?: string;
  'tls-key'?: string;
  'show-secrets': boolean;
  'tls-client-ca'?: string;
  listen?: string;
}

export async function runEchoCommand(args: EchoCommandArgs): Promise<void> {
  if (Boolean(args['tls-cert']) !== Boolean(args['tls-key'])) {
    throw new InputError('ERR_BAD_TLS', '--tls-cert and --tls-key go together');
  }
  // The path is printed in the URL: it must be one that a client can dial as written.
  if (!/^\/[\x21-\x7e]*$/.test(args.path) || args.path.includes('#')) {
    throw new InputError('ERR_BAD_PATH', `bad --path ${JSON.stringify(args.path)}: must start with / and hold no spaces, control characters or #`);
  }
  refuseEmpty('--subprotocol', 'must be an HTTP token');
  const subprotocols = list(args.subprotocol);
  for (const p of subprotocols) if (!isToken(p)) throw new InputError('ERR_BAD_SUBPROTOCOL', `bad --subprotocol ${JSON.stringify(p)}: must be an HTTP token (RFC 6455 §4.1)`);
  const host = parseHost(args.host);
  const cert = readPemArg(args['tls-cert'], '--tls-cert', 'certificate');
  const key = readPemArg(args['tls-key'], '--tls-key', 'private key');
  if (args['tls-client-ca'] !== undefined && !cert) throw new InputError('ERR_BAD_TLS', '--tls-client-ca needs --tls-cert and --tls-key (client certificates are a TLS feature)');
  const clientCa = readPemArg(args['tls-client-ca'], '--tls-client-ca', 'certificate');
  const logger = await createLogger({ level: args['log-level'], json: args.json });
  // Before the port is taken: the first clients must time the path, not the endpoint's cold code.
  logWarmUp(logger, await warmEndpoint());
  const endpoint = await startEcho({
    host,
    port: parsePort(typed('--port', args.port)),
    socketPath: args.listen === undefined ? undefined : parseListen(args.listen),
    path: args.path,
    name: parseName(args.name, '--name'),
    subprotocols,
    maxPayload: parseBytes(args['max-payload'], '--max-payload'),
    tls: cert && key ? { cert, key, ...(clientCa ? { clientCa } : {}) } : undefined,
    closeTimeoutMs: timeoutMs(args),
    showSecrets: args['show-secrets'],
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
