import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * Loads one of ws's optional native helpers (bufferutil, utf-8-validate), honouring the same
 * opt-out variable ws does (WS_NO_BUFFER_UTIL, WS_NO_UTF_8_VALIDATE), so we use it exactly when
 * ws would. Undefined when it is disabled or not installed.
 */
export function loadOptional<T>(name: string, disabledBy: string): T | undefined {
  if (process.env[disabledBy]) return undefined;
  try {
    return require(name) as T;
  } catch {
    return undefined;
  }
}
