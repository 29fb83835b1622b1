import {
  attachWatcher,
  callTimeouts,
  copiesMessages,
  copyMessage,
  type Epoch,
  linkOnBehalf,
  localProcess,
  makeRef,
  type Pid,
  type Ref,
  Runtime,
  Self,
  type TimedCall,
  unlinkOnBehalf,
} from '../../core/kernel.js';
import { describeReasonBriefly, describeValue } from '../../describe.js';
import { TaskError } from '../../errors.js';
import type { ExitReason } from '../../types.js';
import { rejectFromCaller } from '../caller-stack.js';
import { assertFunction, assertTimeout, type Caller, resolveCaller } from '../gen.js';
import type { ChildSpec, RestartType, ShutdownSpec } from '../supervision/child-spec.js';
import { type AsyncStreamOptions, checkStreamOptions, taskStream } from './async-stream.js';
import { type TaskListener, type TaskResult, TaskState, TaskWait } from './task-state.js';

/**
 * The function a task runs: it gets the task's own `self` (whose `signal` aborts when
 * the task ends) and may be async.
 *
 * @example
 * ```ts
 * const fn: TaskFunction<number> = async (self) => (await fetch(url, { signal: self.signal })).status;
 * ```
 */
export type TaskFunction<T> = (self: Self) => T | PromiseLike<T>;

const DEFAULT_TIMEOUT = 5000;

/** The state behind a task handle; only this folder reads it. @internal */
export let stateOf: <T>(task: Task<T>) => TaskState<T>;

/**
 * A process that runs one function and hands its result to its owner, as Elixir's
 * `Task`. `Task.async` returns the handle at once; `Task.await` gives the result.
 *
 * @example
 * ```ts
 * import { Runtime, Task } from 'otp-ts';
 *
 * const rt = new Runtime();
 * const task = Task.async(rt, async (self) => (await fetch(url, { signal: self.signal })).status);
 * console.log(await Task.await(task)); // 200
 * ```
 *
 * **Linking**: a task started by a process (a `self` or a GenServer) is linked to it,
 * as in Elixir: if either crashes, both do. One started with the runtime as caller is
 * linked to nothing. Use `TaskSupervisor.asyncNolink` for a task whose crash must not
 * take its owner down.
 *
 * **Cancelling**: the task's `self.signal` aborts when it is shut down, killed, or dies
 * with its linked owner, so an I/O it started through the signal stops with it.
 */
export class Task<T = unknown> {
  /** The task's process. */
  readonly pid: Pid;
  /** The process that owns the result, or `undefined` when the runtime owns it. */
  readonly owner: Pid | undefined;
  readonly #state: TaskState<T>;
  #ref: Ref | undefined = undefined;

  static {
    stateOf = <T>(task: Task<T>) => task.#state;
  }

  /** @internal */
  constructor(pid: Pid, owner: Pid | undefined, state: TaskState<T>) {
    this.pid = pid;
    this.owner = owner;
    this.#state = state;
  }

  /** The task's reference, unique to it (Elixir's monitor ref), made on first use. */
  get ref(): Ref {
    this.#ref ??= makeRef(this.#state.runtime);
    return this.#ref;
  }

  /** `Task<0.42.0>`. */
  toString(): string {
    return `Task<${String(this.pid).slice(1, -1)}>`;
  }

  /**
   * Starts a task running `fn` and returns its handle at once. With a process as
   * `caller` (a `self`, or a GenServer as `this`) the task is linked to it.
   * @throws TypeError for a bad `caller` or an `fn` that is not a function.
   * @example
   * ```ts
   * const task = Task.async(rt, async () => compute());
   * const value = await Task.await(task);
   * ```
   */
  static async<T>(caller: Caller, fn: TaskFunction<T>): Task<T> {
    const context = resolveCaller(caller, 'Task.async');
    assertFunction(fn, 'Task.async');
    return spawnTask(context, fn, context instanceof Self);
  }

