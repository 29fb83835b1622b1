import { performance } from 'node:perf_hooks';

// Waiting for the next message without sleeping, as the BEAM's schedulers do (their
// busy wait, `+sbwt`): after traffic on a connection, the event loop keeps polling
// (a chain of setImmediate callbacks makes libuv poll with a zero timeout) for a short
// while instead of blocking in epoll. A reply that comes within that window is read at
// once, not after the thread is woken from sleep, which on a virtual machine can cost
// more than the round trip itself. The window is short and ends by itself: an idle
// node sleeps as before.

/** @internal */
export class BusyWait {
  readonly #window: number;
  #last = 0;
  #spinning = false;

  /** Whether the event loop is being kept polling. */
  get spinning(): boolean {
    return this.#spinning;
  }

  /** `window`: how long after the last traffic to keep polling, in µs (0: never). */
  constructor(window: number) {
    this.#window = window / 1000;
  }

  /** There was traffic: keep polling for the window from now. */
  touch(): void {
    if (this.#window === 0) return;
    this.#last = performance.now();
    if (this.#spinning) return;
    this.#spinning = true;
    setImmediate(this.#spin);
  }

  readonly #spin = (): void => {
    if (performance.now() - this.#last < this.#window) setImmediate(this.#spin);
    else this.#spinning = false;
  };
}
