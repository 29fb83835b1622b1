import { availableParallelism } from 'node:os';
import {
  callTimeouts,
  type Epoch,
  localProcess,
  type Pid,
  type TimedCall,
  unlinkOnBehalf,
} from '../../core/kernel.js';
import { describeValue } from '../../describe.js';
import { TaskError } from '../../errors.js';
import { assertTimeout } from '../gen.js';
import type { TaskListener, TaskResult, TaskState } from './task-state.js';

/** What the stream needs of a task handle (a `Task`, without importing it). */
export interface StreamTask {
  readonly pid: Pid;
  readonly owner: Pid | undefined;
}

/**
 * Options of `Task.asyncStream` and `TaskSupervisor.asyncStream`.
 *
 * @example
 * ```ts
 * const opts: AsyncStreamOptions = { maxConcurrency: 8, ordered: false, timeout: 10_000, onTimeout: 'kill_task' };
 * ```
 */
export interface AsyncStreamOptions {
  /** Yield results in the order of the items (else as they come). @defaultValue true */
  ordered?: boolean;
  /**
   * The most tasks at once whose results have not been yielded yet (running, or done
   * and waiting for their turn in an ordered stream). @defaultValue os.availableParallelism()
   */
  maxConcurrency?: number;
  /** ms each task may run. @defaultValue 5000 */
  timeout?: number;
  /**
   * What a task's timeout does: `'exit'` makes the loop throw a `TaskError` with reason
   * `'timeout'` (and shuts the other tasks down); `'kill_task'` kills that task and
   * yields `{ exit: 'timeout' }` for it. @defaultValue 'exit'
   */
  onTimeout?: 'exit' | 'kill_task';
}

/** The options with every default filled in. @internal */
export interface StreamOptions {
  ordered: boolean;
  maxConcurrency: number;
  timeout: number;
  onTimeout: 'exit' | 'kill_task';
}

/** Checks a stream's items and options at the call, as every synchronous function does. @internal */
export function checkStreamOptions(
  items: unknown,
  opts: AsyncStreamOptions | undefined,
  operation: string,
): StreamOptions {
  if (!isIterable(items)) {
    throw new TypeError(
      `${operation}: expected \`items\` to be an iterable or an async iterable, got ${describeValue(items, 100)}`,
    );
  }
  if (opts !== undefined && (typeof opts !== 'object' || opts === null)) {
    throw new TypeError(
      `${operation}: expected \`opts\` to be an object, got ${describeValue(opts, 100)}`,
    );
  }
  const { ordered = true, timeout = 5000, onTimeout = 'exit' } = opts ?? {};
  const maxConcurrency = opts?.maxConcurrency ?? availableParallelism();
  if (typeof ordered !== 'boolean') {
    throw new TypeError(
      `${operation}: expected \`opts.ordered\` to be a boolean, got ${describeValue(ordered, 100)}`,
    );
  }
  if (
    typeof maxConcurrency !== 'number' ||
    !Number.isInteger(maxConcurrency) ||
    maxConcurrency < 1
  ) {
    throw new (typeof maxConcurrency === 'number' ? RangeError : TypeError)(
      `${operation}: expected \`opts.maxConcurrency\` to be an integer >= 1, got ${describeValue(maxConcurrency, 100)}`,
    );
  }
  assertTimeout(timeout, operation, 'opts.timeout');
  if (onTimeout !== 'exit' && onTimeout !== 'kill_task') {
    throw new TypeError(
      `${operation}: expected \`opts.onTimeout\` to be 'exit' or 'kill_task', got ${describeValue(onTimeout, 100)}`,
    );
  }
  return { ordered, maxConcurrency, timeout, onTimeout };
}

/** Whether `value` can be iterated with `for await` (a string included, as `for...of` takes it). */
function isIterable(value: unknown): boolean {
  if (value === null || value === undefined) return false;
  const object = value as Partial<Iterable<unknown> & AsyncIterable<unknown>>;
  return (
    typeof object[Symbol.iterator] === 'function' ||
    typeof object[Symbol.asyncIterator] === 'function'
  );
}

/** Starts the task of one item: at once (`Task`) or through a supervisor (a promise). */
export type SpawnItem<I, H extends StreamTask> = (item: I) => H | Promise<H>;

/**
 * The stream itself: an async iterable whose every iteration is a run of its own,
 * pulling `items` only as results are consumed. @internal
 */
export function taskStream<I, T, H extends StreamTask>(
  items: Iterable<I> | AsyncIterable<I>,
  options: StreamOptions,
  operation: string,
  spawn: SpawnItem<I, H>,
  stateOf: (task: H) => TaskState<T>,
): AsyncIterable<TaskResult<T>> {
  return {
    [Symbol.asyncIterator]: () => runStream(items, options, operation, spawn, stateOf),
  };
}

