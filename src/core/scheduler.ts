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

/** How long the scheduler may keep the event loop before yielding to timers and I/O. */
const SLICE_MS = 4;

/**
 * The run queue. A send never runs the receiver synchronously: it marks the receiver
 * runnable, and the scheduler runs runnables in FIFO order, each for at most `budget`
 * messages per turn. Runs are chained through microtasks for speed, but once a time
 * slice of a few milliseconds has passed the next run waits for a macrotask
 * (`setImmediate`), so a flood of messages never starves timers or I/O.
 * @internal
 */
export class Scheduler {
  readonly budget: number;
  #queue: Runnable[] = [];
  #head = 0;
  #scheduled = false;
  #sliceStart = 0;
  #stopped = false;
  #immediate: NodeJS.Immediate | undefined = undefined;
  readonly #onError: (error: unknown) => void;

  constructor(budget: number, onError: (error: unknown) => void) {
    this.budget = budget;
    this.#onError = onError;
  }

  /** Runnables waiting in the queue. */
  get length(): number {
    return this.#queue.length - this.#head;
  }

  enqueue(runnable: Runnable): void {
    if (runnable.queued || this.#stopped) return;
    runnable.queued = true;
    this.#queue.push(runnable);
    if (!this.#scheduled) this.#schedule();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#immediate !== undefined) clearImmediate(this.#immediate);
    this.#immediate = undefined;
    for (let i = this.#head; i < this.#queue.length; i++) this.#queue[i]!.queued = false;
    this.#queue = [];
    this.#head = 0;
  }

  #schedule(): void {
    this.#scheduled = true;
    if (performance.now() - this.#sliceStart < SLICE_MS) {
      queueMicrotask(this.#drain);
    } else {
      this.#immediate = setImmediate(this.#drainFromMacrotask);
    }
  }

  readonly #drainFromMacrotask = (): void => {
    this.#immediate = undefined;
    this.#sliceStart = performance.now();
    this.#drain();
  };

  readonly #drain = (): void => {
    const budget = this.budget;
    let count = 0;
    while (this.#head < this.#queue.length) {
      const runnable = this.#queue[this.#head]!;
      this.#queue[this.#head++] = undefined as unknown as Runnable;
      runnable.queued = false;
      try {
        runnable.run(budget);
      } catch (error) {
        // Runnables catch user errors themselves; this is a last guard so one bug
        // cannot break the scheduler for every other process.
        this.#onError(error);
      }
      if ((++count & 63) === 0 && performance.now() - this.#sliceStart >= SLICE_MS) {
        this.#compactQueue();
        if (this.#head < this.#queue.length && !this.#stopped) {
          this.#immediate = setImmediate(this.#drainFromMacrotask);
          return;
        }
        break;
      }
    }
    this.#queue.length = 0;
    this.#head = 0;
    this.#scheduled = false;
  };

  #compactQueue(): void {
    if (this.#head > 0) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
  }
}
