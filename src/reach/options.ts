import type { ConnectToRule, ResolveRule } from './overrides.js';
import type { ProxyChoice } from './proxy-url.js';

/**
 * How a connection reaches its target, the same for client, bisect, probe and load: a forward
 * proxy, address overrides (curl's --resolve/--connect-to), the TLS name, a client certificate.
 * The target URL itself (Host header, path) never changes; only the way there does.
 */
export interface ReachOptions {
  proxy?: ProxyChoice;
  resolve?: ResolveRule[];
  connectTo?: ConnectToRule[];
  /** TLS server name (SNI) and the name the certificate must carry; default the URL's host. */
  servername?: string | undefined;
  /** Client certificate and key (PEM), and the key's passphrase. */
  cert?: Buffer | undefined;
  key?: Buffer | undefined;
  passphrase?: string | undefined;
}
