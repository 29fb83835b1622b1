import { Timers } from '../core/kernel.js';

/**
 * The timer heap of a `TestRuntime` on a virtual clock: it starts at 0 and moves only
 * when the test runtime fires the heap ({@link Timers.fireNext}) or sets it
 * ({@link VirtualTimers.moveTo}). No Node.js timer is ever armed, and timers fire
 * exactly at their deadline (no slack).
 * @internal
 */
export class VirtualTimers extends Timers {
  #now = 0;

  constructor(onError: (error: unknown) => void) {
    super(onError, 0);
  }

  override now(): number {
    return this.#now;
  }

  /**
   * A call's timeout is stamped in a microtask: the clock moves only after the run
   * queue has been idle for a whole macrotask, so the stamp is always read first.
   */
  override defer(callback: () => void): void {
    queueMicrotask(callback);
  }

  protected override wakeUp(): undefined {
    return undefined;
  }

  /** Moves the clock forward to `time` (never back). */
  moveTo(time: number): void {
    if (time > this.#now) this.#now = time;
  }
}
