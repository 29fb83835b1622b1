import type { Runnable, RunQueue } from '../core/kernel.js';

/** Resolves after the current macrotask, once every microtask queued so far has run. */
function nextMacrotask(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * The run queue of a `TestRuntime`. Where the {@link RunQueue} of a real runtime runs
 * ready processes in FIFO order, this one draws the next from a seeded generator,
 * among all that are ready, and runs one step at a time: it lets every microtask the
 * step caused run (the process's body or async handler goes on until it waits again)
 * before it draws the next. So one seed gives one interleaving.
 *
 * It says no to every `tick()`: a message is never handed straight to a waiting
 * receive, so every delivery goes through the queue and is a choice of the seed.
 * @internal
 */
export class SeededScheduler implements RunQueue {
  readonly budget: number;
  readonly #random: () => number;
  readonly #onError: (error: unknown) => void;
  #ready: Runnable[] = [];
  #running = false;
  #stopped = false;
  #idle: (() => void)[] = [];

  constructor(budget: number, random: () => number, onError: (error: unknown) => void) {
    this.budget = budget;
    this.#random = random;
    this.#onError = onError;
  }

  get length(): number {
    return this.#ready.length;
  }

  /** Whether steps are being run (or are about to be). */
  get running(): boolean {
    return this.#running;
  }

  enqueue(runnable: Runnable): void {
    if (runnable.queued || this.#stopped) return;
    runnable.queued = true;
    this.#ready.push(runnable);
    if (!this.#running) void this.#drive();
  }

  tick(): boolean {
    return false;
  }

  stop(): void {
    this.#stopped = true;
    for (const runnable of this.#ready) runnable.queued = false;
    this.#ready = [];
  }

  /** Resolves once the queue has run dry (at once if it is not running). */
  whenIdle(): Promise<void> {
    if (!this.#running) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  async #drive(): Promise<void> {
    this.#running = true;
    try {
      for (;;) {
        // Whatever the last step (or the test's own code) set off runs first.
        await nextMacrotask();
        const ready = this.#ready;
        if (ready.length === 0) break;
        const index = Math.floor(this.#random() * ready.length);
        const runnable = ready[index]!;
        ready[index] = ready[ready.length - 1]!;
        ready.pop();
        runnable.queued = false;
        try {
          runnable.run(this.budget);
        } catch (error) {
          // Runnables catch user errors themselves: a last guard, as in the Scheduler.
          this.#onError(error);
        }
      }
    } finally {
      this.#running = false;
      const idle = this.#idle;
      this.#idle = [];
      for (const resolve of idle) resolve();
    }
  }
}
