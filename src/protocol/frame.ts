/** The RFC 6455 §5.2 base frame, as seen on the wire. */

export interface Frame {
  fin: boolean;
  rsv1: boolean;
  rsv2: boolean;
  rsv3: boolean;
  opcode: number;
  masked: boolean;
  /** The 4-byte masking key; present only when `masked` is true. */
  mask?: Buffer;
  /** Payload after unmasking (still compressed if an extension set RSV1). */
  payload: Buffer;
  /** Bytes before the payload: 2 + extended length (0/2/8) + mask (0/4). */
  headerLength: number;
  payloadLength: number;
}

/** §5.2 / §11.8 opcode registry. 0x3-0x7 and 0xB-0xF are reserved. */
export const Opcode = Object.freeze({
  CONTINUATION: 0x0,
  TEXT: 0x1,
  BINARY: 0x2,
  CLOSE: 0x8,
  PING: 0x9,
  PONG: 0xa,
} as const);

const NAMES: Readonly<Record<number, string>> = {
  0x0: 'continuation',
  0x1: 'text',
  0x2: 'binary',
  0x8: 'close',
  0x9: 'ping',
  0xa: 'pong',
};

/** Lower-case name for logs; reserved opcodes render as e.g. `reserved-0xb`. */
export function opcodeName(opcode: number): string {
  return NAMES[opcode] ?? `reserved-0x${opcode.toString(16)}`;
}

/** §5.5: control frames are the ones whose opcode has the high bit set. */
export function isControl(opcode: number): boolean {
  return (opcode & 0x8) !== 0;
}

export function isReservedOpcode(opcode: number): boolean {
  return NAMES[opcode] === undefined;
}
