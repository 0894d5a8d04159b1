/**
 * Errors raised while parsing RFC 6455 frames.
 *
 * Every error carries a stable `code` (safe to match on, log, or count) and
 * the `closeCode` a conforming endpoint would send in its Close frame before
 * failing the connection (RFC 6455 §7.1.7, §7.4.1).
 *
 * | code                            | closeCode | raised when                                                   | RFC 6455   |
 * |---------------------------------|-----------|---------------------------------------------------------------|------------|
 * | WS_ERR_RESERVED_OPCODE          | 1002      | opcode 0x3-0x7 or 0xB-0xF                                     | §5.2       |
 * | WS_ERR_CONTROL_TOO_LONG         | 1002      | control frame payload length > 125                            | §5.5       |
 * | WS_ERR_CONTROL_FRAGMENTED       | 1002      | control frame with FIN clear                                  | §5.5       |
 * | WS_ERR_PAYLOAD_TOO_BIG          | 1009      | frame / message length exceeds the configured maxPayload      | §7.4.1     |
 * | WS_ERR_INVALID_CLOSE_CODE       | 1002      | Close status not allowed on the wire (e.g. 1005, 1006, 999)   | §7.4, §7.4.2 |
 * | WS_ERR_INVALID_CLOSE_PAYLOAD    | 1002      | Close body of exactly 1 byte (a status code is 2 bytes)       | §5.5.1     |
 * | WS_ERR_INVALID_UTF8             | 1007      | text message or Close reason is not valid UTF-8               | §5.6, §8.1 |
 * | WS_ERR_BAD_LENGTH               | 1002      | 64-bit payload length with the most significant bit set       | §5.2       |
 * | WS_ERR_UNEXPECTED_CONTINUATION  | 1002      | continuation frame while no fragmented message is open        | §5.4       |
 * | WS_ERR_EXPECTED_CONTINUATION    | 1002      | new text/binary frame while a fragmented message is open      | §5.4       |
 * | WS_ERR_MASK_REQUIRED            | 1002      | unmasked frame where masking is mandatory (client → server)   | §5.1       |
 * | WS_ERR_MASK_FORBIDDEN           | 1002      | masked frame where masking is forbidden (server → client)     | §5.1       |
 * | WS_ERR_RSV_SET                  | 1002      | RSV1-3 set although no extension allows it                    | §5.2       |
 */

/** All known codes, in table order; handy for exhaustive tests and docs. */
export const FRAME_ERROR_CODES = Object.freeze([
  'WS_ERR_RESERVED_OPCODE',
  'WS_ERR_CONTROL_TOO_LONG',
  'WS_ERR_CONTROL_FRAGMENTED',
  'WS_ERR_PAYLOAD_TOO_BIG',
  'WS_ERR_INVALID_CLOSE_CODE',
  'WS_ERR_INVALID_CLOSE_PAYLOAD',
  'WS_ERR_INVALID_UTF8',
  'WS_ERR_BAD_LENGTH',
  'WS_ERR_UNEXPECTED_CONTINUATION',
  'WS_ERR_EXPECTED_CONTINUATION',
  'WS_ERR_MASK_REQUIRED',
  'WS_ERR_MASK_FORBIDDEN',
  'WS_ERR_RSV_SET',
] as const);

export type FrameErrorCode = (typeof FRAME_ERROR_CODES)[number];

/** The only close statuses a frame-level failure maps to (RFC 6455 §7.4.1). */
export type FrameErrorCloseCode = 1002 | 1007 | 1009;

interface ErrorSpec {
  readonly closeCode: FrameErrorCloseCode;
  readonly message: string;
}

const SPECS: Readonly<Record<FrameErrorCode, ErrorSpec>> = {
  WS_ERR_RESERVED_OPCODE: { closeCode: 1002, message: 'reserved opcode' },
  WS_ERR_CONTROL_TOO_LONG: { closeCode: 1002, message: 'control frame payload longer than 125 bytes' },
  WS_ERR_CONTROL_FRAGMENTED: { closeCode: 1002, message: 'fragmented control frame (FIN not set)' },
  // 1009 rather than 1002: the peer did nothing illegal, the message is just too big for us.
  WS_ERR_PAYLOAD_TOO_BIG: { closeCode: 1009, message: 'payload exceeds maxPayload' },
  WS_ERR_INVALID_CLOSE_CODE: { closeCode: 1002, message: 'invalid close status code' },
  WS_ERR_INVALID_CLOSE_PAYLOAD: { closeCode: 1002, message: 'close frame payload of 1 byte' },
  // §8.1: invalid UTF-8 in text data is "inconsistent data", hence 1007 not 1002.
  WS_ERR_INVALID_UTF8: { closeCode: 1007, message: 'invalid UTF-8' },
  WS_ERR_BAD_LENGTH: { closeCode: 1002, message: '64-bit payload length has the most significant bit set' },
  WS_ERR_UNEXPECTED_CONTINUATION: { closeCode: 1002, message: 'continuation frame without a message to continue' },
  WS_ERR_EXPECTED_CONTINUATION: { closeCode: 1002, message: 'new data frame while a fragmented message is open' },
  WS_ERR_MASK_REQUIRED: { closeCode: 1002, message: 'frame must be masked' },
  WS_ERR_MASK_FORBIDDEN: { closeCode: 1002, message: 'frame must not be masked' },
  WS_ERR_RSV_SET: { closeCode: 1002, message: 'RSV bit set without a negotiated extension' },
};


export class FrameError extends Error {
  override readonly name = 'FrameError';
  readonly code: FrameErrorCode;
  readonly closeCode: FrameErrorCloseCode;

  constructor(code: FrameErrorCode, message: string, closeCode: FrameErrorCloseCode) {
    super(message);
    this.code = code;
    this.closeCode = closeCode;
  }
}

/**
 * The one way to build a FrameError, so `closeCode` always matches `code`.
 * `detail` is appended to the standard message (e.g. the offending value).
 */
export function createFrameError(code: FrameErrorCode, detail?: string): FrameError {
  const spec = SPECS[code];
  const message = detail === undefined ? spec.message : `${spec.message}: ${detail}`;
  return new FrameError(code, message, spec.closeCode);
}
