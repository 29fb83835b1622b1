import {
  addTimer,
  attachWatcher,
  cancelTimer,
  detachWatcher,
  exitProcess,
  type HandlerProcess,
  isInstance,
  type ListedWatcher,
  type MessageHandler,
  now,
  type Pid,
  type Process,
  type Ref,
  type Runtime,
  rootPid,
  type Self,
  spawnHandler,
  type TimerEntry,
  unlinkOnBehalf,
} from '../core/kernel.js';
import { describeReasonBriefly, describeValue } from '../describe.js';
import {
  AlreadyRegisteredError,
  AlreadyStartedError,
  InvalidChildSpecError,
  StartError,
} from '../errors.js';
import type { ExitReason, Name } from '../types.js';
import { isOptionError } from './option-error.js';
import { START_TAG, tagClass } from './tags.js';

// The start handshake of every behaviour, as OTP's proc_lib:start_link and
// init_ack: the starter spawns the process (its name registered and its link to the
// starter made before anything runs), sends it a StartRequest as its first message,
// and waits; the process runs its `init` and acknowledges or fails the request. On a
// failure the process unlinks from its parent, and its name is freed, before the
// starter learns of it; a start that outlives its timeout is killed.

/** What a behaviour gives to {@link startBehaviourProcess}. @internal */
export interface StartSpec {
  /** The process's handler: the behaviour's engine, which will get the StartRequest. */
  handler: MessageHandler;
  /** The argument of `init`. */
  arg: unknown;
  /** The class name, to describe a failed start. */
  module: string;
  name: Name | undefined;
  /** The starting process, to link to (`startLink`); `undefined` for `rt.start`. */
  parent: Self | undefined;
  /** ms `init` may take. */
  timeout: number;
  operation: string;
  /**
   * Called with the new process before its first message, to wire up the behaviour,
   * and its parent: the starter, or the runtime's root pid after `rt.start`.
   */
  attach(proc: Process, parent: Pid): void;
}

/**
 * Starts a behaviour's process and resolves with its pid once `init` has
 * acknowledged, or rejects with why it failed: `AlreadyStartedError` for a taken
 * name, `StartError` otherwise. Reports every error by rejecting.
 * @internal
 */
export function startBehaviourProcess(runtime: Runtime, spec: StartSpec): Promise<Pid> {
  const parent = spec.parent;
  let proc: HandlerProcess;
  try {
    proc = spawnHandler(
      runtime,
      spec.handler,
      { name: spec.name, link: parent?.pid },
      spec.operation,
    );
  } catch (error) {
    if (error instanceof AlreadyRegisteredError && spec.name !== undefined) {
      return Promise.reject(new AlreadyStartedError(spec.name, error.pid));
    }
    return Promise.reject(error);
  }
  // Started unlinked, the runtime itself is the parent: its shutdown signal stops the
  // server through terminate, as the parent's exit does.
  spec.attach(proc, parent === undefined ? rootPid(runtime) : parent.pid);
  if (!proc.alive) {
    // Linked at spawn to a parent that had already exited (code that outlived its
    // process): the link ended it with 'noproc', as linking to a dead process does.
    return Promise.reject(
      new StartError(
        `${spec.operation} of ${spec.module} failed: the parent died before init`,
        'noproc',
        undefined,
      ),
    );
  }
  return new Promise<Pid>((resolve, reject) => {
    proc.begin(new StartRequest(spec, proc, runtime, resolve, reject));
  });
}

/**
 * The first message of every behaviour's process: run `init`, then acknowledge the
 * start with {@link StartRequest.succeed} or fail it with {@link StartRequest.initFailed}. Once
 * settled it lets go of the process and the starter: it may linger a while in the
 * runtime's timer heap (cancelled timers leave it lazily), and must not keep a
 * dead process alive with it.
 */
export class StartRequest implements ListedWatcher, TimerEntry {
  deadline = 0;
  cancelled = false;
  prevWatcher: ListedWatcher | undefined = undefined;
  nextWatcher: ListedWatcher | undefined = undefined;
  watched: { listed: ListedWatcher | undefined } | undefined = undefined;
  /** The argument of `init`. */
  arg: unknown;
  /** `undefined` once settled. */
  #proc: Process | undefined;
  readonly #runtime: Runtime;
  #resolve: ((pid: Pid) => void) | undefined;
  #reject: ((error: unknown) => void) | undefined;
  /** The class and the name of the server, to describe a failed start. */
  readonly #module: string;
  readonly #name: Name | undefined;
  /** The start timeout, in ms, for the error that says it passed. */
  readonly #timeout: number;

