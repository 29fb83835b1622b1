import type { Ref } from './pid.js';
import type { TimerEntry, Timers } from './timers.js';

/**
 * The runtime's `sendAfter` timers, by their refs: a ref names a timer without
 * carrying it, so holding a ref gives nothing but what `cancelTimer` allows.
 * @internal
 */
export class SendTimers {
  readonly #timers: Timers;
  readonly #byRef = new Map<Ref, TimerEntry>();

  constructor(timers: Timers) {
    this.#timers = timers;
  }

  /** Runs `fire` after `ms` ms unless cancelled; returns `ref`. */
  add(ref: Ref, ms: number, fire: () => void): Ref {
    const entry: TimerEntry = {
      deadline: this.#timers.now() + ms,
      cancelled: false,
      fire: () => {
        this.#byRef.delete(ref);
        fire();
      },
    };
    this.#byRef.set(ref, entry);
    this.#timers.add(entry);
    return ref;
  }

  /** The ms that were left, or `false` if the timer had fired or was cancelled. */
  cancel(ref: Ref): number | false {
    const entry = this.#byRef.get(ref);
    if (entry === undefined || entry.cancelled) return false;
    this.#byRef.delete(ref);
    this.#timers.cancel(entry);
    return Math.max(0, Math.round(entry.deadline - this.#timers.now()));
  }

  clear(): void {
    this.#byRef.clear();
  }
}
