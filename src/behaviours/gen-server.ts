import {
  assertDest,
  assertName,
  copiesMessages,
  copyMessage,
  type Down,
  type Exit,
  HandlerProcess,
  type InitArg,
  localProcess,
  loggerOf,
  lookup,
  nameOf,
  Pid,
  type Process,
  processOfSelf,
  Runtime,
  remoteRouter,
  type Self,
  type StartOptions,
  startBehaviour,
  type Timeout,
  traceSend,
} from '../core/kernel.js';
import { describeProcess, describeValue } from '../describe.js';
import { OtpError, StartError } from '../errors.js';
import type { Dest, ExitReason } from '../types.js';
import {
  assertTimeout,
  type Caller,
  callerContext,
  From,
  resolveCaller,
  request as sendRequest,
} from './gen.js';
import { startBehaviourProcess } from './proc-lib.js';
import {
  type IgnoreResult,
  type NoReplyResult,
  noreply,
  type OkResult,
  ok,
  type ReplyOf,
  type ReplyResult,
  type StopResult,
  stop,
} from './results.js';
import { CastMessage, engineCallbacks, type ServerCallbacks } from './server-callbacks.js';
import { type EngineHost, hostEngine, isEngineHostClass, ServerEngine } from './server-engine.js';
import type { ChildSpec, StartTuple } from './supervision/child-spec.js';

/** A value or a promise of it: every callback may be async. */
export type Awaitable<T> = T | PromiseLike<T>;

/** What `init` may return: the state (bare or `ok(state, opts)`), `stop(reason)` or `ignore()`. */
export type InitResult<S> = S | OkResult<S> | StopResult<unknown> | IgnoreResult;

/** What `handleCall` may return: `reply`/`replyTo`, `noreply` or `stop`. */
export type CallResult<Call, S> =
  | ReplyResult<ReplyOf<Call>, S>
  | NoReplyResult<S>
  | StopResult<S, ReplyOf<Call>>;

/** What `handleCast`, `handleInfo` and `handleContinue` may return: the new state (bare or `noreply`) or `stop`. */
export type CastResult<S> = S | NoReplyResult<S> | StopResult<S>;

/** What a server's `handleInfo` can receive besides its own info messages. */
export type SystemInfo = Exit | Down | Timeout;

/** The call requests a GenServer class accepts. */
export type CallOf<C> = C extends abstract new () => infer I
  ? I extends { handleCall(request: infer Q, ...rest: never[]): unknown }
    ? Q
    : never
  : never;

/** The cast requests a GenServer class accepts. */
export type CastOf<C> = C extends abstract new () => infer I
  ? I extends { handleCast(request: infer Q, ...rest: never[]): unknown }
    ? Q
    : never
  : never;

/** The member of the `Call` union that a request literal `Q` denotes. */
export type CallVariant<Call, Q> = Q extends { type: infer T }
  ? Extract<Call, { type: T }> extends never
    ? Q
    : Extract<Call, { type: T }>
  : Extract<Call, Q> extends never
    ? Q
    : Extract<Call, Q>;

/**
 * A typed client handle on a server: `call` returns the reply type the request
 * variant declares with `Returns<R>`, and `cast` accepts only the server's casts.
 * Made by `GenServer.ref`.
 *
 * @example
 * ```ts
 * const counter = GenServer.ref<typeof Counter>(rt, 'counter');
 * const n: number = await counter.call({ type: 'get' });
 * counter.cast({ type: 'add', amount: 2 });
 * ```
 */
export interface ServerRef<Call, Cast> {
  /** Where the calls go. */
  readonly dest: Dest;
  /** `GenServer.call`, typed by the request variant. */
  call<Q extends Call>(request: Q, timeout?: number): Promise<ReplyOf<CallVariant<Call, Q>>>;
  /** `GenServer.cast`, typed. */
  cast(request: Cast): void;
  /** `GenServer.stop`. */
  stop(reason?: ExitReason, timeout?: number): Promise<void>;
}

const DEFAULT_CALL_TIMEOUT = 5_000;
const DEFAULT_START_TIMEOUT = 5_000;