  constructor(
    spec: StartSpec,
    proc: Process,
    runtime: Runtime,
    resolve: (pid: Pid) => void,
    reject: (error: unknown) => void,
  ) {
    const timeout = spec.timeout;
    this.#timeout = timeout;
    this.arg = spec.arg;
    this.#proc = proc;
    this.#runtime = runtime;
    this.#module = spec.module;
    this.#name = spec.name;
    this.#resolve = resolve;
    this.#reject = reject;
    attachWatcher(proc, this);
    if (timeout === Number.POSITIVE_INFINITY) {
      this.cancelled = true;
    } else {
      this.deadline = now(runtime) + timeout;
      addTimer(runtime, this);
    }
  }

  get settled(): boolean {
    return this.#proc === undefined;
  }

  succeed(): void {
    const proc = this.#proc;
    if (proc === undefined) return;
    const resolve = this.#resolve!;
    this.#finish();
    resolve(proc.pid);
  }

  /**
   * `init` failed (threw, returned `stop(reason)`, or `ignore()` with reason
   * `'ignore'`): the process unlinks from its parent, so the parent learns of the
   * failure from the rejected start alone (as OTP 26's `init_fail`), then exits; the
   * starter's await resumes only after that synchronous exit has freed the name, so a
   * caller that retries at once finds it free, as gen_server unregisters before
   * acknowledging.
   */
  initFailed(reason: unknown, cause: unknown, report: boolean): void {
    const proc = this.#proc;
    if (proc === undefined) return;
    detachFromParent(this.#runtime, proc);
    // Fail the start before exiting: that stops watching the process, so its exit is
    // not taken for a death during init (which would report 'normal' for ignore()).
    this.fail(
      reason,
      reason === 'ignore'
        ? 'init returned ignore()'
        : `init failed with reason ${describeReasonBriefly(reason)}`,
      cause,
    );
    exitProcess(proc, reason === 'ignore' ? 'normal' : reason, report);
  }

  fail(reason: unknown, message: string, cause?: unknown): void {
    const proc = this.#proc;
    if (proc === undefined) return;
    const reject = this.#reject!;
    this.#finish();
    // A supervisor's init fails with the error its caller must see: the child's
    // StartError (with childId), the InvalidChildSpecError naming the field, or the
    // TypeError or RangeError naming a bad option of the behaviour's own.
    if (
      (isInstance(cause, StartError) && cause.childId !== undefined) ||
      isInstance(cause, InvalidChildSpecError) ||
      isOptionError(cause)
    ) {
      reject(cause);
      return;
    }
    const what =
      this.#name === undefined ? this.#module : `${this.#module} ${describeValue(this.#name, 100)}`;
    reject(new StartError(`${what} failed to start: ${message}`, reason, undefined, { cause }));
  }

  /** The start timeout passed: kill the process, as proc_lib does. */
  fire(): void {
    const proc = this.#proc;
    if (proc === undefined) return;
    this.cancelled = true;
    // Fail first: that stops watching the process, so its exit below is not taken for
    // a death during init (reason 'killed'). The starter resumes only after the exit.
    this.fail('timeout', `init did not return within the start timeout of ${this.#timeout} ms`);
    detachFromParent(this.#runtime, proc);
    exitProcess(proc, 'killed', false);
  }

  /** The process ended before init returned (killed, or its parent died). */
  down(_ref: Ref | undefined, _pid: Pid, reason: ExitReason): void {
    this.fail(
      reason,
      `the process exited during init with reason ${describeReasonBriefly(reason)}`,
      reason,
    );
  }

  #finish(): void {
    if (!this.cancelled) cancelTimer(this.#runtime, this);
    detachWatcher(this);
    this.#proc = undefined;
    this.#resolve = undefined;
    this.#reject = undefined;
    this.arg = undefined;
  }
}

/**
 * Unlinks a server from its parent before it exits on a failed start, so the parent
 * learns of the failure from the rejected start alone (as OTP 26's `init_fail`).
 */
function detachFromParent(runtime: Runtime, proc: Process): void {
  const parent = proc.parent;
  if (parent !== undefined) unlinkOnBehalf(runtime, proc, parent);
}

tagClass(StartRequest, START_TAG);
