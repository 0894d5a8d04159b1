import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

function loads(name: string): boolean {
  try {
    require(name);
    return true;
  } catch {
    return false;
  }
}

let cached: { bufferutil: boolean; utf8Validate: boolean } | undefined;

/** Whether ws's optional native helpers load here (16 KiB echoes are much faster with them). */
export function nativeAddons(): { bufferutil: boolean; utf8Validate: boolean } {
  cached ??= { bufferutil: !process.env.WS_NO_BUFFER_UTIL && loads('bufferutil'), utf8Validate: !process.env.WS_NO_UTF_8_VALIDATE && loads('utf-8-validate') };
  return cached;
}
