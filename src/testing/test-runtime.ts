import { format } from 'node:util';
import { Runtime } from '../core/kernel.js';
import { describeValue } from '../describe.js';
import type { Logger } from '../logger.js';
import { checkTimeout, Probe, type ProbeClock } from './probe.js';
import { checkSeed, seededRandom } from './random.js';
import { SeededScheduler } from './seeded-scheduler.js';
import { VirtualTimers } from './virtual-timers.js';

/**
 * Options of `new TestRuntime(...)`.
 *
 * @example
 * ```ts
 * const rt = new TestRuntime({ seed: 42, messages: 'copy' });
 * ```
 */
export interface TestRuntimeOptions {
  /**
   * The seed of the scheduling order (and of backoff jitter): one seed replays one
   * interleaving. An integer from 0 to 2^32 - 1. @defaultValue a random seed, in `rt.seed`
   */
  seed?: number;
  /** A name for the runtime, for logs. @defaultValue a random `otp-…` id */
  name?: string;
  /**
   * Where reports go besides {@link TestRuntime.logs}. @defaultValue nowhere: the
   * reports are only recorded
   */
  logger?: Logger;
  /** As `new Runtime({ messages })`. @defaultValue 'share' */
  messages?: 'share' | 'copy';
  /**
   * How many messages a process handles per step. With 1, every message is a point
   * where the seed picks the next process, which explores the most interleavings.
   * @defaultValue 1
   */
  budget?: number;
  /** As `new Runtime({ mailboxWarning })`. @defaultValue 10000 */
  mailboxWarning?: number;
}

/**
 * A report the runtime logged: its level and its text (the logger's arguments,
 * formatted as `console.log` formats them).
 *
 * @example
 * ```ts
 * expect(rt.logs.filter((l) => l.level === 'error')).toHaveLength(1);
 * ```
 */
export interface LogEntry {
  /** The logger function it went to. */
  level: 'error' | 'warn' | 'info' | 'debug';
  /** The report, as text. */
  message: string;
}

/**
 * A {@link Runtime} for tests: virtual time and a seeded scheduler.
 *
 * **Virtual time.** Every timer of the library runs on the runtime's own clock, which
 * starts at 0 and moves only when the test moves it: receive and call timeouts,
 * `sendAfter`, GenServer and GenStatem timeouts, `rt.start` and Task timeouts,
 * restart intensity windows, backoff delays and shutdown timeouts. `await
 * rt.advance(ms)` fires what falls due, in time order; a probe's `expect...`
 * functions and `rt.shutdown()` move it by themselves. So a test of a five-second
 * timeout is exact and instant.
 *
 * **Seeded scheduling.** The order in which ready processes run is drawn from
 * `rt.seed` among all the ready ones, one step at a time (a step runs a process until
 * it waits again), so one seed replays one interleaving. `new TestRuntime({ seed })`
 * replays a failure; every failure of a probe names its seed; {@link explore} tries
 * many.
 *
 * What is deterministic: everything the processes of the runtime do with each other
 * and with its timers, and code of the test that awaits them. What is not: a process
 * that awaits real I/O or a real timer (`fetch`, `setTimeout`, a file): the runtime
 * cannot see it, and sees it as idle meanwhile.
 *
 * @example
 * ```ts
 * import { GenServer } from 'otp-ts';
 * import { TestRuntime } from 'otp-ts/testing';
 *
 * const rt = new TestRuntime();
 * const server = await rt.start(Counter, 0);
 * // Expect the rejection before the clock moves, so that it is handled when it comes.
 * const late = expect(GenServer.call(rt, server, 'slow', 5000)).rejects.toThrow(CallTimeoutError);
 * await rt.advance(5000); // instant
 * await late;
 * await rt.shutdown();
 * ```
 * @see {@link Probe}, {@link explore}
 */
export class TestRuntime extends Runtime {
  /** The seed this runtime's scheduling order is drawn from: pass it back to replay the run. */
  readonly seed: number;
  /** Every report the runtime logged (crash reports, supervisor reports, warnings), in order. */
  readonly logs: LogEntry[];
  readonly #clock: VirtualTimers;
  readonly #queue: SeededScheduler;
  readonly #probeClock: ProbeClock;
  #stopping: Promise<void> | undefined;

