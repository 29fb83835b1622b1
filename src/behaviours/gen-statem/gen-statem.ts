import {
  type InitArg,
  type Pid,
  type Runtime,
  type Self,
  type StartOptions,
  startBehaviour,
} from '../../core/kernel.js';
import { OtpError } from '../../errors.js';
import type { Dest, ExitReason } from '../../types.js';
import { type Caller, type From, request as sendRequest } from '../gen.js';
import {
  type Awaitable,
  castTo,
  replyLater,
  startLinked,
  startServer,
  stopServer,
} from '../gen-server.js';
import type { IgnoreResult, StopResult } from '../results.js';
import { engineCallbacks, type ServerCallbacks } from '../server-callbacks.js';
import { hostEngine, type ServerEngine } from '../server-engine.js';
import type { ChildSpec, StartTuple } from '../supervision/child-spec.js';
import { StatemCore } from './core.js';
import type { StatemOk, StatemResult } from './results.js';
import type { StatemAction, StatemEvent } from './types.js';

const DEFAULT_CALL_TIMEOUT = 5_000;

/**
 * What a GenStatem's `init` may return: `Statem.ok(state, data, actions?)`, or
 * GenServer's `stop(reason)` or `ignore()`.
 *
 * @example
 * ```ts
 * override init(code: string): StatemInitResult<'locked', { code: string }> { return Statem.ok('locked', { code }); }
 * ```
 */
export type StatemInitResult<State, Data, Call = unknown, Cast = unknown, Info = unknown> =
  | StatemOk<State, Data, StatemAction<Call, Cast, Info>>
  | StopResult<unknown>
  | IgnoreResult;

/**
 * What a GenStatem's `handleEvent` may return: one of the `Statem` results, whose state,
 * data and actions TypeScript checks against the machine's types.
 *
 * @example
 * ```ts
 * const result: StatemHandleResult<'locked' | 'open', Data> = Statem.nextState('open', data);
 * ```
 */
export type StatemHandleResult<
  State,
  Data,
  Call = unknown,
  Cast = unknown,
  Info = unknown,
> = StatemResult<State, Data, StatemAction<Call, Cast, Info>>;

/**
 * An event-driven state machine: OTP's `gen_statem` in the `handle_event_function`
 * callback mode, with optional state enter calls. Subclass it, implement `init` and
 * `handleEvent`; the receive loop, the event queue, postponing and the timeouts are
 * the library's. It is a server like any other: `GenStatem.call` and `GenServer.call`
 * reach it, `Sys.getState` gives `[state, data]`, names and supervisors work.
 *
 * @typeParam State - the machine's states (any value; compared by value, as Erlang terms).
 * @typeParam Data - what it keeps besides the state.
 * @typeParam Call - the call requests; declare each variant's reply with `Returns<R>`.
 * @typeParam Cast - the cast requests.
 * @typeParam Info - the plain messages it expects (it also gets `Exit` and `Down`).
 *
 * @example
 * ```ts
 * import { GenStatem, Runtime, Statem, type Returns, type StatemEvent } from 'otp-ts';
 *
 * type State = 'off' | 'on';
 * type Call = { type: 'get' } & Returns<State>;
 * type Cast = { type: 'flip' };
 *
 * class Switch extends GenStatem<State, number, Call, Cast> {
 *   override init(flips: number) {
 *     return Statem.ok<State, number>('off', flips);
 *   }
 *   override handleEvent(event: StatemEvent<State, Call, Cast>, state: State, flips: number) {
 *     switch (event.type) {
 *       case 'cast':
 *         return Statem.nextState(state === 'off' ? 'on' : 'off', flips + 1);
 *       case 'call':
 *         return Statem.keepStateAndData([Statem.reply(event.from, state)]);
 *       default:
 *         return Statem.keepStateAndData();
 *     }
 *   }
 * }
 *
 * const rt = new Runtime();
 * const pid = await rt.start(Switch, 0, { name: 'switch' });
 * GenStatem.cast(rt, pid, { type: 'flip' });
 * console.log(await GenStatem.call<State>(rt, 'switch', { type: 'get' })); // 'on'
 * await rt.shutdown();
 * ```
 *
 * **Events.** `handleEvent(event, state, data)` gets calls, casts, other messages
 * (`info`), the three timeouts, events inserted by `next_event`, and (with
 * `static stateEnter = true`) the enter call after `init` and after every state change.
 *
 * **Results and actions.** It returns `Statem.nextState`, `keepState`,
 * `keepStateAndData`, `repeatState`, `repeatStateAndData`, `stop` or `stopAndReply`,
 * with actions applied in order: `reply`, `postpone` (retry the event after the next
 * state change), `next_event` (handle an event before any queued message), and the
 * event, state and generic timeouts.
 *
 * **Supervision.** As a GenServer: a child spec `{ id, start: [Door, arg] }`, the class
 * itself, or `[Door, arg]`. A bad return ends the machine with an error naming the
 * callback, the state and the value, and its supervisor restarts it.
 *
 * **When not to use it.** For a server whose behaviour does not depend on a state
 * (or on timeouts that do), a GenServer is simpler.
 *
 * @see {@link Statem} for the results, {@link StatemEvent} and {@link StatemAction}.
 */
