import type { TimerEntry, Timers } from './timers.js';

/**
 * A call as its timeout sees it. `From` is one: the call is its own entry here, so
 * timing a call allocates nothing.
 *
 * The contract: `startedBy` is the stamp of the {@link Epoch} that
 * {@link CallTimeouts.add} returned for the call (NaN until that stamp is read);
 * `pending` stays true until the call is settled; and settling it, by its answer or
 * by `timedOut`, calls `done()` on that epoch's owner exactly once.
 * @internal
 */
export interface TimedCall {
  /** Whether the call still waits for its reply. */
  readonly pending: boolean;
  /** The stamp the call's timeout counts from, or NaN before it is read. */
  readonly startedBy: number;
  /** The timeout passed: fail the call (which settles it). */
  timedOut(timeout: number): void;
}

/**
 * The calls of one runtime made since its call timeouts last read the clock. Their
 * timeouts count from `stamp`, read by the first macrotask after them (the runtime's
 * `Timers.defer`; a virtual clock reads it in a microtask, before it can move): a call costs
 * no clock read (a fifth of a whole call when measured; see bench/RESULTS.md), and a
 * timeout can only start late, by at most the rest of the event-loop turn the call was
 * made in, never early.
 * @internal
 */
export class Epoch {
  /** When the calls were made, at the latest; NaN until the stamp is read. */
  stamp = Number.NaN;
  constructor(readonly owner: CallTimeouts) {}
}

/**
 * The calls of one runtime with one timeout value, waiting for a reply, in the order
 * they were made: their deadline order. A ring of calls: a settled call is left in
 * place, and dropped when it reaches the front or when the ring is compacted, so a
 * call's settling costs nothing here.
 */
class TimeoutQueue {
  readonly timeout: number;
  #ring: (TimedCall | undefined)[] = new Array(16);
  #head = 0;
  #size = 0;
  /** The length past which settled calls are squeezed out. */
  #compactAt = 64;

  constructor(timeout: number) {
    this.timeout = timeout;
  }

  get size(): number {
    return this.#size;
  }