/**
 * A process that owns a state and serves requests: the heart of otp-ts, and of
 * every Supervisor and Registry. Subclass it and override the callbacks you need;
 * the receive loop is the library's.
 *
 * Clients talk to a server through `GenServer.call` (a request with a reply,
 * synchronous for the caller), `GenServer.cast` (fire and forget) and plain
 * messages (`send`, which arrive in `handleInfo`).
 *
 * @typeParam State - what the server keeps between messages.
 * @typeParam Call - the requests `handleCall` accepts; declare each variant's reply with `Returns<R>`.
 * @typeParam Cast - the requests `handleCast` accepts.
 * @typeParam Info - the plain messages `handleInfo` expects (it also gets `Exit`, `Down` and `Timeout`).
 *
 * @example
 * ```ts
 * import { GenServer, Runtime, replyTo, type Returns, type From } from 'otp-ts';
 *
 * type Call = ({ type: 'get' } & Returns<number>) | ({ type: 'history' } & Returns<number[]>);
 * type Cast = { type: 'add'; amount: number };
 * interface State { count: number; history: number[] }
 *
 * class Counter extends GenServer<State, Call, Cast> {
 *   override init(start: number): State {
 *     return { count: start, history: [] };
 *   }
 *   override handleCall(request: Call, _from: From, state: State) {
 *     switch (request.type) {
 *       case 'get': return replyTo(request, state.count, state);
 *       case 'history': return replyTo(request, state.history, state);
 *     }
 *   }
 *   override handleCast(request: Cast, state: State): State {
 *     return { count: state.count + request.amount, history: [...state.history, request.amount] };
 *   }
 * }
 *
 * const rt = new Runtime();
 * await rt.start(Counter, 0, { name: 'counter' });
 * GenServer.cast(rt, 'counter', { type: 'add', amount: 2 });
 * const counter = GenServer.ref<typeof Counter>(rt, 'counter');
 * console.log(await counter.call({ type: 'get' })); // 2
 * await rt.shutdown();
 * ```
 *
 * **Supervision.** Put a server under a `Supervisor` as a child spec
 * (`{ id, start: [Counter, 0, { name: 'counter' }] }`), as the class itself, or as
 * `[Counter, 0]`; override `static childSpec(arg)` to change the defaults.
 *
 * **Naming.** `opts.name` registers the server before `init` runs: a string in the
 * runtime's name table or `{ via: registry, key }` in a `Registry`.
 *
 * **Timeouts.** `call` rejects with `CallTimeoutError` after 5000 ms by default; a
 * late reply is dropped. A result's `timeout` option delivers `Timeout` to
 * `handleInfo` when the server stays idle that long.
 *
 * **When not to use it.** A GenServer serialises its requests: do not put
 * independent work behind one server just to organise code; use plain functions,
 * and processes only for state, concurrency or fault isolation.
 */
export class GenServer<State = unknown, Call = unknown, Cast = unknown, Info = unknown> {
  /** The engine running this server; it makes the server's `Self` when first asked. */
  #engine: ServerEngine | undefined;

  /** Keeps the engine that runs this server, for `self`. @internal */
  [hostEngine](engine: ServerEngine): void {
    this.#engine = engine;
  }

  /** The behaviour name shown by `info` and reports. @internal */
  static readonly behaviourName: string = 'GenServer';

  /**
   * How `rt.start` starts this class (and every subclass: Supervisor, Registry...).
   * @internal
   */
  static [startBehaviour](
    runtime: Runtime,
    arg: unknown,
    opts: StartOptions | undefined,
  ): Promise<Pid> {
    // biome-ignore lint/complexity/noThisInStatic: the subclass being started
    return startServer(runtime, this, arg, opts, undefined);
  }