export abstract class GenStatem<
  State = unknown,
  Data = unknown,
  Call = unknown,
  Cast = unknown,
  Info = unknown,
> {
  /** The engine running this machine; it makes the machine's `Self` when first asked. */
  #engine: ServerEngine | undefined;
  /** The callbacks the engine drives: the machine's state, data, queue and timeouts. */
  #core: StatemCore | undefined;

  /** The behaviour name shown by `info` and reports. @internal */
  static readonly behaviourName: string = 'GenStatem';

  /**
   * Set to `true` in a subclass for state enter calls: `handleEvent` then gets
   * `{ type: 'enter', oldState }` after `init` and after every state change (and on
   * `repeatState`), before any other event. @defaultValue false
   * @example
   * ```ts
   * class Door extends GenStatem<'locked' | 'open', Data> { static override stateEnter = true; ... }
   * ```
   */
  static stateEnter = false;

  /** How `rt.start` starts this class. @internal */
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
   * @example
   * ```ts
   * static override childSpec(arg: unknown): ChildSpec { return { ...super.childSpec(arg), restart: 'transient' }; }
   * ```
   */
  static childSpec(arg?: unknown): ChildSpec {
    // biome-ignore lint/complexity/noThisInStatic: subclasses must get their own class here
    return { id: this.name, start: [this as unknown as StartTuple[0], arg] };
  }

  /** The callbacks the engine drives. @internal */
  [engineCallbacks](): ServerCallbacks {
    const stateEnter = (this.constructor as { stateEnter?: unknown }).stateEnter === true;
    this.#core = new StatemCore(
      this as unknown as ConstructorParameters<typeof StatemCore>[0],
      stateEnter,
    );
    return this.#core;
  }

  /** Keeps the engine that runs this machine, for `self`. @internal */
  [hostEngine](engine: ServerEngine): void {
    this.#engine = engine;
    this.#core?.attach(engine);
  }

  /**
   * The machine's process context: link, monitor, trapExit, send, spawnLink...
   * @throws OtpError before the machine has started.
   */
  get self(): Self {
    if (this.#engine === undefined)
      throw new OtpError(`${this.constructor.name} is not running: it has no self before rt.start`);
    return this.#engine.self;
  }

  /** The machine's pid. */
  get pid(): Pid {
    return this.self.pid;
  }

  /** The runtime the machine runs in. */
  get runtime(): Runtime {
    return this.self.runtime;
  }

  /**
   * Builds the initial state and data from `rt.start`'s argument; runs in the new
   * process before the start resolves, after the name is registered.
   *
   * @returns `Statem.ok(state, data, actions?)` to start (its actions apply at once,
   * after the enter call); `stop(reason)` to fail the start with `StartError`;
   * `ignore()` not to start. Throwing fails the start too. May be async.
   * @example
   * ```ts
   * override init(code: string) { return Statem.ok('locked', { code, input: '' }); }
   * ```
   */
  abstract init(arg: unknown): Awaitable<StatemInitResult<State, Data, Call, Cast, Info>>;

  /**
   * Handles one event in `state` with `data`; may be async (the machine takes no other
   * message meanwhile).
   *
   * @returns `Statem.nextState(state, data, actions?)` to go to `state` (a state
   * change when it differs: the state timeout is cancelled, postponed events are
   * retried, the enter call runs); `Statem.keepState(data, actions?)` or
   * `Statem.keepStateAndData(actions?)` to stay; `Statem.repeatState(...)` or
   * `Statem.repeatStateAndData(...)` to stay and run the enter call again;
   * `Statem.stop(reason, data?)` or `Statem.stopAndReply(reason, replies, data?)` to
   * stop (terminate runs). Anything else ends the machine with a TypeError naming the
   * callback, the state and the value; throwing ends it with what was thrown.
   * @example
   * ```ts
   * override handleEvent(event: DoorEvent, state: DoorState, data: DoorData) {
   *   if (event.type === 'state_timeout') return Statem.nextState('locked', data);
   *   return Statem.keepStateAndData();
   * }
   * ```
   */
  abstract handleEvent(
    event: StatemEvent<State, Call, Cast, Info>,
    state: State,
    data: Data,
  ): Awaitable<StatemHandleResult<State, Data, Call, Cast, Info>>;

  /**
   * Cleans up as the machine stops: after `Statem.stop`, after a callback throws or
   * returns a bad value, on `GenStatem.stop` and `Sys.terminate`, and on an exit signal
   * from its parent when it traps exits. Not on `'kill'`. Optional: the default does
   * nothing. An error thrown here is logged; the machine still exits with the reason.
   * @example
   * ```ts
   * override terminate(reason: ExitReason, state: DoorState, data: DoorData) { data.lock.engage(); }
   * ```
   */
  terminate(_reason: ExitReason, _state: State, _data: Data): Awaitable<void> {}

  /**
   * Calls the machine at `dest` and waits for its reply: the event `{ type: 'call' }`
   * (Erlang's `gen_statem:call`). The same protocol as `GenServer.call`.
   *
   * @param caller - the runtime, a process's `self`, or a running GenServer or GenStatem (`this`).
   * @param dest - the machine's pid or name.
   * @param request - what to ask.
   * @param timeout - ms to wait; `Infinity` to wait forever. @defaultValue 5000
   * @returns The reply.
   * @throws (as rejections) NoProcError when no process is at `dest`;
   * CallTimeoutError after `timeout`; CallError with the machine's exit reason when it
   * dies during the call; TypeError/RangeError for bad arguments.
   * @example
   * ```ts
   * const state = await GenStatem.call<'locked' | 'open'>(rt, 'door', { type: 'state' });
   * ```
   */
  static call<R = unknown>(
    caller: Caller,
    dest: Dest,
    request: unknown,
    timeout: number = DEFAULT_CALL_TIMEOUT,
  ): Promise<R> {
    return sendRequest<R>(caller, dest, request, timeout, 'GenStatem.call', false);
  }

  /**
   * Sends the event `{ type: 'cast', content: request }` to the machine at `dest`
   * without waiting (Erlang's `gen_statem:cast`). To a dead or unregistered destination
   * it does nothing.
   *
   * @throws TypeError when `caller` or `dest` is malformed.
   * @example
   * ```ts
   * GenStatem.cast(rt, 'door', { type: 'button', digit: '1' });
   * ```
   */
  static cast(caller: Caller, dest: Dest, request: unknown): void {
    castTo(caller, dest, request, 'GenStatem.cast');
  }

  /**
   * Answers a call later, outside the callback that got it (Erlang's
   * `gen_statem:reply`). A reply to a caller that timed out or died is dropped.
   *
   * @throws TypeError when `from` is not the `From` of a call.
   * @example
   * ```ts
   * GenStatem.reply(from, 'done');
   * ```
   */
  static reply<R>(from: From<R>, value: R): void {
    replyLater(from, value, 'GenStatem.reply');
  }

  /**
   * Stops the machine at `dest`: it runs `terminate(reason, state, data)` and exits with
   * `reason`. Resolves once it has exited.
   *
   * @param reason - @defaultValue `'normal'`
   * @param timeout - ms to wait for the exit. @defaultValue Infinity
   * @throws (as rejections) NoProcError for a dead or unknown destination;
   * CallTimeoutError when it does not exit within `timeout`.
   * @example
   * ```ts
   * await GenStatem.stop(rt, 'door');
   * ```
   */
  static stop(
    caller: Caller,
    dest: Dest,
    reason: ExitReason = 'normal',
    timeout = Number.POSITIVE_INFINITY,
  ): Promise<void> {
    return stopServer(caller, dest, reason, timeout, 'GenStatem.stop');
  }

  /**
   * Starts a machine linked to the calling process (Erlang's `start_link`); resolves
   * once `init` has returned.
   *
   * @param self - the calling process: its `self`, or a GenServer or GenStatem (`this`).
   * @throws (as rejections) the same errors as `rt.start`.
   * @example
   * ```ts
   * const door = await GenStatem.startLink(self, Door, '1234', { name: 'door' });
   * ```
   */
  static startLink<B extends abstract new () => GenStatem>(
    self: Self | { readonly self: Self },
    Behaviour: B,
    arg: InitArg<B>,
    opts?: StartOptions,
  ): Promise<Pid> {
    return startLinked(self, Behaviour, arg, opts, 'GenStatem.startLink');
  }
}
