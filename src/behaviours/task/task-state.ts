import {
  addTimer,
  cancelTimer,
  detachWatcher,
  type ListedWatcher,
  now,
  type Pid,
  type Ref,
  type Runtime,
  type TimerEntry,
} from '../../core/kernel.js';
import type { ExitReason } from '../../types.js';

/**
 * What became of a task: `{ ok: value }` when it returned a result, `{ exit: reason }`
 * when it ended without one (Elixir's `{:ok, value}` and `{:exit, reason}`).
 *
 * @example
 * ```ts
 * const result: TaskResult<number> | undefined = await Task.yield(task, 1000);
 * if (result && 'ok' in result) console.log(result.ok);
 * ```
 */
export type TaskResult<T> =
  | {
      /** The task's result. */
      ok: T;
    }
  | {
      /** Why the task ended without a result (or `'timeout'` from a stream's `'kill_task'`). */
      exit: ExitReason;
    };

/** Code waiting for a task to settle. @internal */
export interface TaskListener {
  taskSettled(outcome: TaskResult<unknown>): void;
}

/**
 * A task's outcome as its owner sees it, and who waits for it. It watches the task's
 * exit through the process's intrusive watcher list (no map, no allocation), as a
 * call watches its server; the result itself is handed over in memory, not through
 * the owner's mailbox, so the runtime (which has none) can own tasks too.
 * @internal
 */
export class TaskState<T> implements ListedWatcher {
  outcome: TaskResult<T> | undefined = undefined;
  prevWatcher: ListedWatcher | undefined = undefined;
  nextWatcher: ListedWatcher | undefined = undefined;
  watched: { listed: ListedWatcher | undefined } | undefined = undefined;
  /** Usually none or one (an await, a yield, or a stream's entry): one in a field, more in an array. */
  #listener: TaskListener | undefined = undefined;
  #more: TaskListener[] | undefined = undefined;

  constructor(readonly runtime: Runtime) {}

  /** The task returned `value`; its exit, which follows, changes nothing. */
  complete(value: T): void {
    this.settle({ ok: value });
  }

  /** The task exited; without a result first, that is its outcome. */
  down(_ref: Ref | undefined, _pid: Pid, reason: ExitReason): void {
    this.settle({ exit: reason });
  }

  /** Settles the task once; later outcomes are dropped. */
  settle(outcome: TaskResult<T>): void {
    if (this.outcome !== undefined) return;
    this.outcome = outcome;
    detachWatcher(this);
    const listener = this.#listener;
    const more = this.#more;
    this.#listener = undefined;
    this.#more = undefined;
    listener?.taskSettled(outcome);
    if (more !== undefined) for (const other of more) other.taskSettled(outcome);
  }

  listen(listener: TaskListener): void {
    if (this.#listener === undefined) this.#listener = listener;
    else (this.#more ??= []).push(listener);
  }

  unlisten(listener: TaskListener): void {
    if (this.#listener === listener) {
      this.#listener = this.#more?.shift();
      return;
    }
    const more = this.#more;
    if (more === undefined) return;
    const at = more.indexOf(listener);
    if (at !== -1) more.splice(at, 1);
  }
}

/**
 * A wait for one or more tasks within one timeout: `expired` once if the time passes
 * first. `Infinity` never expires.
 * @internal
 */
export abstract class TaskWait implements TimerEntry {
  deadline = 0;
  cancelled = true;
  readonly #runtime: Runtime;

  constructor(runtime: Runtime) {
    this.#runtime = runtime;
  }

  /** Arms the timeout (after the listeners, so a settled task never races it). */
  protected arm(timeout: number): void {
    if (timeout === Number.POSITIVE_INFINITY) return;
    this.cancelled = false;
    this.deadline = now(this.#runtime) + timeout;
    addTimer(this.#runtime, this);
  }

  protected disarm(): void {
    // The heap marks the entry cancelled itself, and counts it only then.
    if (!this.cancelled) cancelTimer(this.#runtime, this);
  }

  fire(): void {
    this.cancelled = true;
    this.expired();
  }

  protected abstract expired(): void;
}