async function* runStream<I, T, H extends StreamTask>(
  items: Iterable<I> | AsyncIterable<I>,
  options: StreamOptions,
  operation: string,
  spawn: SpawnItem<I, H>,
  stateOf: (task: H) => TaskState<T>,
): AsyncGenerator<TaskResult<T>, void, undefined> {
  const run = new StreamRun<T, H>(options, operation, stateOf);
  const source = iterate(items);
  let exhausted = false;
  try {
    for (;;) {
      while (!exhausted && run.live.size < options.maxConcurrency) {
        const next = source.async ? await source.iterator.next() : source.iterator.next();
        if (next.done === true) {
          exhausted = true;
          break;
        }
        const entry = new Entry(run);
        run.add(entry);
        const task = spawn(next.value);
        entry.start(task instanceof Promise ? await task : task);
      }
      if (run.failure !== undefined) throw run.failure;
      const ready = run.takeReady();
      if (ready !== undefined) {
        yield ready;
        continue;
      }
      if (run.live.size === 0) return;
      await run.nextEvent();
    }
  } finally {
    run.shutDownAll();
    if (!exhausted) await source.iterator.return?.();
  }
}

type Source<I> =
  | { async: true; iterator: AsyncIterator<I> }
  | { async: false; iterator: Iterator<I> };

function iterate<I>(items: Iterable<I> | AsyncIterable<I>): Source<I> {
  const asyncIterator = (items as Partial<AsyncIterable<I>>)[Symbol.asyncIterator];
  if (typeof asyncIterator === 'function') {
    return { async: true, iterator: asyncIterator.call(items) };
  }
  return { async: false, iterator: (items as Iterable<I>)[Symbol.iterator]() };
}

/** One run of a stream: the entries not yet yielded, and what woke the loop. */
class StreamRun<T, H extends StreamTask> {
  /** Entries spawned and not yet yielded, in spawn order (a Set keeps it). */
  readonly live = new Set<Entry<T, H>>();
  /** Ordered: the entries in item order. Unordered: the settled ones, as they settled. */
  readonly #queue: Entry<T, H>[] = [];
  failure: TaskError | undefined = undefined;
  #wake: (() => void) | undefined = undefined;

  constructor(
    readonly options: StreamOptions,
    readonly operation: string,
    readonly stateOf: (task: H) => TaskState<T>,
  ) {}

  add(entry: Entry<T, H>): void {
    this.live.add(entry);
    if (this.options.ordered) this.#queue.push(entry);
  }

  /** The next outcome to yield, if one is ready. */
  takeReady(): TaskResult<T> | undefined {
    const head = this.#queue[0];
    if (head === undefined || head.outcome === undefined) return undefined;
    this.#queue.shift();
    this.live.delete(head);
    return head.outcome;
  }

  nextEvent(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.#wake = resolve;
    });
  }

  settled(entry: Entry<T, H>): void {
    if (!this.options.ordered) this.#queue.push(entry);
    this.#wakeUp();
  }

  timedOut(entry: Entry<T, H>): void {
    const task = entry.task!;
    if (this.options.onTimeout === 'kill_task') {
      entry.state!.settle({ exit: 'timeout' });
      kill(task, entry.state!);
      return;
    }
    this.failure ??= new TaskError(
      `${this.operation}: the task ${String(task)} of an item timed out after ${this.options.timeout} ms`,
      'timeout',
      task.pid,
    );
    this.#wakeUp();
  }

  /** Kills every task still running, unlinked first so that their owner lives on. */
  shutDownAll(): void {
    for (const entry of this.live) {
      entry.stop();
      if (entry.task !== undefined && entry.outcome === undefined) kill(entry.task, entry.state!);
    }
    this.live.clear();
    this.#queue.length = 0;
  }

  #wakeUp(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}

/**
 * One item's task: its outcome once settled, and its timeout, timed as a call's
 * (core/call-timeouts.ts), which costs nothing per item when tasks end in time.
 */
class Entry<T, H extends StreamTask> implements TaskListener, TimedCall {
  task: H | undefined = undefined;
  state: TaskState<T> | undefined = undefined;
  outcome: TaskResult<T> | undefined = undefined;
  #epoch: Epoch | undefined = undefined;
  #pending = true;

  constructor(readonly run: StreamRun<T, H>) {}

  get pending(): boolean {
    return this.#pending;
  }

  get startedBy(): number {
    return this.#epoch === undefined ? Number.NaN : this.#epoch.stamp;
  }

  start(task: H): void {
    this.task = task;
    const state = this.run.stateOf(task);
    this.state = state;
    if (state.outcome !== undefined) {
      this.taskSettled(state.outcome);
      return;
    }
    state.listen(this);
    const timeout = this.run.options.timeout;
    if (timeout !== Number.POSITIVE_INFINITY) {
      this.#epoch = callTimeouts(state.runtime).add(this, timeout);
    }
  }

  taskSettled(outcome: TaskResult<unknown>): void {
    this.#finish();
    this.outcome = outcome as TaskResult<T>;
    this.run.settled(this);
  }

  timedOut(): void {
    if (!this.#pending) return;
    this.#finish();
    this.run.timedOut(this);
  }

  /** Stops listening and timing: the run is over. */
  stop(): void {
    this.#finish();
    this.state?.unlisten(this);
  }

  /** Done with its timeout, once: the timeouts' contract counts each call settled once. */
  #finish(): void {
    if (!this.#pending) return;
    this.#pending = false;
    const epoch = this.#epoch;
    if (epoch !== undefined) epoch.done();
  }
}

/** Kills a task, unlinked from its owner first, which must not die of it. */
function kill(task: StreamTask, state: TaskState<unknown>): void {
  const runtime = state.runtime;
  const proc = localProcess(runtime, task.pid);
  if (proc === undefined) return;
  if (task.owner !== undefined) unlinkOnBehalf(runtime, proc, task.owner);
  runtime.exit(task.pid, 'kill');
}
