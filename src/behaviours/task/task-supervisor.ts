import { defaultInitArg, type Pid, Self } from '../../core/kernel.js';
import { describeValue } from '../../describe.js';
import type { Dest } from '../../types.js';
import { assertFunction, type Caller, resolveCaller } from '../gen.js';
import { type Awaitable, GenServer } from '../gen-server.js';
import type { IgnoreResult } from '../results.js';
import { engineCallbacks, type ServerCallbacks } from '../server-callbacks.js';
import type { ChildSpec } from '../supervision/child-spec.js';
import { DynamicCore, type DynamicSupervisorSpec } from '../supervision/dynamic-supervisor.js';
import type { ChildInfo } from '../supervision/supervisor-core.js';
import { manage, manageStartChild } from '../supervision/supervisor-core.js';
import { type AsyncStreamOptions, checkStreamOptions, taskStream } from './async-stream.js';
import { spawnSupervisedTask, stateOf, type Task, type TaskFunction } from './task.js';
import type { TaskResult } from './task-state.js';

/**
 * What `rt.start(TaskSupervisor, ...)` takes: a DynamicSupervisor's flags.
 *
 * @example
 * ```ts
 * await rt.start(TaskSupervisor, { maxChildren: 100 }, { name: 'Tasks' });
 * ```
 */
export type TaskSupervisorSpec = DynamicSupervisorSpec;

/**
 * A supervisor of tasks, as Elixir's `Task.Supervisor`: tasks started under it are
 * its children (temporary unless a start says otherwise), so they are stopped with
 * it, and `asyncNolink` gives tasks whose crash does not take their owner down.
 * It is itself a valid child of a supervisor.
 *
 * @example
 * ```ts
 * import { Runtime, Task, TaskSupervisor } from 'otp-ts';
 *
 * const rt = new Runtime();
 * await rt.start(TaskSupervisor, {}, { name: 'Tasks' });
 * const task = await TaskSupervisor.asyncNolink(rt, 'Tasks', async () => riskyWork());
 * const result = await Task.yield(task); // { ok: value } or { exit: reason }
 * ```
 */
export class TaskSupervisor extends GenServer<TaskSupervisorSpec, never, never, never> {
  /** What `rt.start(TaskSupervisor, arg)` takes, since `init` takes `unknown` for subclasses' sake. */
  declare readonly [defaultInitArg]?: TaskSupervisorSpec;

  /** @internal */
  static override readonly behaviourName: string = 'TaskSupervisor';

  /**
   * Like GenServer's, with `type: 'supervisor'` and `shutdown: 'infinity'`.
   * @example
   * ```ts
   * const spec = TaskSupervisor.childSpec({ maxChildren: 10 });
   * ```
   */
  static override childSpec(arg?: unknown): ChildSpec {
    // biome-ignore lint/complexity/noThisInStatic: `super` keeps `this`, so a subclass gets its own name as id.
    return { ...super.childSpec(arg), type: 'supervisor', shutdown: 'infinity' };
  }

  /**
   * Returns the supervisor's flags; the default returns its argument.
   * @example
   * ```ts
   * override init(): TaskSupervisorSpec { return { maxChildren: 10 }; }
   * ```
   */
  override init(arg: unknown): Awaitable<TaskSupervisorSpec | IgnoreResult> {
    // Checked where the engine reads it; typed for `rt.start` by `[defaultInitArg]`.
    return (arg as TaskSupervisorSpec | undefined) ?? {};
  }

  /** @internal */
  [engineCallbacks](): ServerCallbacks {
    return new DynamicCore(this, 'TaskSupervisor');
  }

  /**
   * As `Task.async`, with the task a child of `sup`; linked to `caller` too when it is
   * a process. Resolves the task once the supervisor started it.
   * @throws (as rejections) MaxChildrenError past `maxChildren`; NoProcError for a dead `sup`.
   * @example
   * ```ts
   * const task = await TaskSupervisor.async(this, 'Tasks', () => lookup(id));
   * ```
   */
  static async<T>(caller: Caller, sup: Dest, fn: TaskFunction<T>): Promise<Task<T>> {
    return startSupervised(caller, sup, fn, true, 'TaskSupervisor.async');
  }

  /**
   * As `TaskSupervisor.async`, but the task is not linked to `caller`: its crash only
   * makes `Task.await` reject (and `Task.yield` give `{ exit }`); the caller lives on.
   * @example
   * ```ts
   * const task = await TaskSupervisor.asyncNolink(rt, 'Tasks', () => mayCrash());
   * ```
   */
  static asyncNolink<T>(caller: Caller, sup: Dest, fn: TaskFunction<T>): Promise<Task<T>> {
    return startSupervised(caller, sup, fn, false, 'TaskSupervisor.asyncNolink');
  }

  /**
   * As `Task.asyncStream`, with the tasks children of `sup` (and linked to `caller`
   * when it is a process).
   * @example
   * ```ts
   * for await (const r of TaskSupervisor.asyncStream(rt, 'Tasks', ids, (id) => load(id))) console.log(r);
   * ```
   */
  static asyncStream<I, T>(
    caller: Caller,
    sup: Dest,
    items: Iterable<I> | AsyncIterable<I>,
    fn: (item: I, self: Self) => T | PromiseLike<T>,
    opts?: AsyncStreamOptions,
  ): AsyncIterable<TaskResult<T>> {
    return supervisedStream(caller, sup, items, fn, opts, true, 'TaskSupervisor.asyncStream');
  }

