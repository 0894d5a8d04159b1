import { Transform, type TransformCallback } from 'node:stream';

/**
 * A stage that relays until `shut()`, then swallows everything while the sockets stay open:
 * the silent middlebox (a NAT that forgot the flow, a proxy stuck after hijacking). Dropping
 * is the fault here. It never ends the stream on its own: nobody tells the peers anything.
 */
export class Gate extends Transform {
  #open = true;

  shut(): void {
    this.#open = false;
  }

  get isOpen(): boolean {
    return this.#open;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, callback: TransformCallback): void {
    if (this.#open) this.push(chunk);
    callback();
  }

  override _flush(callback: TransformCallback): void {
    // A black hole does not pass on a FIN either.
    if (this.#open) callback();
  }
}