  /**
   * The task's result. Rejects with a `TaskError` whose `reason` is the task's exit
   * reason when it ended without a result, or `'timeout'` when `timeout` ms pass first
   * (the task keeps running). Awaiting a settled task again gives the same outcome.
   * @example
   * ```ts
   * const value = await Task.await(task, 10_000);
   * ```
   */
  static await<T>(task: Task<T>, timeout: number = DEFAULT_TIMEOUT): Promise<T> {
    let state: TaskState<T>;
    try {
      state = checkTask(task, 'Task.await');
      assertTimeout(timeout, 'Task.await');
    } catch (error) {
      return Promise.reject(error);
    }
    const outcome = state.outcome;
    if (outcome !== undefined) {
      return 'ok' in outcome
        ? Promise.resolve(outcome.ok)
        : Promise.reject(exitError('Task.await', task, outcome.exit));
    }
    return new Promise<T>((resolve) => {
      new AwaitOne(task, state, timeout, resolve as (value: unknown) => void);
    });
  }

  /**
   * The results of `tasks`, in their order, within one common `timeout`. Rejects as
   * `Task.await` does on the first task to fail, or when the time passes.
   * @example
   * ```ts
   * const [a, b] = await Task.awaitMany([Task.async(rt, f), Task.async(rt, g)]);
   * ```
   */
  static awaitMany<T>(tasks: readonly Task<T>[], timeout: number = DEFAULT_TIMEOUT): Promise<T[]> {
    let states: TaskState<T>[];
    try {
      states = checkTasks(tasks, 'Task.awaitMany');
      assertTimeout(timeout, 'Task.awaitMany');
    } catch (error) {
      return Promise.reject(error);
    }
    if (states.length === 0) return Promise.resolve([]);
    return new Promise<T[]>((resolve) => {
      new AwaitMany(tasks, states, timeout, resolve as (value: unknown) => void);
    });
  }

  /**
   * `{ ok: value }` when the task returned, `{ exit: reason }` when it ended without a
   * result, or `undefined` when `timeout` ms pass first (the task keeps running).
   * @example
   * ```ts
   * const result = (await Task.yield(task, 100)) ?? (await Task.shutdown(task));
   * ```
   */
  static yield<T>(
    task: Task<T>,
    timeout: number = DEFAULT_TIMEOUT,
  ): Promise<TaskResult<T> | undefined> {
    return Task.yieldMany([task], timeout).then((results) => results[0]);
  }

  /**
   * One entry per task, in order, as `Task.yield` gives it, all within one `timeout`.
   * @example
   * ```ts
   * for (const result of await Task.yieldMany(tasks, 1000)) console.log(result ?? 'still running');
   * ```
   */
  static yieldMany<T>(
    tasks: readonly Task<T>[],
    timeout: number = DEFAULT_TIMEOUT,
  ): Promise<(TaskResult<T> | undefined)[]> {
    let states: TaskState<T>[];
    try {
      states = checkTasks(tasks, 'Task.yieldMany');
      assertTimeout(timeout, 'Task.yieldMany');
    } catch (error) {
      return Promise.reject(error);
    }
    if (states.length === 0) return Promise.resolve([]);
    return new Promise((resolve) => {
      new YieldMany(states, timeout, resolve as (value: unknown) => void);
    });
  }

  /**
   * Stops the task: unlinks it from its owner, sends it the exit signal `'shutdown'`,
   * and kills it if it still runs after `shutdown` ms (`'brutal_kill'`: kills it at
   * once). Resolves `{ ok: value }` if it had returned, `{ exit: reason }` if it had
   * died (`'killed'` when it outlived `shutdown`), else `undefined`.
   * @example
   * ```ts
   * const result = await Task.shutdown(task, 1000);
   * ```
   */
  static shutdown<T>(
    task: Task<T>,
    shutdown: number | 'brutal_kill' = DEFAULT_TIMEOUT,
  ): Promise<TaskResult<T> | undefined> {
    let state: TaskState<T>;
    try {
      state = checkTask(task, 'Task.shutdown');
      if (shutdown !== 'brutal_kill') assertTimeout(shutdown, 'Task.shutdown', 'shutdown');
    } catch (error) {
      return Promise.reject(error);
    }
    return shutdownTask(task, state, shutdown);
  }

