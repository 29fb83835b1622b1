import { AssertionError } from 'node:assert';
import {
  Down,
  Exit,
  type HandlerProcess,
  type MessageHandler,
  type Pid,
  type Runtime,
  type Self,
  selfOf,
  spawnHandler,
} from '../core/kernel.js';
import { describeValue } from '../describe.js';
import type { ExitReason } from '../types.js';

/**
 * What a probe needs from its `TestRuntime`: a way to run it, moving the virtual clock
 * timer by timer, until something is found; an advance; and the sentence naming the
 * seed, for failures.
 * @internal
 */
export interface ProbeClock {
  /**
   * Runs the runtime until `check` returns a box, moving the clock to each next timer
   * up to `timeout` ms from now; resolves `undefined` (the clock `timeout` ms later)
   * if nothing came.
   */
  waitFor<T>(
    check: () => { value: T } | undefined,
    timeout: number,
  ): Promise<{ value: T } | undefined>;
  advance(ms: number): Promise<void>;
  /** `seed 42: new TestRuntime({ seed: 42 }) replays this run` */
  replay(): string;
}

/** The default timeout of the `expect...` functions, in virtual ms, as Akka's TestProbe's 3 s. */
const DEFAULT_TIMEOUT = 3_000;

/**
 * A test process that records every message it receives, so that a test can await
 * them (Akka's `TestProbe`). Made by `rt.probe()` on a {@link TestRuntime}; send to
 * {@link Probe.pid}, or pass it to the code under test as a pid to report to.
 *
 * Every timeout is on the runtime's virtual clock: an `expect...` function runs the
 * runtime and moves the clock itself, timer by timer, until what it waits for comes
 * (the clock then stops there) or the timeout has passed. A failure rejects with an
 * `AssertionError` that names the seed that replays the run.
 *
 * @example
 * ```ts
 * const rt = new TestRuntime();
 * const probe = rt.probe();
 * rt.sendAfter(probe.pid, 'tick', 1000);
 * await probe.expectNoMessage(999);
 * expect(await probe.expectMessage()).toBe('tick');
 * expect(rt.now()).toBe(1000);
 * ```
 * @see {@link TestRuntime.probe}
 */
export class Probe {
  /** The probe's process: send to it, link it, hand it to the code under test. */
  readonly pid: Pid;
  readonly #self: Self;
  readonly #clock: ProbeClock;
  /** Messages received and not yet taken by an `expect...` function, oldest first. */
  readonly #queue: unknown[] = [];

  /** Made by `rt.probe()` only. @internal */
  static create(runtime: Runtime, clock: ProbeClock): Probe {
    return new Probe(runtime, clock);
  }

  private constructor(runtime: Runtime, clock: ProbeClock) {
    const queue = this.#queue;
    const handler: MessageHandler = {
      behaviour: 'TestProbe',
      handle(message: unknown) {
        queue.push(message);
        return undefined;
      },
    };
    const proc: HandlerProcess = spawnHandler(runtime, handler, undefined, 'probe');
    this.pid = proc.pid;
    this.#self = selfOf(runtime, proc);
    this.#clock = clock;
  }

  /**
   * The messages received and not yet taken by an `expect...` function, oldest first.
   * @example
   * ```ts
   * expect(probe.messages).toEqual([]);
   * ```
   */
  get messages(): readonly unknown[] {
    return [...this.#queue];
  }

  /**
   * Resolves with the first message received that `match` accepts (the first of all
   * without it), and takes it from the probe; earlier messages stay, in order.
   * Runs the runtime and moves its clock as needed, up to `timeout` virtual ms.
   *
   * @param match - which message to take. @defaultValue any message
   * @param timeout - virtual ms to wait. @defaultValue 3000
   * @returns The message.
   * @throws AssertionError (as a rejection) when none comes in time; its message names
   * the seed that replays the run.
   * @example
   * ```ts
   * GenServer.cast(rt, server, { type: 'notify', to: probe.pid });
   * expect(await probe.expectMessage((m) => m === 'done')).toBe('done');
   * ```
   */
  async expectMessage(
    match?: (message: unknown) => boolean,
    timeout = DEFAULT_TIMEOUT,
  ): Promise<unknown> {
    checkFunction(match, 'expectMessage', 'match');
    checkTimeout(timeout, 'expectMessage');
    return this.#expect(
      match,
      timeout,
      `a message${match === undefined ? '' : ' that match accepts'}`,
    );
  }

