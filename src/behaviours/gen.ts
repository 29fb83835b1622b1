import { Pid, type Ref } from '../core/pid.js';
import { type Self, Self as SelfClass } from '../core/process.js';
import { Runtime } from '../core/runtime.js';
import { attachWatcher, detachWatcher, type ListedWatcher } from '../core/signals.js';
import type { TimerEntry } from '../core/timers.js';
import { describeDest, describeReasonBriefly, describeValue, safeMessage } from '../describe.js';
import { CallError, CallTimeoutError, NoProcError } from '../errors.js';
import type { Dest, ExitReason } from '../types.js';

/**
 * Who can make a call: the runtime itself (from outside any process), a process's
 * `self`, or a GenServer instance (`this` inside its callbacks).
 *
 * @example
 * ```ts
 * await GenServer.call(rt, 'counter', 'get');     // from outside
 * await GenServer.call(self, 'counter', 'get');   // from a process
 * await GenServer.call(this, 'counter', 'get');   // from a GenServer callback
 * ```
 */
export type Caller =
  | Runtime
  | Self
  | {
      /** The process context of a running GenServer. */
      readonly self: Self;
    };

/** The runtime and, when there is one, the calling process. @internal */
export interface CallerContext {
  runtime: Runtime;
  proc: Self | undefined;
}

/** Resolves a {@link Caller}; throws TypeError naming the operation for anything else. @internal */
export function callerContext(
  caller: unknown,
  operation: string,
  argument = 'caller',
): CallerContext {
  const resolved = resolveCaller(caller, operation, argument);
  return resolved instanceof Runtime
    ? { runtime: resolved, proc: undefined }
    : { runtime: resolved.runtime, proc: resolved };
}

/**
 * The calling process, or the runtime for a caller outside any process: what
 * `callerContext` gives, without allocating on the hot paths of call and cast.
 * @internal
 */
export function resolveCaller(
  caller: unknown,
  operation: string,
  argument = 'caller',
): Runtime | Self {
  if (caller instanceof Runtime || caller instanceof SelfClass) return caller;
  if (typeof caller === 'object' && caller !== null && 'self' in caller) {
    let self: unknown;
    try {
      self = (caller as { self: unknown }).self;
    } catch (error) {
      throw new TypeError(
        `${operation}: \`${argument}\` is a GenServer that is not running (${safeMessage(error)})`,
      );
    }
    if (self instanceof SelfClass) return self;
  }
  throw new TypeError(
    `${operation}: expected \`${argument}\` to be a Runtime, a process's self, or a running GenServer, got ${describeValue(caller, 100)}`,
  );
}

/** Checks a call timeout: a number >= 0, or Infinity. @internal */
export function assertTimeout(
  timeout: unknown,
  operation: string,
  argument = 'timeout',
): asserts timeout is number {
  if (typeof timeout !== 'number' || Number.isNaN(timeout) || timeout < 0) {
    // As everywhere: TypeError for the wrong type, RangeError for a number out of range.
    throw new (typeof timeout === 'number' ? RangeError : TypeError)(
      `${operation}: expected \`${argument}\` to be a number of ms >= 0 or Infinity, got ${describeValue(timeout, 100)}`,
    );
  }
}

/**
 * A call in flight, as the server sees it: pass it to `GenServer.reply` to answer
 * later. `pid` is the caller (`undefined` when the call came from outside any
 * process); `ref` names the call.
 *
 * The same object is the message in the server's mailbox, the monitor on the server
 * and the call's timer, so a call costs one allocation besides its promise.
 *
 * @example
 * ```ts
 * handleCall(req, from, state) { setTimeout(() => GenServer.reply(from, 'later'), 10); return noreply(state); }
 * ```
 */
export class From<R = unknown> implements ListedWatcher, TimerEntry {
  /** The calling process, or `undefined` for a call from outside any process. */
  readonly pid: Pid | undefined;
  /** @internal */ readonly request: unknown;
  /** A `Sys` request rather than a call. @internal */ readonly system: boolean;
  /** @internal */ deadline = 0;
  /** Timer state; also true once the call is settled. @internal */ cancelled = false;
  #resolve: ((value: R) => void) | undefined;
  #reject: ((error: unknown) => void) | undefined;
  #runtime: Runtime;
  #ref: Ref | undefined = undefined;
  /** @internal */ prevWatcher: ListedWatcher | undefined = undefined;
  /** @internal */ nextWatcher: ListedWatcher | undefined = undefined;
  /** @internal */ watched: { listed: ListedWatcher | undefined } | undefined = undefined;
  #dest: Dest;
  #timeout: number;
  #operation: string;