  push(from: TimedCall): void {
    let ring = this.#ring;
    // Most calls are answered in the order they were made: dropping the settled ones
    // at the front keeps the ring about as long as the calls in flight.
    this.#dropSettled();
    if (this.#size === ring.length) ring = this.#grow(ring);
    ring[(this.#head + this.#size) & (ring.length - 1)] = from;
    if (++this.#size > this.#compactAt) this.#compact();
  }

  /** The deadline of the first pending call, or Infinity (also before its stamp is read). */
  next(): number {
    this.#dropSettled();
    if (this.#size === 0) return Number.POSITIVE_INFINITY;
    const deadline = this.#ring[this.#head]!.startedBy + this.timeout;
    return Number.isNaN(deadline) ? Number.POSITIVE_INFINITY : deadline;
  }

  /** Fails the calls whose deadline has passed at `now`, give or take `slack` ms. */
  expire(now: number, slack: number): void {
    while (this.#size > 0) {
      const ring = this.#ring;
      const from = ring[this.#head]!;
      // NaN (no stamp yet) is not due: the calls behind it are newer still.
      // As the runtime's timers: Node.js may fire a timer up to `slack` ms early.
      if (from.pending && !(from.startedBy + this.timeout <= now + slack)) return;
      ring[this.#head] = undefined;
      this.#head = (this.#head + 1) & (ring.length - 1);
      this.#size--;
      // Failing a call may empty the runtime's calls, which clears this queue: the
      // loop reads the fields afresh.
      if (from.pending) from.timedOut(this.timeout);
    }
  }

  /** Drops every call: none is pending. */
  clear(): void {
    const ring = this.#ring;
    const mask = ring.length - 1;
    for (let i = 0; i < this.#size; i++) ring[(this.#head + i) & mask] = undefined;
    this.#head = 0;
    this.#size = 0;
  }

  #dropSettled(): void {
    const ring = this.#ring;
    const mask = ring.length - 1;
    while (this.#size > 0 && !ring[this.#head]!.pending) {
      ring[this.#head] = undefined;
      this.#head = (this.#head + 1) & mask;
      this.#size--;
    }
  }

  #grow(ring: (TimedCall | undefined)[]): (TimedCall | undefined)[] {
    const next = new Array<TimedCall | undefined>(ring.length * 2);
    const mask = ring.length - 1;
    for (let i = 0; i < this.#size; i++) next[i] = ring[(this.#head + i) & mask];
    this.#head = 0;
    this.#ring = next;
    return next;
  }

  /** Squeezes out the settled calls; the next compaction waits until the ring has doubled. */
  #compact(): void {
    const ring = this.#ring;
    const mask = ring.length - 1;
    let kept = 0;
    for (let i = 0; i < this.#size; i++) {
      const index = (this.#head + i) & mask;
      const from = ring[index]!;
      ring[index] = undefined;
      if (from.pending) ring[(this.#head + kept++) & mask] = from;
    }
    this.#size = kept;
    this.#compactAt = Math.max(64, kept * 2);
  }
}

/**
 * The timeouts of a runtime's calls, behind one entry in its timer heap. Adding a
 * call to the heap and cancelling it on the reply (most calls are answered) cost
 * more than the rest of the call did: here a call costs a slot in a queue, and the
 * heap entry stands for the earliest deadline of all.
 * @internal
 */
export class CallTimeouts {
  /** Calls with a timeout still waiting for their reply. */
  pending = 0;
  /** The calls made since the last stamp. */
  epoch: Epoch = new Epoch(this);
  readonly #timers: Timers;
  readonly #queues = new Map<number, TimeoutQueue>();
  /** The queue of the last call: most calls use the default timeout. */
  #last: TimeoutQueue | undefined = undefined;
  #armed: TimerEntry | undefined = undefined;
  #stamping = false;

  constructor(timers: Timers) {
    this.#timers = timers;
  }

  /** Adds a call; returns the epoch its timeout counts from. */
  add(from: TimedCall, timeout: number): Epoch {
    let queue = this.#last;
    if (queue === undefined || queue.timeout !== timeout) queue = this.#queue(timeout);
    queue.push(from);
    this.pending++;
    if (!this.#stamping) {
      this.#stamping = true;
      this.#timers.defer(this.#stamp);
    }
    return this.epoch;
  }

  /** A call was settled. */
  done(): void {
    if (--this.pending === 0) this.#idle();
  }

  #queue(timeout: number): TimeoutQueue {
    let queue = this.#queues.get(timeout);
    if (queue === undefined) {
      queue = new TimeoutQueue(timeout);
      this.#queues.set(timeout, queue);
    }
    this.#last = queue;
    return queue;
  }

  readonly #stamp = (): void => {
    this.#stamping = false;
    this.epoch.stamp = this.#timers.now();
    this.epoch = new Epoch(this);
    if (this.pending > 0) this.#arm();
  };

  /** Arms the heap entry for the earliest deadline, unless it is armed for one as early. */
  #arm(): void {
    let next = Number.POSITIVE_INFINITY;
    for (const queue of this.#queues.values()) next = Math.min(next, queue.next());
    const armed = this.#armed;
    if (armed !== undefined) {
      if (armed.deadline <= next) return;
      this.#timers.cancel(armed);
      this.#armed = undefined;
    }
    if (next === Number.POSITIVE_INFINITY) return;
    // A new entry each time: one cancelled may still sit in the heap.
    const entry: TimerEntry = { deadline: next, cancelled: false, fire: this.#fire };
    this.#armed = entry;
    this.#timers.add(entry);
  }

  readonly #fire = (entry: TimerEntry): void => {
    if (entry !== this.#armed) return;
    this.#armed = undefined;
    const now = this.#timers.now();
    for (const [timeout, queue] of this.#queues) {
      queue.expire(now, this.#timers.slack);
      // A queue per timeout value ever used would grow without end.
      if (queue.size === 0 && queue !== this.#last) this.#queues.delete(timeout);
    }
    if (this.pending > 0) this.#arm();
  };

  /** No call waits: drop the heap entry (so it holds no Node.js timer) and the settled calls. */
  #idle(): void {
    const armed = this.#armed;
    if (armed !== undefined) {
      this.#armed = undefined;
      this.#timers.cancel(armed);
    }
    const queues = this.#queues;
    if (queues.size === 1) {
      this.#last?.clear();
      return;
    }
    for (const [timeout, queue] of queues) {
      queue.clear();
      if (queue !== this.#last) queues.delete(timeout);
    }
  }
}