  /**
   * @param opts - the seed, and the options of `new Runtime` that a test may want.
   * @throws TypeError or RangeError for an option of the wrong type or range.
   */
  constructor(opts: TestRuntimeOptions = {}) {
    if (typeof opts !== 'object' || opts === null) {
      throw new TypeError(
        `new TestRuntime: expected options to be an object, got ${describeValue(opts, 100)}`,
      );
    }
    const seed = checkSeed(opts.seed, 'new TestRuntime');
    const logs: LogEntry[] = [];
    const forward = opts.logger;
    const record =
      (level: LogEntry['level']) =>
      (...args: unknown[]): void => {
        logs.push({ level, message: format(...args) });
        forward?.[level](...args);
      };
    // Two streams: backoff jitter drawn in a step does not shift the scheduling order.
    const pick = seededRandom(seed);
    const jitter = seededRandom(seed ^ 0x9e37_79b9);
    let clock: VirtualTimers | undefined;
    let queue: SeededScheduler | undefined;
    super({
      name: opts.name,
      messages: opts.messages,
      budget: opts.budget ?? 1,
      mailboxWarning: opts.mailboxWarning,
      logger: {
        error: record('error'),
        warn: record('warn'),
        info: record('info'),
        debug: record('debug'),
      },
      engine: {
        timers: (onError) => (clock = new VirtualTimers(onError)),
        scheduler: (budget, onError) => (queue = new SeededScheduler(budget, pick, onError)),
        random: jitter,
      },
    });
    this.seed = seed;
    this.logs = logs;
    this.#clock = clock!;
    this.#queue = queue!;
    this.#probeClock = {
      waitFor: (check, timeout) => this.#waitFor(check, timeout),
      advance: (ms) => this.advance(ms),
      replay: () => this.replay,
    };
  }

  /**
   * How to replay this run: `seed 42: new TestRuntime({ seed: 42 }) replays this run`.
   * Put it in a failure message of your own.
   * @example
   * ```ts
   * if (balance < 0) throw new Error(`balance went negative (${rt.replay})`);
   * ```
   */
  get replay(): string {
    return `seed ${this.seed}: new TestRuntime({ seed: ${this.seed} }) replays this run`;
  }

  /**
   * The virtual clock, in ms: 0 at construction.
   * @example
   * ```ts
   * await rt.advance(250);
   * rt.now(); // 250
   * ```
   */
  now(): number {
    return this.#clock.now();
  }

  /**
   * Runs ready processes until none is ready (each step a process drawn from the
   * seed, run until it waits again), without moving the clock.
   * @example
   * ```ts
   * rt.send(server, 'work');
   * await rt.runUntilIdle();
   * expect(rt.info(server)?.messageQueueLen).toBe(0);
   * ```
   */
  async runUntilIdle(): Promise<void> {
    const queue = this.#queue;
    do {
      // A macrotask first: what the test's own code set off (a call's send) runs.
      await new Promise((resolve) => setImmediate(resolve));
      await queue.whenIdle();
    } while (queue.running || queue.length > 0);
  }

  /**
   * Moves the clock `ms` on: every timer that falls due fires, in time order, and
   * after each the processes it made ready run until none is; then the clock stands
   * `ms` later than it did.
   *
   * @param ms - virtual ms, a finite number >= 0.
   * @throws TypeError or RangeError (as a rejection) for a bad `ms`.
   * @example
   * ```ts
   * rt.sendAfter(pid, 'tick', 1000);
   * await rt.advance(1000); // 'tick' delivered and handled
   * ```
   */
  async advance(ms: number): Promise<void> {
    checkTimeout(ms, 'advance', 'ms', false);
    const clock = this.#clock;
    const target = clock.now() + ms;
    await this.runUntilIdle();
    while (this.#fireNext(target)) await this.runUntilIdle();
    clock.moveTo(target);
  }

  /**
   * A new {@link Probe}: a test process that records what it receives.
   * @example
   * ```ts
   * const probe = rt.probe();
   * rt.send(probe.pid, 'hello');
   * expect(await probe.expectMessage()).toBe('hello');
   * ```
   */
  probe(): Probe {
    return Probe.create(this, this.#probeClock);
  }

  /**
   * As `Runtime.shutdown`, moving the virtual clock through the shutdown timeouts
   * (the runtime's and each child's) by itself: a child that outlives its shutdown
   * time is killed at once in real time.
   *
   * @param opts - `timeout` in virtual ms. @defaultValue `{ timeout: 5000 }`
   * @example
   * ```ts
   * afterEach(() => rt.shutdown());
   * ```
   */
  override shutdown(opts?: { timeout?: number }): Promise<void> {
    this.#stopping ??= this.#stop(super.shutdown(opts));
    return this.#stopping;
  }

  async #stop(stopped: Promise<void>): Promise<void> {
    let settled = false;
    const watched = stopped.then(
      () => {
        settled = true;
      },
      () => {
        settled = true;
      },
    );
    for (;;) {
      await this.runUntilIdle();
      if (settled || !this.#fireNext(Number.POSITIVE_INFINITY)) break;
    }
    // Nothing left to fire, only real I/O could end what is left: wait for it.
    await watched;
    return stopped;
  }

  /** Moves the clock to the earliest timer due by `limit` and fires it; false if none is. */
  #fireNext(limit: number): boolean {
    const clock = this.#clock;
    const next = clock.nextDeadline();
    if (next > limit) return false;
    clock.moveTo(next);
    return clock.fireNext(next);
  }

  async #waitFor<T>(
    check: () => { value: T } | undefined,
    timeout: number,
  ): Promise<{ value: T } | undefined> {
    const deadline = this.#clock.now() + timeout;
    for (;;) {
      await this.runUntilIdle();
      const found = check();
      if (found !== undefined) return found;
      if (!this.#fireNext(deadline)) break;
    }
    if (Number.isFinite(deadline)) this.#clock.moveTo(deadline);
    return undefined;
  }
}
