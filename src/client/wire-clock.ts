import type { Socket } from 'node:net';

/**
 * Times taken where the bytes move, not where our code notices: when a write is handed to the
 * socket, and when the socket's `data` callback fires. A round trip measured between those two
 * leaves out our own work on either side (building and compressing the frame, inflating and
 * parsing the answer), which is not the path's.
 */
export class WireClock {
  #armed = false;
  #sentAt: number | undefined;
  #answeredAt: number | undefined;

  constructor(socket: Socket) {
    // Our socket (dial made it, the client owns it): note the first write after arm().
    socket.write = new Proxy(socket.write, {
      apply: (write, _this, args) => {
        if (this.#armed && this.#sentAt === undefined) this.#sentAt = performance.now();
        return Reflect.apply(write, socket, args);
      },
    });
    socket.on('data', () => {
      if (this.#sentAt !== undefined && this.#answeredAt === undefined) this.#answeredAt = performance.now();
    });
  }

  /** Starts a measurement: the next write is the request, the next data after it the answer. */
  arm(): void {
    this.#armed = true;
    this.#sentAt = undefined;
    this.#answeredAt = undefined;
  }

  /** Write → first answering byte, or undefined when either end was not seen. */
  elapsed(): number | undefined {
    this.#armed = false;
    return this.#sentAt !== undefined && this.#answeredAt !== undefined ? this.#answeredAt - this.#sentAt : undefined;
  }
}
