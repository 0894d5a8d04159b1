/**
 * One small error type with a stable `code`. `InputError` is the user's mistake (exit 2);
 * the top level prints `error: message` for both and a stack only at debug level.
 */
export class WstraceError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WstraceError';
    this.code = code;
  }
}

export class InputError extends WstraceError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'InputError';
  }
}

/** Node system errors carry `code` (ECONNREFUSED, ENOTFOUND…); anything else has none. */
export function errnoOf(err: unknown): string | undefined {
  return err && typeof err === 'object' && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
