/** The options that turn `wstrace client` into a load generator (kept apart so one-shot runs load no load code). */
export interface LoadArgs {
  concurrency?: number;
  rate?: number;
  duration?: string;
  pipeline?: number;
}

export function isLoadMode(args: LoadArgs): boolean {
  return args.concurrency !== undefined || args.rate !== undefined || args.duration !== undefined || args.pipeline !== undefined;
}
