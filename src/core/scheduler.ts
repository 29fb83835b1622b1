/**
 * Something the scheduler can run: a process with work to do.
 * @internal
 */
export interface Runnable {
  /** True while the runnable sits in the run queue, so it is queued at most once. */
  queued: boolean;
  /** Does up to `budget` units of work. */
  run(budget: number): void;
}

/**
 * What a runtime runs its processes with: the {@link Scheduler}, or the seeded run
 * queue of otp-ts/testing's `TestRuntime`. A runtime picks one at construction.
 * @internal
 */
export interface RunQueue {
  /** How many messages a process handles per turn. */
  readonly budget: number;
  /** Runnables waiting in the queue. */
  readonly length: number;
  /** Marks `runnable` ready; it runs later, never inside this call. */
  enqueue(runnable: Runnable): void;
  /**
   * Counts one unit of work done outside a run and tells whether more may be done at
   * once, outside the queue (a receive served straight from the mailbox). A queue
   * that must see every delivery (a seeded one) always says no.
   */
  tick(): boolean;
  /** Drops every runnable and takes no more: the runtime is shut down. */
  stop(): void;
}

/**
 * Messages for other nodes, batched until the end of the turn (the node layer's). A
 * node's scheduler sends them before it runs the turn's local processes: a turn that
 * hands work to another node and to a local process starts the remote work first, so
 * that two nodes really work at once, instead of the batch waiting behind the local
 * work (measured in bench/threads.ts: 1.0× to 2.0× on two nodes).
 * @internal
 */
export interface Outbox {
  readonly pending: boolean;
  flush(): void;
}

/** How long the scheduler may keep the event loop before yielding to timers and I/O. */
const SLICE_MS = 4;

/** A settled promise: `.then` on it chains a microtask without Node's queueMicrotask bookkeeping. */
const SETTLED = Promise.resolve();

const INITIAL_CAPACITY = 64;
/** A ring grown past this by a burst goes back to its initial size once it drains. */
const SHRINK_ABOVE = 4096;

/**
 * The run queue. A send never runs the receiver synchronously: it marks the receiver
 * runnable, and the scheduler runs runnables in FIFO order, each for at most `budget`
 * messages per turn. Runs are chained through microtasks for speed, but once a time
 * slice of a few milliseconds has passed the next run waits for a macrotask
 * (`setImmediate`), so a flood of messages never starves timers or I/O.
 *
 * The queue is a growable ring buffer: O(1) push and shift whatever its length, and
 * no copying when a slice ends with work left.
 * @internal
 */
export class Scheduler implements RunQueue {
  readonly budget: number;
  #ring: (Runnable | undefined)[] = new Array(INITIAL_CAPACITY);
  #head = 0;
  #size = 0;
  #scheduled = false;
  #sliceStart = 0;
  #chained = 0;
  #ticks = 0;
  #expired = false;
  #stopped = false;
  #immediate: NodeJS.Immediate | undefined = undefined;
  readonly #onError: (error: unknown) => void;

  constructor(budget: number, onError: (error: unknown) => void) {
    this.budget = budget;
    this.#onError = onError;
  }

  /** Runnables waiting in the queue. */
  get length(): number {
    return this.#size;
  }

  /** Slots in the ring, for tests of its memory. */
  get capacity(): number {
    return this.#ring.length;
  }

  enqueue(runnable: Runnable): void {
    if (runnable.queued || this.#stopped) return;
    runnable.queued = true;
    let ring = this.#ring;
    if (this.#size === ring.length) ring = this.#grow(ring);
    ring[(this.#head + this.#size) & (ring.length - 1)] = runnable;
    this.#size++;
    if (!this.#scheduled) this.#schedule();
  }

  /**
   * Counts one unit of work done outside a run (a receive served at once from the
   * mailbox) and tells whether the time slice still allows more. The clock is read
   * every 256 units only.
   */
  tick(): boolean {
    if ((++this.#ticks & 255) === 0)
      this.#expired = performance.now() - this.#sliceStart >= SLICE_MS;
    return !this.#expired;
  }

  stop(): void {
    this.#stopped = true;
    if (this.#immediate !== undefined) clearImmediate(this.#immediate);
    this.#immediate = undefined;
    const ring = this.#ring;
    for (let i = 0; i < this.#size; i++) {
      const index = (this.#head + i) & (ring.length - 1);
      ring[index]!.queued = false;
      ring[index] = undefined;
    }
    this.#head = 0;
    this.#size = 0;
  }

  #grow(ring: (Runnable | undefined)[]): (Runnable | undefined)[] {
    const next = new Array<Runnable | undefined>(ring.length * 2);
    for (let i = 0; i < this.#size; i++) next[i] = ring[(this.#head + i) & (ring.length - 1)];
    this.#head = 0;
    this.#ring = next;
    return next;
  }

  #schedule(): void {
    this.#scheduled = true;
    // Reading the clock costs as much as a small run: look at it on every 16th chained run only.
    if (
      !this.#expired &&
      ((++this.#chained & 15) !== 0 || performance.now() - this.#sliceStart < SLICE_MS)
    ) {
      SETTLED.then(this.#drain);
    } else {
      this.#expired = true;
      this.#immediate = setImmediate(this.#drainFromMacrotask);
    }
  }

  readonly #drainFromMacrotask = (): void => {
    this.#immediate = undefined;
    this.#sliceStart = performance.now();
    this.#expired = false;
    this.#chained = 0;
    this.#drain();
  };

  /** Runs before each drain; a node's scheduler sends its outbox there. */
  protected beforeDrain(): void {}

  readonly #drain = (): void => {
    this.beforeDrain();
    const budget = this.budget;
    let count = 0;
    while (this.#size > 0) {
      const ring = this.#ring;
      const runnable = ring[this.#head]!;
      ring[this.#head] = undefined;
      this.#head = (this.#head + 1) & (ring.length - 1);
      this.#size--;
      runnable.queued = false;
      try {
        runnable.run(budget);
      } catch (error) {
        // Runnables catch user errors themselves; this is a last guard so one bug
        // cannot break the scheduler for every other process.
        this.#onError(error);
      }
      if ((++count & 63) === 0 && performance.now() - this.#sliceStart >= SLICE_MS) {
        this.#expired = true;
        if (this.#size > 0 && !this.#stopped) {
          this.#immediate = setImmediate(this.#drainFromMacrotask);
          return;
        }
        break;
      }
    }
    // Drained: a ring that a burst (a mass spawn) grew would otherwise hold its memory for good.
    if (this.#size === 0 && this.#ring.length > SHRINK_ABOVE) {
      this.#ring = new Array(INITIAL_CAPACITY);
      this.#head = 0;
    }
    this.#scheduled = false;
  };
}

/**
 * The scheduler of a runtime that is a node: before each drain, it sends what the turn
 * queued for other nodes. A subclass, so that a runtime that is no node keeps the plain
 * scheduler's layout: one more field on the Scheduler itself halved a ring's hops.
 * @internal
 */
export class NodeScheduler extends Scheduler {
  #outbox: Outbox | undefined = undefined;

  setOutbox(outbox: Outbox): void {
    this.#outbox = outbox;
  }

  protected override beforeDrain(): void {
    const outbox = this.#outbox;
    if (outbox?.pending) outbox.flush();
  }
}