  /** @internal */
  constructor(
    runtime: Runtime,
    pid: Pid | undefined,
    request: unknown,
    system: boolean,
    dest: Dest,
    timeout: number,
    operation: string,
    resolve: (value: R) => void,
    reject: (error: unknown) => void,
  ) {
    this.#runtime = runtime;
    this.pid = pid;
    this.request = request;
    this.system = system;
    this.#dest = dest;
    this.#timeout = timeout;
    this.#operation = operation;
    this.#resolve = resolve;
    this.#reject = reject;
  }

  /** The call's reference, made on first use: most calls never need one. */
  get ref(): Ref {
    this.#ref ??= this.#runtime.makeRef();
    return this.#ref;
  }

  /** Whether the caller still waits for a reply. */
  get pending(): boolean {
    return this.#resolve !== undefined;
  }

  /** Sends the call to `target`, watching it and arming the timeout. @internal */
  send(target: Self): void {
    attachWatcher(target, this);
    if (this.#timeout === Number.POSITIVE_INFINITY) {
      this.cancelled = true; // No timer is armed, so none must be cancelled.
    } else {
      this.deadline = this.#runtime.timers.now() + this.#timeout;
      this.#runtime.timers.add(this);
    }
    target.deliver(this);
  }

  /** Answers the call; a second answer, or one after the timeout, is dropped. @internal */
  settle(value: R): void {
    const resolve = this.#resolve;
    if (resolve === undefined) return;
    this.#finish();
    resolve(value);
  }

  /** Fails the call. @internal */
  fail(error: unknown): void {
    const reject = this.#reject;
    if (reject === undefined) return;
    this.#finish();
    reject(error);
  }

  /** The timer fired. @internal */
  fire(): void {
    this.fail(new CallTimeoutError(this.#operation, this.#dest, this.#timeout));
  }

  /** The server exited before answering. @internal */
  down(_ref: Ref | undefined, _pid: Pid, reason: ExitReason): void {
    if (reason === 'noproc') {
      this.fail(new NoProcError(this.#operation, this.#dest));
    } else {
      this.fail(
        new CallError(
          `${this.#operation} to ${describeDest(this.#dest)} failed: the server exited with reason ${describeReasonBriefly(reason)}`,
          reason,
          this.#dest,
          { cause: reason },
        ),
      );
    }
  }

  #finish(): void {
    this.#resolve = undefined;
    this.#reject = undefined;
    if (!this.cancelled) this.#runtime.timers.cancel(this);
    detachWatcher(this);
  }
}

/**
 * Sends `request` to `dest` and resolves with the answer: the call protocol of
 * `GenServer.call` and `Sys`. Reports every error by rejecting. @internal
 */
export function request<R>(
  caller: unknown,
  dest: unknown,
  message: unknown,
  timeout: unknown,
  operation: string,
  system: boolean,
): Promise<R> {
  let context: Runtime | Self;
  let runtime: Runtime;
  let target: Self | undefined;
  try {
    context = resolveCaller(caller, operation);
    runtime = context instanceof Runtime ? context : context.runtime;
    if (typeof timeout !== 'number' || !(timeout >= 0)) assertTimeout(timeout, operation);
    target =
      dest instanceof Pid
        ? dest.node === runtime
          ? dest.proc
          : undefined
        : runtime.resolveProcess(dest as Dest, operation);
  } catch (error) {
    return Promise.reject(error);
  }
  if (target === undefined) return Promise.reject(new NoProcError(operation, dest));
  if (target === context) {
    return Promise.reject(
      new CallError(
        `${operation} to ${describeDest(dest)} failed: a process cannot call itself`,
        'calling_self',
        dest,
      ),
    );
  }
  const callerPid = context instanceof Runtime ? undefined : context.pid;
  return new Promise<R>((resolve, reject) => {
    new From<R>(
      runtime,
      callerPid,
      message,
      system,
      dest as Dest,
      timeout,
      operation,
      resolve,
      reject,
    ).send(target);
  });
}