  /**
   * Moves the clock `ms` virtual ms on (running everything that falls due), and
   * resolves if the probe then holds no message, received before or during the wait.
   *
   * @param ms - virtual ms to wait.
   * @throws AssertionError (as a rejection) naming the first message held and the seed.
   * @example
   * ```ts
   * await probe.expectNoMessage(500); // costs no real time
   * ```
   */
  async expectNoMessage(ms: number): Promise<void> {
    checkTimeout(ms, 'expectNoMessage', 'ms', false);
    await this.#clock.advance(ms);
    if (this.#queue.length > 0) {
      throw this.#failure(
        `expected no message within ${ms} ms, got ${describeValue(this.#queue[0], 200)}`,
      );
    }
  }

  /**
   * Monitors `pid` from the probe (at once, in this call), then resolves with the reason of its `DOWN`
   * message (`'noproc'` if it is already dead), which it takes from the probe.
   *
   * @param pid - the process to watch.
   * @param timeout - virtual ms to wait. @defaultValue 3000
   * @returns The exit reason.
   * @throws AssertionError (as a rejection) when it does not end in time.
   * @example
   * ```ts
   * const down = probe.expectDown(server); // monitors at once
   * rt.exit(server, 'kill'); // an exit signal acts at once: monitor first
   * expect(await down).toBe('killed');
   * ```
   */
  async expectDown(pid: Pid, timeout = DEFAULT_TIMEOUT): Promise<ExitReason> {
    checkTimeout(timeout, 'expectDown');
    const ref = this.#self.monitor(pid);
    const down = (await this.#expect(
      (m) => m instanceof Down && m.ref === ref,
      timeout,
      `DOWN from ${String(pid)}`,
    )) as Down;
    return down.reason;
  }

  /**
   * Makes the probe trap exits and link to `pid`, then resolves with the reason of
   * the `EXIT` message `pid` sends it when it ends (`'noproc'` if it is already
   * dead), which it takes from the probe.
   *
   * @param pid - the process to watch.
   * @param timeout - virtual ms to wait. @defaultValue 3000
   * @returns The exit reason.
   * @throws AssertionError (as a rejection) when it does not end in time.
   * @example
   * ```ts
   * const worker = rt.spawn(async () => { throw new Error('boom'); });
   * expect(await probe.expectExit(worker)).toBeInstanceOf(Error);
   * ```
   */
  async expectExit(pid: Pid, timeout = DEFAULT_TIMEOUT): Promise<ExitReason> {
    checkTimeout(timeout, 'expectExit');
    this.#self.trapExit(true);
    this.#self.link(pid);
    const exit = (await this.#expect(
      (m) => m instanceof Exit && m.from === pid,
      timeout,
      `EXIT from ${String(pid)}`,
    )) as Exit;
    return exit.reason;
  }

  async #expect(
    match: ((message: unknown) => boolean) | undefined,
    timeout: number,
    what: string,
  ): Promise<unknown> {
    const queue = this.#queue;
    const found = await this.#clock.waitFor(() => {
      const index = match === undefined ? (queue.length > 0 ? 0 : -1) : queue.findIndex(match);
      return index < 0 ? undefined : { value: queue.splice(index, 1)[0] };
    }, timeout);
    if (found !== undefined) return found.value;
    const held =
      queue.length === 0
        ? 'it holds no message'
        : `it holds ${queue.length} other message${queue.length === 1 ? '' : 's'}, the first ${describeValue(queue[0], 200)}`;
    throw this.#failure(`expected ${what} within ${timeout} ms, but ${held}`);
  }

  #failure(sentence: string): AssertionError {
    return new AssertionError({
      message: `probe ${String(this.pid)}: ${sentence} (virtual time; ${this.#clock.replay()})`,
    });
  }
}

function checkFunction(value: unknown, operation: string, argument: string): void {
  if (value !== undefined && typeof value !== 'function') {
    throw new TypeError(
      `${operation}: expected \`${argument}\` to be a function, got ${describeValue(value, 100)}`,
    );
  }
}

/** @internal */
export function checkTimeout(
  value: unknown,
  operation: string,
  argument = 'timeout',
  infinite = true,
): void {
  if (
    typeof value !== 'number' ||
    Number.isNaN(value) ||
    value < 0 ||
    (!infinite && !Number.isFinite(value))
  ) {
    throw new (typeof value === 'number' ? RangeError : TypeError)(
      `${operation}: expected \`${argument}\` to be a ${infinite ? 'number' : 'finite number'} >= 0, got ${describeValue(value, 100)}`,
    );
  }
}
