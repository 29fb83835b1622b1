import {
  attachWatcher,
  callTimeouts,
  copiesMessages,
  copyMessage,
  detachWatcher,
  type Epoch,
  type ListedWatcher,
  localProcess,
  lookup,
  makeRef,
  Pid,
  type Process,
  processOfSelf,
  type Ref,
  Runtime,
  remoteRouter,
  Self,
  traceCall,
  type WatchingCall,
} from '../core/kernel.js';
import { describeDest, describeReasonBriefly, describeValue, safeMessage } from '../describe.js';
import { CallError, CallTimeoutError, NoProcError } from '../errors.js';
import type { Dest, ExitReason } from '../types.js';
import { rejectFromCaller } from './caller-stack.js';
import { CALL_TAG, SYSTEM_TAG, tagClass } from './tags.js';

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
  self: Self | undefined;
}

/** Resolves a {@link Caller}; throws TypeError naming the operation for anything else. @internal */
export function callerContext(
  caller: unknown,
  operation: string,
  argument = 'caller',
): CallerContext {
  const resolved = resolveCaller(caller, operation, argument);
  return resolved instanceof Runtime
    ? { runtime: resolved, self: undefined }
    : { runtime: resolved.runtime, self: resolved };
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
  if (caller instanceof Runtime || caller instanceof Self) return caller;
  if (typeof caller === 'object' && caller !== null && 'self' in caller) {
    let self: unknown;
    try {
      self = (caller as { self: unknown }).self;
    } catch (error) {
      throw new TypeError(
        `${operation}: \`${argument}\` is a GenServer that is not running (${safeMessage(error)})`,
      );
    }
    if (self instanceof Self) return self;
  }
  throw new TypeError(
    `${operation}: expected \`${argument}\` to be a Runtime, a process's self, or a running GenServer, got ${describeValue(caller, 100)}`,
  );
}

/** Checks that `fn` is a function, naming the argument and what came. @internal */
export function assertFunction(fn: unknown, operation: string, argument = 'fn'): void {
  if (typeof fn !== 'function') {
    throw new TypeError(
      `${operation}: expected \`${argument}\` to be a function, got ${describeValue(fn, 100)}`,
    );
  }
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
 * The same object is the message in the server's mailbox and the monitor on the
 * server, where its timeout finds it, so a call costs one allocation besides its
 * promise.
 *
 * @example
 * ```ts
 * handleCall(req, from, state) { setTimeout(() => GenServer.reply(from, 'later'), 10); return noreply(state); }
 * ```
 */
export class From<R = unknown> implements WatchingCall {
  /** The calling process, or `undefined` for a call from outside any process. */
  readonly pid: Pid | undefined;
  /** @internal */ readonly request: unknown;
  // `unknown`, not R: R appears only in `settle`, so a From<number> is a From<unknown>.
  #resolve: ((value: unknown) => void) | undefined = undefined;
  #reject: ((error: unknown) => void) | undefined = undefined;
  readonly #runtime: Runtime;
  #ref: Ref | undefined = undefined;
  /** @internal */ prevWatcher: ListedWatcher | undefined = undefined;
  /** @internal */ nextWatcher: ListedWatcher | undefined = undefined;
  /** @internal */ watched: { listed: ListedWatcher | undefined } | undefined = undefined;
  readonly #dest: Dest;
  readonly #operation: string;
  /**
   * When the call was made, for its timeout (which finds the call by it, in the
   * server's watcher list); `undefined` for a call without one. @internal
   */
  epoch: Epoch | undefined = undefined;

  /** @internal */
  constructor(
    runtime: Runtime,
    pid: Pid | undefined,
    request: unknown,
    dest: Dest,
    operation: string,
  ) {
    this.#runtime = runtime;
    this.pid = pid;
    this.request = request;
    this.#dest = dest;
    this.#operation = operation;
  }

  /** The call's reference, made on first use: most calls never need one. */
  get ref(): Ref {
    this.#ref ??= makeRef(this.#runtime);
    return this.#ref;
  }

  /** Whether the caller still waits for a reply. */
  get pending(): boolean {
    return this.#resolve !== undefined;
  }

  /**
   * Sends the call to `target`, watching it and starting the timeout; returns the
   * promise of the reply. @internal
   */
  send(target: Process, timeout: number): Promise<unknown> {
    const promise = new Promise<unknown>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    attachWatcher(target, this);
    if (timeout !== Number.POSITIVE_INFINITY) {
      this.epoch = callTimeouts(this.#runtime).addWatching(target, timeout);
    }
    target.deliver(this);
    return promise;
  }

  /** Answers the call; a second answer, or one after the timeout, is dropped. @internal */
  settle(value: R): void {
    const resolve = this.#resolve;
    if (resolve === undefined) return;
    let answer: unknown = value;
    if (copiesMessages(this.#runtime)) {
      try {
        answer = copyMessage(value, `the reply to ${this.#operation}`);
      } catch (error) {
        // A reply that cannot be copied fails the call (the caller learns why); the
        // server, which only returned a value, goes on.
        this.fail(error);
        return;
      }
    }
    this.#finish();
    resolve(answer);
  }

  /** Fails the call. @internal */
  fail(error: unknown): void {
    const reject = this.#reject;
    if (reject === undefined) return;
    this.#finish();
    reject(error);
  }

  /** Fails the call with the error `make` builds, in the caller's promise chain (for its stack). */
  #failFromCaller(make: () => Error): void {
    const resolve = this.#resolve;
    if (resolve === undefined) return;
    this.#finish();
    rejectFromCaller(resolve, make);
  }

  /** The timeout passed. @internal */
  timedOut(timeout: number): void {
    const operation = this.#operation;
    const dest = this.#dest;
    this.#failFromCaller(() => new CallTimeoutError(operation, dest, timeout));
  }

  /** When the call was made (a stamp read after it), or NaN before the stamp. @internal */
  get startedBy(): number {
    return this.epoch === undefined ? Number.NaN : this.epoch.stamp;
  }

  /** The server exited before answering. @internal */
  down(_ref: Ref | undefined, _pid: Pid, reason: ExitReason): void {
    const operation = this.#operation;
    const dest = this.#dest;
    if (reason === 'noproc') {
      this.#failFromCaller(() => new NoProcError(operation, dest));
    } else {
      this.#failFromCaller(
        () =>
          new CallError(
            `${operation} to ${describeDest(dest)} failed: the server exited with reason ${describeReasonBriefly(reason)}`,
            reason,
            dest,
            { cause: reason },
          ),
      );
    }
  }

  #finish(): void {
    this.#resolve = undefined;
    this.#reject = undefined;
    const epoch = this.epoch;
    if (epoch !== undefined) epoch.done();
    detachWatcher(this);
  }
}