  /**
   * As `TaskSupervisor.asyncStream`, with tasks not linked to `caller`: a task that
   * crashes yields `{ exit: reason }` and the stream goes on.
   * @example
   * ```ts
   * const stream = TaskSupervisor.asyncStreamNolink(rt, 'Tasks', urls, (url, self) => fetch(url, { signal: self.signal }), { maxConcurrency: 4 });
   * ```
   */
  static asyncStreamNolink<I, T>(
    caller: Caller,
    sup: Dest,
    items: Iterable<I> | AsyncIterable<I>,
    fn: (item: I, self: Self) => T | PromiseLike<T>,
    opts?: AsyncStreamOptions,
  ): AsyncIterable<TaskResult<T>> {
    return supervisedStream(
      caller,
      sup,
      items,
      fn,
      opts,
      false,
      'TaskSupervisor.asyncStreamNolink',
    );
  }

  /**
   * Starts a task whose result nobody awaits as a child of `sup`; a `'transient'` one
   * is run again (from the start) when it crashes. Resolves its pid.
   * @throws (as rejections) MaxChildrenError past `maxChildren`.
   * @example
   * ```ts
   * const pid = await TaskSupervisor.startChild(rt, 'Tasks', () => sendEmail(to), { restart: 'transient' });
   * ```
   */
  static startChild(
    caller: Caller,
    sup: Dest,
    fn: TaskFunction<unknown>,
    opts: { restart?: 'temporary' | 'transient' } = {},
  ): Promise<Pid> {
    const operation = 'TaskSupervisor.startChild';
    try {
      assertFunction(fn, operation);
      checkRestart(opts, operation);
    } catch (error) {
      return Promise.reject(error);
    }
    const spec: ChildSpec = {
      id: 'Task',
      start: (self) => Promise.resolve(spawnSupervisedTask(self, fn, undefined, false).pid),
      restart: opts.restart ?? 'temporary',
    };
    return manageStartChild(caller, sup, spec, operation) as Promise<Pid>;
  }

  /**
   * The pids of the supervisor's running tasks.
   * @example
   * ```ts
   * const pids = await TaskSupervisor.children(rt, 'Tasks');
   * ```
   */
  static async children(caller: Caller, sup: Dest): Promise<Pid[]> {
    const children = await manage<ChildInfo[]>(
      caller,
      sup,
      { op: 'which_children' },
      'TaskSupervisor.children',
    );
    const pids: Pid[] = [];
    for (const child of children) if (typeof child.pid === 'object') pids.push(child.pid);
    return pids;
  }

  /**
   * Stops the task `pid`, as `DynamicSupervisor.terminateChild` does.
   * @throws SupervisorError `'not_found'` (as a rejection) when `pid` is not its child.
   * @example
   * ```ts
   * await TaskSupervisor.terminateChild(rt, 'Tasks', pid);
   * ```
   */
  static terminateChild(caller: Caller, sup: Dest, pid: Pid): Promise<void> {
    return manage(caller, sup, { op: 'terminate_child', pid }, 'TaskSupervisor.terminateChild');
  }
}

/** Starts a task under `sup`, owned by the caller; resolves once the supervisor started it. */
function startSupervised<T>(
  caller: Caller,
  sup: Dest,
  fn: TaskFunction<T>,
  link: boolean,
  operation: string,
): Promise<Task<T>> {
  let owner: Pid | undefined;
  try {
    const context = resolveCaller(caller, operation);
    assertFunction(fn, operation);
    owner = context instanceof Self ? context.pid : undefined;
  } catch (error) {
    return Promise.reject(error);
  }
  let task: Task<T> | undefined;
  const spec: ChildSpec = {
    id: 'Task',
    start: (self) => {
      task = spawnSupervisedTask(self, fn, owner, link);
      return Promise.resolve(task.pid);
    },
    restart: 'temporary',
  };
  return manageStartChild(caller, sup, spec, operation).then(() => task!);
}

function supervisedStream<I, T>(
  caller: Caller,
  sup: Dest,
  items: Iterable<I> | AsyncIterable<I>,
  fn: (item: I, self: Self) => T | PromiseLike<T>,
  opts: AsyncStreamOptions | undefined,
  link: boolean,
  operation: string,
): AsyncIterable<TaskResult<T>> {
  resolveCaller(caller, operation);
  assertFunction(fn, operation);
  const options = checkStreamOptions(items, opts, operation);
  return taskStream(
    items,
    options,
    operation,
    (item: I) => startSupervised<T>(caller, sup, (self) => fn(item, self), link, operation),
    stateOf,
  );
}

function checkRestart(opts: unknown, operation: string): void {
  if (typeof opts !== 'object' || opts === null) {
    throw new TypeError(
      `${operation}: expected \`opts\` to be an object, got ${describeValue(opts, 100)}`,
    );
  }
  const restart = (opts as { restart?: unknown }).restart;
  if (restart !== undefined && restart !== 'temporary' && restart !== 'transient') {
    throw new TypeError(
      `${operation}: expected \`opts.restart\` to be 'temporary' or 'transient', got ${describeValue(restart, 100)}`,
    );
  }
}
