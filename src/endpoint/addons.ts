import { loadOptional } from '../optional.js';

let cached: { bufferutil: boolean; utf8Validate: boolean } | undefined;

/** Whether ws's optional native helpers load here (16 KiB echoes are much faster with them). */
export function nativeAddons(): { bufferutil: boolean; utf8Validate: boolean } {
  cached ??= {
    bufferutil: loadOptional('bufferutil', 'WS_NO_BUFFER_UTIL') !== undefined,
    utf8Validate: loadOptional('utf-8-validate', 'WS_NO_UTF_8_VALIDATE') !== undefined,
  };
  return cached;
}