  /**
   * Starts a task that nobody awaits, linked to nothing; resolves its pid.
   * @example
   * ```ts
   * await Task.start(rt, async () => sendReport());
   * ```
   */
  static start(caller: Caller, fn: TaskFunction<unknown>): Promise<Pid> {
    try {
      const context = resolveCaller(caller, 'Task.start');
      assertFunction(fn, 'Task.start');
      return Promise.resolve(spawnTask(context, fn, false).pid);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Starts a task that nobody awaits, linked to the calling process; resolves its pid.
   * A supervisor's start function uses it (see {@link Task.childSpec}).
   * @example
   * ```ts
   * const pid = await Task.startLink(self, async () => poll());
   * ```
   */
  static startLink(self: Self | { readonly self: Self }, fn: TaskFunction<unknown>): Promise<Pid> {
    try {
      const context = resolveCaller(self, 'Task.startLink', 'self');
      if (!(context instanceof Self)) {
        throw new TypeError(
          'Task.startLink: expected `self` to be a process (a `self` or a running GenServer), got the Runtime; use Task.start from outside any process',
        );
      }
      assertFunction(fn, 'Task.startLink');
      return Promise.resolve(spawnTask(context, fn, true).pid);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Runs `fn(item, self)` for each item of `items` in tasks, at most `maxConcurrency`
   * at once, and yields `{ ok: value }` or `{ exit: reason }` for each, in the order of
   * `items` unless `ordered: false`. Lazy: items are pulled only as results are
   * consumed. Leaving the loop early shuts the running tasks down. With a process as
   * `caller`, the tasks are linked to it.
   * @throws TypeError or RangeError for bad arguments (at once).
   * @example
   * ```ts
   * for await (const result of Task.asyncStream(rt, urls, (url) => fetch(url), { maxConcurrency: 4 })) {
   *   if ('ok' in result) console.log(result.ok.status);
   * }
   * ```
   */
  static asyncStream<I, T>(
    caller: Caller,
    items: Iterable<I> | AsyncIterable<I>,
    fn: (item: I, self: Self) => T | PromiseLike<T>,
    opts?: AsyncStreamOptions,
  ): AsyncIterable<TaskResult<T>> {
    const operation = 'Task.asyncStream';
    const context = resolveCaller(caller, operation);
    assertFunction(fn, operation);
    const options = checkStreamOptions(items, opts, operation);
    const link = context instanceof Self;
    return taskStream(
      items,
      options,
      operation,
      (item: I) => spawnTask(context, (self) => fn(item, self), link),
      stateOf,
    );
  }

  /**
   * A child spec that starts a task running `fn` under a supervisor: id `'Task'` and
   * restart `'temporary'` unless `opts` says otherwise.
   * @example
   * ```ts
   * await rt.start(Supervisor, { children: [Task.childSpec(() => warmCache())], strategy: 'one_for_one' });
   * ```
   */
  static childSpec(
    fn: TaskFunction<unknown>,
    opts: { id?: unknown; restart?: RestartType; shutdown?: ShutdownSpec } = {},
  ): ChildSpec {
    assertFunction(fn, 'Task.childSpec');
    if (typeof opts !== 'object' || opts === null) {
      throw new TypeError(
        `Task.childSpec: expected \`opts\` to be an object, got ${describeValue(opts, 100)}`,
      );
    }
    const spec: ChildSpec = {
      id: 'id' in opts ? opts.id : 'Task',
      start: (self) => Task.startLink(self, fn),
      restart: opts.restart ?? 'temporary',
    };
    if (opts.shutdown !== undefined) spec.shutdown = opts.shutdown;
    return spec;
  }
}

/**
 * Spawns a task running `fn` from `context` (linked to it when `link`), watched by its
 * state before it runs. @internal
 */
export function spawnTask<T>(context: Runtime | Self, fn: TaskFunction<T>, link: boolean): Task<T> {
  const runtime = context instanceof Runtime ? context : context.runtime;
  const state = new TaskState<T>(runtime);
  const body = taskBody(runtime, fn, state);
  const pid =
    context instanceof Runtime
      ? runtime.spawn(body)
      : link
        ? context.spawnLink(body)
        : context.spawn(body);
  return watchTask(runtime, pid, context instanceof Self ? context.pid : undefined, state);
}

/**
 * Spawns a task as a child of the supervisor whose `self` this is (linked to it, as a
 * start function must), owned by `owner` and linked to it too when `link`. @internal
 */
export function spawnSupervisedTask<T>(
  supervisor: Self,
  fn: TaskFunction<T>,
  owner: Pid | undefined,
  link: boolean,
): Task<T> {
  const runtime = supervisor.runtime;
  const state = new TaskState<T>(runtime);
  const pid = supervisor.spawnLink(taskBody(runtime, fn, state));
  const task = watchTask(runtime, pid, owner, state);
  if (link && owner !== undefined) {
    const proc = localProcess(runtime, pid);
    if (proc !== undefined) linkOnBehalf(runtime, proc, owner);
  }
  return task;
}

/** A task's body: runs `fn` and hands over its result, copied when the runtime copies messages. */
function taskBody<T>(
  runtime: Runtime,
  fn: TaskFunction<T>,
  state: TaskState<T>,
): (self: Self) => Promise<void> {
  return async (self) => {
    const value = await fn(self);
    state.complete(
      copiesMessages(runtime) ? (copyMessage(value, 'the result of a task') as T) : value,
    );
  };
}

/** A task handle for a process just spawned, its exit watched from now on. */
function watchTask<T>(
  runtime: Runtime,
  pid: Pid,
  owner: Pid | undefined,
  state: TaskState<T>,
): Task<T> {
  const proc = localProcess(runtime, pid);
  if (proc === undefined) state.settle({ exit: 'noproc' });
  else attachWatcher(proc, state);
  return new Task(pid, owner, state);
}

async function shutdownTask<T>(
  task: Task<T>,
  state: TaskState<T>,
  shutdown: number | 'brutal_kill',
): Promise<TaskResult<T> | undefined> {
  const runtime = state.runtime;
  const proc = localProcess(runtime, task.pid);
  if (proc !== undefined && task.owner !== undefined) unlinkOnBehalf(runtime, proc, task.owner);
  if (state.outcome !== undefined) return state.outcome;
  if (shutdown === 'brutal_kill') {
    runtime.exit(task.pid, 'kill');
    return ownOutcome(state, 'killed');
  }
  runtime.exit(task.pid, 'shutdown');
  if (state.outcome === undefined) {
    const settled = await new Promise<TaskResult<T> | undefined>((resolve) => {
      new YieldMany([state], shutdown, (results) =>
        resolve((results as (TaskResult<T> | undefined)[])[0]),
      );
    });
    if (settled === undefined) {
      runtime.exit(task.pid, 'kill');
      return state.outcome;
    }
  }
  return ownOutcome(state, 'shutdown');
}

/** The outcome `Task.shutdown` reports: none when the task died of the signal it sent. */
function ownOutcome<T>(state: TaskState<T>, sent: ExitReason): TaskResult<T> | undefined {
  const outcome = state.outcome;
  return outcome !== undefined && 'exit' in outcome && outcome.exit === sent ? undefined : outcome;
}

/**
 * One task awaited: resolves its promise once, by result, exit or timeout. Its timeout
 * is a call's (core/call-timeouts.ts): an await, like a call, is nearly always answered
 * well before it, and arming and cancelling a heap timer for each would cost more
 * than the rest of the await.
 */
class AwaitOne<T> implements TaskListener, TimedCall {
  #epoch: Epoch | undefined = undefined;
  #pending = true;

  constructor(
    readonly task: Task<T>,
    readonly state: TaskState<T>,
    timeout: number,
    readonly resolve: (value: unknown) => void,
  ) {
    state.listen(this);
    if (timeout !== Number.POSITIVE_INFINITY) {
      this.#epoch = callTimeouts(state.runtime).add(this, timeout);
    }
  }

  get pending(): boolean {
    return this.#pending;
  }

  get startedBy(): number {
    return this.#epoch === undefined ? Number.NaN : this.#epoch.stamp;
  }

  taskSettled(outcome: TaskResult<unknown>): void {
    this.#finish();
    if ('ok' in outcome) this.resolve(outcome.ok);
    else rejectFromCaller(this.resolve, () => exitError('Task.await', this.task, outcome.exit));
  }

  timedOut(timeout: number): void {
    if (!this.#pending) return;
    this.#finish();
    this.state.unlisten(this);
    rejectFromCaller(this.resolve, () => timeoutError('Task.await', this.task, timeout));
  }

  /** Done with its timeout, once: the timeouts' contract counts each call settled once. */
  #finish(): void {
    if (!this.#pending) return;
    this.#pending = false;
    const epoch = this.#epoch;
    if (epoch !== undefined) epoch.done();
  }
}

/** One slot of a wait over several tasks. */
class Slot implements TaskListener {
  constructor(
    readonly wait: ManyWait,
    readonly index: number,
  ) {}
  taskSettled(outcome: TaskResult<unknown>): void {
    this.wait.slotSettled(this.index, outcome);
  }
}

/** A wait over several tasks within one timeout. */
abstract class ManyWait extends TaskWait {
  readonly #slots: Slot[] = [];
  #done = false;

  constructor(
    readonly states: readonly TaskState<unknown>[],
    readonly resolve: (value: unknown) => void,
  ) {
    // Never empty: an empty wait is answered before one is made.
    super(states[0]!.runtime);
  }

  /** Listens to every task (a settled one answers at once), then arms the timeout. */
  protected begin(timeout: number): void {
    const states = this.states;
    for (let i = 0; i < states.length && !this.#done; i++) {
      const outcome = states[i]!.outcome;
      if (outcome !== undefined) {
        this.slotSettled(i, outcome);
        continue;
      }
      const slot = new Slot(this, i);
      this.#slots.push(slot);
      states[i]!.listen(slot);
    }
    if (!this.#done) this.arm(timeout);
  }

  /** Stops listening and the timer; true the first time only. */
  protected finish(): boolean {
    if (this.#done) return false;
    this.#done = true;
    this.disarm();
    for (const slot of this.#slots) this.states[slot.index]!.unlisten(slot);
    return true;
  }

  abstract slotSettled(index: number, outcome: TaskResult<unknown>): void;
}

class AwaitMany<T> extends ManyWait {
  readonly #results: unknown[];
  #remaining: number;

  constructor(
    readonly tasks: readonly Task<T>[],
    states: readonly TaskState<T>[],
    readonly timeout: number,
    resolve: (value: unknown) => void,
  ) {
    super(states, resolve);
    this.#results = new Array(states.length);
    this.#remaining = states.length;
    this.begin(timeout);
  }

  slotSettled(index: number, outcome: TaskResult<unknown>): void {
    if ('ok' in outcome) {
      this.#results[index] = outcome.ok;
      if (--this.#remaining === 0 && this.finish()) this.resolve(this.#results);
      return;
    }
    if (!this.finish()) return;
    const task = this.tasks[index]!;
    rejectFromCaller(this.resolve, () => exitError('Task.awaitMany', task, outcome.exit));
  }

  protected expired(): void {
    if (!this.finish()) return;
    const late = this.tasks[this.states.findIndex((state) => state.outcome === undefined)];
    rejectFromCaller(this.resolve, () => timeoutError('Task.awaitMany', late, this.timeout));
  }
}

/** `Task.yieldMany` (and the wait of `Task.shutdown`): whatever settled in time. */
class YieldMany extends ManyWait {
  readonly #results: (TaskResult<unknown> | undefined)[];
  #remaining: number;

  constructor(
    states: readonly TaskState<unknown>[],
    timeout: number,
    resolve: (value: unknown) => void,
  ) {
    super(states, resolve);
    this.#results = new Array(states.length).fill(undefined);
    this.#remaining = states.length;
    this.begin(timeout);
  }

  slotSettled(index: number, outcome: TaskResult<unknown>): void {
    this.#results[index] = outcome;
    if (--this.#remaining === 0 && this.finish()) this.resolve(this.#results);
  }

  protected expired(): void {
    if (this.finish()) this.resolve(this.#results);
  }
}

function exitError(operation: string, task: Task<unknown>, reason: ExitReason): TaskError {
  return new TaskError(
    `${operation} of ${task} failed: the task exited with reason ${describeReasonBriefly(reason)}`,
    reason,
    task.pid,
    { cause: reason },
  );
}

function timeoutError(
  operation: string,
  task: Task<unknown> | undefined,
  timeout: number,
): TaskError {
  return new TaskError(
    `${operation} of ${task ?? 'a task'} timed out after ${timeout} ms (the task keeps running)`,
    'timeout',
    task?.pid,
  );
}

function checkTask<T>(task: Task<T>, operation: string): TaskState<T> {
  if (!(task instanceof Task)) {
    throw new TypeError(
      `${operation}: expected \`task\` to be a Task (from Task.async), got ${describeValue(task, 100)}`,
    );
  }
  return stateOf(task);
}

function checkTasks<T>(tasks: readonly Task<T>[], operation: string): TaskState<T>[] {
  if (!Array.isArray(tasks)) {
    throw new TypeError(
      `${operation}: expected \`tasks\` to be an array of Tasks, got ${describeValue(tasks, 100)}`,
    );
  }
  return tasks.map((task, i) => {
    if (!(task instanceof Task)) {
      throw new TypeError(
        `${operation}: expected \`tasks[${i}]\` to be a Task (from Task.async), got ${describeValue(task, 100)}`,
      );
    }
    return stateOf(task);
  });
}