/**
 * A `Sys` request: a call the server answers itself, whatever its callbacks (and
 * even while suspended). Its own class, with its own tag, so the server tells it from
 * a call with no flag on every call. @internal
 */
export class SystemRequest extends From {}

tagClass(From, CALL_TAG);
tagClass(SystemRequest, SYSTEM_TAG);

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
  let runtime: Runtime;
  let self: Process | undefined;
  let target: Process | undefined;
  try {
    const context = resolveCaller(caller, operation);
    if (context instanceof Self) {
      self = processOfSelf(context);
      runtime = context.runtime;
    } else {
      runtime = context;
    }
    if (typeof timeout !== 'number' || !(timeout >= 0)) assertTimeout(timeout, operation);
    if (!system && copiesMessages(runtime)) message = copyMessage(message, operation);
    target =
      dest instanceof Pid ? localProcess(runtime, dest) : lookup(runtime, dest as Dest, operation);
  } catch (error) {
    return Promise.reject(error);
  }
  if (target === undefined) {
    const router = remoteRouter(runtime, dest);
    if (router !== undefined) {
      return router.call(self, dest as Pid, message, timeout, operation, system) as Promise<R>;
    }
    return Promise.reject(new NoProcError(operation, dest));
  }
  if (target === self) {
    return Promise.reject(
      new CallError(
        `${operation} to ${describeDest(dest)} failed: a process cannot call itself`,
        'calling_self',
        dest,
      ),
    );
  }
  let pid: Pid | undefined;
  if (self !== undefined) {
    pid = self.pid;
    self.sent++;
    if (self.traced) traceCall(runtime, self, dest as Dest, message);
  }
  const from = system
    ? new SystemRequest(runtime, pid, message, dest as Dest, operation)
    : new From(runtime, pid, message, dest as Dest, operation);
  // Only `settle(value: R)`, typed by the server's handleCall, resolves it.
  return from.send(target, timeout) as Promise<R>;
}

/**
 * Serves a call that came from another node: delivers it to the local `target` as a
 * call from `callerPid` (`undefined` for a caller outside any process), and resolves
 * with the reply. Rejects when the server exits first; the node layer ignores that,
 * since its monitor tells the caller. @internal
 */
export function serveRequest(
  runtime: Runtime,
  target: Process,
  callerPid: Pid | undefined,
  message: unknown,
  dest: Dest,
  operation: string,
  system: boolean,
): Promise<unknown> {
  const from = system
    ? new SystemRequest(runtime, callerPid, message, dest, operation)
    : new From(runtime, callerPid, message, dest, operation);
  return from.send(target, Number.POSITIVE_INFINITY);
}