  /**
   * The child spec a supervisor uses for this class given as `Class` or
   * `[Class, arg]`: id the class name, started with `arg`, a permanent worker.
   * Override it to change the defaults.
   *
   * @example
   * ```ts
   * class Cache extends GenServer {
   *   static override childSpec(arg: unknown): ChildSpec {
   *     return { ...super.childSpec(arg), restart: 'transient', shutdown: 1000 };
   *   }
   * }
   * ```
   */
  static childSpec(arg?: unknown): ChildSpec {
    // `this` is the subclass the spec is asked of: its name is the default id.
    // biome-ignore lint/complexity/noThisInStatic: subclasses must get their own class here
    return { id: this.name, start: [this as unknown as StartTuple[0], arg] };
  }

  /**
   * The server's process context: link, monitor, trapExit, send, spawnLink...
   * @throws OtpError before the server has started.
   */
  get self(): Self {
    if (this.#engine === undefined)
      throw new OtpError(`${this.constructor.name} is not running: it has no self before rt.start`);
    return this.#engine.self;
  }

  /** The server's pid. */
  get pid(): Pid {
    return this.self.pid;
  }

  /** The runtime the server runs in. */
  get runtime(): Runtime {
    return this.self.runtime;
  }

  /**
   * Builds the initial state from `rt.start`'s argument; runs in the new process
   * before the start resolves, after the name is registered. Optional: the default
   * uses the argument as the state.
   *
   * @returns The state (or `ok(state, { continue, timeout })`); `stop(reason)` to fail
   * the start with `StartError`; `ignore()` to not start (`StartError` with reason
   * `'ignore'`; a supervisor keeps the child, not running). Throwing fails the start too.
   * @example
   * ```ts
   * override init(store: Store) { return store; }
   * ```
   */
  init(arg: unknown): Awaitable<InitResult<State>> {
    // ok(): a bare `undefined` would be taken for a forgotten return.
    return ok(arg as State);
  }

  /**
   * Handles a `call`. Optional: the default ends the server with an error naming
   * the server and the request, and the caller's call rejects with that reason.
   *
   * @returns `reply(value, state)` (or `replyTo(request, value, state)`, checked
   * against the variant's `Returns<R>`) to answer; `noreply(state)` to answer later
   * with `GenServer.reply(from, value)`; `stop(reason, state, reply?)` to stop,
   * replying first when a reply is given. Each may carry `{ continue, timeout }`.
   * Throwing crashes the server (terminate runs; a crash report is logged).
   * @example
   * ```ts
   * override handleCall(request: 'store', _from: From, state: Store) { return reply(state, state); }
   * ```
   */
  handleCall(
    request: Call,
    _from: From<ReplyOf<Call>>,
    state: State,
  ): Awaitable<CallResult<Call, State>> {
    return stop(this.#unexpected('call', request, 'handleCall'), state);
  }

  /**
   * Handles a `cast`. Optional: the default ends the server with an error naming
   * the server and the request.
   *
   * @returns The new state (bare or `noreply(state, opts)`), or `stop(reason, state)`.
   * @example
   * ```ts
   * override handleCast(msg: AddEmployees, store: Store) { return { ...store, employees: store.employees + msg.amount }; }
   * ```
   */
  handleCast(request: Cast, state: State): Awaitable<CastResult<State>> {
    return stop(this.#unexpected('cast', request, 'handleCast'), state);
  }

  /**
   * Handles any other message: plain sends, `Exit` (when trapping exits), `Down`,
   * and `Timeout` (from a result's `timeout` option). Optional: the default logs a
   * warning and keeps the state.
   *
   * @returns As `handleCast`.
   * @example
   * ```ts
   * override handleInfo(msg: unknown, state: State) { return msg === Timeout ? flush(state) : state; }
   * ```
   */
  handleInfo(message: Info | SystemInfo, state: State): Awaitable<CastResult<State>> {
    loggerOf(this.runtime).warn(
      `${describeServer(this)} received an unexpected message in handleInfo: ${describeValue(message, 500)}`,
    );
    // noreply(): a bare `undefined` state would be taken for a forgotten return.
    return noreply(state);
  }

  /**
   * Runs after a callback returned `{ continue: arg }`, before the next message.
   * Optional: the default ends the server with an error.
   *
   * @returns As `handleCast`.
   * @example
   * ```ts
   * override init() { return ok(empty, { continue: 'load' }); }
   * override async handleContinue(_: 'load', state: State) { return { ...state, rows: await load() }; }
   * ```
   */
  handleContinue(arg: unknown, state: State): Awaitable<CastResult<State>> {
    return stop(this.#unexpected('continue', arg, 'handleContinue'), state);
  }

  /**
   * Cleans up as the server stops: after `stop(...)` from a callback, after a
   * callback throws, on `GenServer.stop` and `Sys.terminate`, and on an exit signal
   * from its parent when the server traps exits. Not on `'kill'`, nor on an exit
   * signal it does not trap. Optional: the default does nothing. An error thrown
   * here is logged; the server still exits with the original reason.
   *
   * @example
   * ```ts
   * override async terminate(reason: ExitReason, state: State) { await state.file.close(); }
   * ```
   */
  terminate(_reason: ExitReason, _state: State): Awaitable<void> {}

  /**
   * What `Sys.getStatus`, crash reports and the observer show of the state, as OTP's
   * `format_status`: return a copy with secrets hidden. Optional: without it they show
   * the state itself. It must not throw; if it does, the state is shown as an error note.
   * (`Sys.getState` still gives the state itself, as `sys:get_state` does.)
   *
   * @example
   * ```ts
   * override formatStatus(state: { user: string; password: string }) {
   *   return { ...state, password: '***' };
   * }
   * ```
   */
  formatStatus?(state: State): unknown;

  #unexpected(what: string, message: unknown, callback: string): Error {
    return new Error(
      `${describeServer(this)} received an unexpected ${what} ${describeValue(message, 300)}, but ${this.constructor.name} does not implement ${callback}`,
    );
  }

  /**
   * Calls the server at `dest` and waits for its reply (Erlang's `gen_server:call`).
   * The server is monitored during the call, so its death rejects at once.
   *
   * @param caller - the runtime, a process's `self`, or a GenServer (`this`).
   * @param dest - the server's pid or name.
   * @param request - what to ask.
   * @param timeout - ms to wait; `Infinity` to wait forever. It counts from the end of
   * the event-loop turn the call is made in (so a call costs no clock read): never
   * early, late by at most the rest of that turn. @defaultValue 5000
   * @returns The reply.
   * @throws (as rejections) NoProcError when no process is at `dest`;
   * CallTimeoutError after `timeout`; CallError with the server's exit reason when
   * it dies during the call, or `'calling_self'`; TypeError/RangeError for bad arguments.
   * @example
   * ```ts
   * const store = await GenServer.call(rt, 'Test1', 'store');
   * ```
   * @see {@link GenServer.ref} for a typed handle.
   */
  static call<R = unknown>(
    caller: Caller,
    dest: Dest,
    request: unknown,
    timeout: number = DEFAULT_CALL_TIMEOUT,
  ): Promise<R> {
    // Straight to the protocol, no wrapper: one function fewer for V8 to optimize on the hottest path.
    return sendRequest<R>(caller, dest, request, timeout, 'GenServer.call', false);
  }

  /**
   * Sends a request to the server at `dest` without waiting (Erlang's
   * `gen_server:cast`). To a dead or unregistered destination it does nothing.
   *
   * @throws TypeError when `caller` or `dest` is malformed.
   * @example
   * ```ts
   * GenServer.cast(rt, 'Test1', { type: 'addEmployees', amount: 4 });
   * ```
   */
  static cast(caller: Caller, dest: Dest, request: unknown): void {
    castTo(caller, dest, request, 'GenServer.cast');
  }

  /**
   * Answers a call that `handleCall` left with `noreply` (Erlang's
   * `gen_server:reply`). A reply to a caller that timed out or died is dropped.
   *
   * @throws TypeError when `from` is not the `From` of a call.
   * @example
   * ```ts
   * GenServer.reply(from, 'done');
   * ```
   */
  static reply<R>(from: From<R>, value: R): void {
    replyLater(from, value, 'GenServer.reply');
  }

  /**
   * Stops the server at `dest`: it runs `terminate(reason, state)` and exits with
   * `reason`. Resolves once it has exited. An abnormal reason logs a crash report.
   *
   * @param reason - @defaultValue `'normal'`
   * @param timeout - ms to wait for the exit. @defaultValue Infinity
   * @throws (as rejections) NoProcError for a dead or unknown destination;
   * CallTimeoutError when it does not exit within `timeout`.
   * @example
   * ```ts
   * await GenServer.stop(rt, 'Test1');
   * ```
   */
  static stop(
    caller: Caller,
    dest: Dest,
    reason: ExitReason = 'normal',
    timeout = Number.POSITIVE_INFINITY,
  ): Promise<void> {
    return stopServer(caller, dest, reason, timeout, 'GenServer.stop');
  }

  /**
   * Starts a server linked to the calling process (Erlang's `start_link`): if the
   * server crashes, the caller gets the exit signal, and the server treats an exit
   * from its parent as an order to stop. Resolves once `init` has returned.
   *
   * @param self - the calling process: its `self`, or a GenServer (`this`).
   * @throws (as rejections) the same errors as `rt.start`.
   * @example
   * ```ts
   * const worker = await GenServer.startLink(self, Worker, { id: 1 });
   * ```
   */
  static startLink<B extends abstract new () => GenServer>(
    self: Self | { readonly self: Self },
    Behaviour: B,
    arg: InitArg<B>,
    opts?: StartOptions,
  ): Promise<Pid> {
    return startLinked(self, Behaviour, arg, opts, 'GenServer.startLink');
  }

  /**
   * A typed handle on the server at `dest`: its `call` returns the reply type of
   * the request's variant, with no casts.
   *
   * @example
   * ```ts
   * const counter = GenServer.ref<typeof Counter>(rt, 'counter');
   * const n = await counter.call({ type: 'get' }); // number
   * ```
   */
  static ref<C extends abstract new () => GenServer>(
    caller: Caller,
    dest: Dest,
  ): ServerRef<CallOf<C>, CastOf<C>> {
    callerContext(caller, 'GenServer.ref');
    assertDest(dest, 'GenServer.ref');
    return {
      dest,
      call: (req, timeout = DEFAULT_CALL_TIMEOUT) =>
        sendRequest(caller, dest, req, timeout, 'GenServer.call', false),
      cast: (req) => GenServer.cast(caller, dest, req),
      stop: (reason, timeout) => GenServer.stop(caller, dest, reason, timeout),
    };
  }
}

/**
 * Answers a call later (GenServer.reply, GenStatem.reply).
 * @throws TypeError when `from` is not the `From` of a call, naming `operation`.
 * @internal
 */
export function replyLater(from: unknown, value: unknown, operation: string): void {
  if (!(from instanceof From)) {
    throw new TypeError(
      `${operation}: expected \`from\` to be the From of a call, got ${describeValue(from, 100)}`,
    );
  }
  from.settle(value);
}

/** Stops the server at `dest` through terminate (GenServer.stop, GenStatem.stop). @internal */
export function stopServer(
  caller: Caller,
  dest: Dest,
  reason: ExitReason,
  timeout: number,
  operation: string,
): Promise<void> {
  return sendRequest(caller, dest, { kind: 'terminate', reason }, timeout, operation, true);
}

/**
 * Starts `Behaviour` linked to the calling process `self` (GenServer.startLink,
 * GenStatem.startLink); reports every error by rejecting. @internal
 */
export function startLinked(
  self: unknown,
  Behaviour: unknown,
  arg: unknown,
  opts: StartOptions | undefined,
  operation: string,
): Promise<Pid> {
  let parent: Self;
  try {
    const context = callerContext(self, operation, 'self');
    if (context.self === undefined) {
      throw new TypeError(`${operation}: expected \`self\` to be a process, got the Runtime`);
    }
    parent = context.self;
  } catch (error) {
    return Promise.reject(error);
  }
  return startServer(parent.runtime, Behaviour, arg, opts, parent, operation);
}

/**
 * Sends a cast to the server at `dest` (GenServer.cast, GenStatem.cast); to a dead or
 * unregistered destination it does nothing.
 * @throws TypeError when `caller` or `dest` is malformed, naming `operation`.
 * @internal
 */
export function castTo(caller: Caller, dest: Dest, request: unknown, operation: string): void {
  const context = resolveCaller(caller, operation);
  const runtime = context instanceof Runtime ? context : context.runtime;
  let target: Process | undefined;
  if (dest instanceof Pid) {
    target = localProcess(runtime, dest);
  } else {
    assertDest(dest, operation);
    try {
      target = lookup(runtime, dest, operation);
    } catch {
      return; // A via name whose registry is gone is just a missing destination.
    }
  }
  if (target === undefined) {
    remoteRouter(runtime, dest)?.cast(dest as Pid, request, operation);
    return;
  }
  if (copiesMessages(runtime)) request = copyMessage(request, operation);
  if (context !== runtime) {
    // A cast made by a process: a message out, for Sys.statistics and traces.
    const sender = processOfSelf(context as Self);
    sender.sent++;
    if (sender.traced) traceSend(runtime, sender, dest, request);
  }
  castToProcess(target, request);
}

/**
 * Delivers a cast to a live local process: what a cast from another node comes to,
 * once its request is already the receiver's own copy. @internal
 */
export function castToProcess(target: Process, request: unknown): void {
  if (target instanceof HandlerProcess && target.takesTagged) target.deliverTagged(request);
  else target.deliver(new CastMessage(request));
}

function describeServer(server: GenServer): string {
  let where: string;
  try {
    const self = server.self;
    where = describeProcess(nameOf(self), self.pid);
  } catch {
    where = '(not running)';
  }
  return `GenServer ${server.constructor.name} ${where}`;
}

/**
 * Starts a behaviour process: spawn (registering the name first), then run `init`
 * as its first message and resolve once it returns, like proc_lib's start handshake.
 * @internal
 */
export function startServer(
  runtime: Runtime,
  Behaviour: unknown,
  arg: unknown,
  opts: StartOptions | undefined,
  parent: Self | undefined,
  linkOperation = 'GenServer.startLink',
): Promise<Pid> {
  const operation = parent === undefined ? 'start' : linkOperation;
  if (!isEngineHostClass(Behaviour)) {
    return Promise.reject(
      new TypeError(
        `${operation}: expected a GenServer class (or GenStatem, Supervisor, Registry...), got ${describeValue(Behaviour, 100)}`,
      ),
    );
  }
  const Class = Behaviour;
  let timeout = DEFAULT_START_TIMEOUT;
  try {
    if (opts !== undefined) {
      if (typeof opts !== 'object' || opts === null) {
        throw new TypeError(
          `${operation}: expected options { name?, timeout? }, got ${describeValue(opts, 100)}`,
        );
      }
      if (opts.name !== undefined) assertName(opts.name, operation, 'opts.name');
      if (opts.timeout !== undefined) {
        assertTimeout(opts.timeout, operation, 'opts.timeout');
        timeout = opts.timeout;
      }
    }
  } catch (error) {
    return Promise.reject(error);
  }
  let server: EngineHost;
  try {
    server = new Class();
  } catch (error) {
    return Promise.reject(
      new StartError(
        `${operation} of ${Class.name} failed: its constructor threw ${describeValue(error, 300)}`,
        error,
        undefined,
        {
          cause: error,
        },
      ),
    );
  }
  const hook = server[engineCallbacks];
  const callbacks = hook === undefined ? (server as unknown as ServerCallbacks) : hook.call(server);
  const engine = new ServerEngine(callbacks, Class.name, Class.behaviourName);
  return startBehaviourProcess(runtime, {
    handler: engine,
    arg,
    module: Class.name,
    name: opts?.name,
    parent,
    timeout,
    operation,
    attach: (proc, parentPid) => {
      engine.attach(proc, runtime, parentPid);
      server[hostEngine](engine);
    },
  });
}
