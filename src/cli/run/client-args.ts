/** What yargs hands `wstrace client`: shared by its three runs (one-shot, session, load). */
import type { GlobalArgs } from '../options.js';
import type { ConnectionArgs } from '../connection-options.js';
import type { LoadArgs } from '../../load/args.js';

export interface SessionArgs {
  execute?: string[];
  'ping-interval'?: string;
  'show-ping-pong': boolean;
  'exit-on-eof': boolean;
  quiet: boolean;
  verbose: boolean;
}

export interface ClientCommandArgs extends GlobalArgs, LoadArgs, ConnectionArgs, SessionArgs {
  /** The positional URL, or -c/--connect's (wscat's habit). */
  url?: string;
  connect?: string;
  /** Undefined = 1 here; in load mode, no message limit (see src/cli/run/load.ts). */
  count?: number;
  interval: string;
  inspect: boolean;
  'show-secrets': boolean;
}
