import {
  type Pid,
  type Runtime,
  type Self,
  type StartOptions,
  shareProtocolClass,
  startBehaviour,
} from '../core/kernel.js';
import { describeValue } from '../describe.js';
import type { Dest, ExitReason } from '../types.js';
import { assertFunction, type Caller, type From, request as sendRequest } from './gen.js';
import { castTo, startLinked, startServer, stopServer } from './gen-server.js';
import { optionError } from './option-error.js';
import { noreply, ok, reply, stop } from './results.js';
import { engineCallbacks, type ServerCallbacks } from './server-callbacks.js';
import { hostEngine, type ServerEngine } from './server-engine.js';
import type { ChildSpec, StartTuple } from './supervision/child-spec.js';

const DEFAULT_TIMEOUT = 5_000;

/** What an agent is asked to do: run `fn` on its state, inside the agent. */
class AgentRequest {
  constructor(
    readonly kind: 'get' | 'update' | 'get_and_update' | 'cast',
    readonly fn: (state: unknown) => unknown,
  ) {}
}

// A request carries the caller's function, which no copy can carry (the BEAM copies a
// closure; JavaScript cannot): it travels as is even under `messages: 'copy'`. What the
// function returns to the caller (`get`'s value) is a reply, and is copied.
shareProtocolClass(AgentRequest);

/**
 * The five functions of an agent, typed by its state (`Agent.ref`).
 *
 * @example
 * ```ts
 * const counter: AgentRef<number> = Agent.ref<number>(rt, 'counter');
 * await counter.update((n) => n + 1);
 * ```
 */
export interface AgentRef<S> {
  /** The agent this ref reaches. */
  readonly dest: Dest;
  /** See {@link Agent.get}. */
  get<R>(fn: (state: S) => R | PromiseLike<R>, timeout?: number): Promise<R>;
  /** See {@link Agent.update}. */
  update(fn: (state: S) => S | PromiseLike<S>, timeout?: number): Promise<void>;
  /** See {@link Agent.getAndUpdate}. */
  getAndUpdate<R>(
    fn: (state: S) => readonly [R, S] | PromiseLike<readonly [R, S]>,
    timeout?: number,
  ): Promise<R>;
  /** See {@link Agent.cast}. */
  cast(fn: (state: S) => S | PromiseLike<S>): void;
  /** See {@link Agent.stop}. */
  stop(reason?: ExitReason, timeout?: number): Promise<void>;
}

/**
 * A process that holds a state and runs functions on it, as Elixir's `Agent`: a
 * GenServer whose requests are functions. The functions run inside the agent, one at
 * a time, and may be async (the agent takes no other message meanwhile). One that
 * throws ends the agent with that error (its supervisor may restart it), and its call
 * rejects with a `CallError` whose `reason` is the error. `Sys`, names and supervision
 * work as for any server; the child spec of `[Agent, initFn]` has id `'Agent'`.
 *
 * @typeParam S - the state it holds (for subclasses; the functions take their own).
 *
 * @example
 * ```ts
 * import { Agent, Runtime } from 'otp-ts';
 *
 * const rt = new Runtime();
 * await rt.start(Agent, () => 0, { name: 'counter' });
 * await Agent.update(rt, 'counter', (n: number) => n + 1);
 * console.log(await Agent.get(rt, 'counter', (n: number) => n)); // 1
 * ```
 */
export class Agent<S = unknown> {
  #engine: ServerEngine | undefined = undefined;

  /** The behaviour name shown by `info` and reports. @internal */
  static readonly behaviourName: string = 'Agent';

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
   * The child spec of `[Agent, initFn]` or `Agent.childSpec(initFn)`: id `'Agent'` (a
   * subclass's name), started with `initFn`, a permanent worker.
   * @example
   * ```ts
   * await rt.start(Supervisor, { children: [Agent.childSpec(() => new Map())], strategy: 'one_for_one' });
   * ```
   */
  static childSpec(initFn?: unknown): ChildSpec {
    // biome-ignore lint/complexity/noThisInStatic: subclasses must get their own class here
    return { id: this.name, start: [this as unknown as StartTuple[0], initFn] };
  }

  /**
   * Builds the state from the start's argument: `initFn()`, which may be async. If it
   * throws, the start rejects with a `StartError`.
   * @example
   * ```ts
   * await rt.start(Agent, async () => loadCache());
   * ```
   */
  init(initFn: () => S | PromiseLike<S>): unknown {
    return initFn;
  }

  /** The callbacks the engine drives. @internal */
  [engineCallbacks](): ServerCallbacks {
    return new AgentCore();
  }

  /** Keeps the engine that runs this agent, for `self`. @internal */
  [hostEngine](engine: ServerEngine): void {
    this.#engine = engine;
  }

  /** The agent's process context, once started. @internal */
  get self(): Self | undefined {
    return this.#engine?.self;
  }

  /**
   * Starts an agent linked to the calling process; resolves its pid.
   * @throws (as rejections) StartError when `initFn` throws; TypeError for a bad `self`.
   * @example
   * ```ts
   * const pid = await Agent.startLink(self, () => [], { name: 'log' });
   * ```
   */
  static startLink<S>(
    self: Self | { readonly self: Self },
    initFn: () => S | PromiseLike<S>,
    opts?: StartOptions,
  ): Promise<Pid> {
    // biome-ignore lint/complexity/noThisInStatic: a subclass starts itself
    return startLinked(self, this, initFn, opts, 'Agent.startLink');
  }

  /**
   * Runs `fn` on the state, inside the agent, and resolves with what it returns.
   * @example
   * ```ts
   * const size = await Agent.get(rt, 'cache', (m: Map<string, number>) => m.size);
   * ```
   */
  static get<S, R>(
    caller: Caller,
    agent: Dest,
    fn: (state: S) => R | PromiseLike<R>,
    timeout: number = DEFAULT_TIMEOUT,
  ): Promise<R> {
    return ask<R>(caller, agent, 'get', fn, timeout, 'Agent.get');
  }

  /**
   * Makes the state `fn(state)`; resolves once it is applied.
   * @example
   * ```ts
   * await Agent.update(rt, 'counter', (n: number) => n + 1);
   * ```
   */
  static update<S>(
    caller: Caller,
    agent: Dest,
    fn: (state: S) => S | PromiseLike<S>,
    timeout: number = DEFAULT_TIMEOUT,
  ): Promise<void> {
    return ask<void>(caller, agent, 'update', fn, timeout, 'Agent.update');
  }

  /**
   * Runs `fn` on the state; it returns `[result, newState]`: the state becomes
   * `newState` and the promise resolves with `result`.
   * @example
   * ```ts
   * const ticket = await Agent.getAndUpdate(rt, 'tickets', (n: number) => [n, n + 1] as const);
   * ```
   */
  static getAndUpdate<S, R>(
    caller: Caller,
    agent: Dest,
    fn: (state: S) => readonly [R, S] | PromiseLike<readonly [R, S]>,
    timeout: number = DEFAULT_TIMEOUT,
  ): Promise<R> {
    return ask<R>(caller, agent, 'get_and_update', fn, timeout, 'Agent.getAndUpdate');
  }

  /**
   * Makes the state `fn(state)` without waiting. To a dead or unregistered agent it
   * does nothing.
   * @throws TypeError for a bad `caller`, `agent` or `fn`.
   * @example
   * ```ts
   * Agent.cast(rt, 'counter', (n: number) => n + 1);
   * ```
   */
  static cast<S>(caller: Caller, agent: Dest, fn: (state: S) => S | PromiseLike<S>): void {
    assertFunction(fn, 'Agent.cast');
    castTo(
      caller,
      agent,
      new AgentRequest('cast', fn as (state: unknown) => unknown),
      'Agent.cast',
    );
  }

  /**
   * Stops the agent with `reason`, as `GenServer.stop` does.
   * @example
   * ```ts
   * await Agent.stop(rt, 'counter');
   * ```
   */
  static stop(
    caller: Caller,
    agent: Dest,
    reason: ExitReason = 'normal',
    timeout = Number.POSITIVE_INFINITY,
  ): Promise<void> {
    return stopServer(caller, agent, reason, timeout, 'Agent.stop');
  }

  /**
   * The five functions for the agent at `agent`, typed by its state `S`.
   * @throws TypeError for a bad `caller` or `agent`.
   * @example
   * ```ts
   * const cart = Agent.ref<string[]>(rt, 'cart');
   * await cart.update((items) => [...items, 'apple']);
   * const count = await cart.get((items) => items.length);
   * ```
   */
  static ref<S>(caller: Caller, agent: Dest): AgentRef<S> {
    return {
      dest: agent,
      get: (fn, timeout) => Agent.get(caller, agent, fn, timeout),
      update: (fn, timeout) => Agent.update(caller, agent, fn, timeout),
      getAndUpdate: (fn, timeout) => Agent.getAndUpdate(caller, agent, fn, timeout),
      cast: (fn) => Agent.cast(caller, agent, fn),
      stop: (reason, timeout) => Agent.stop(caller, agent, reason, timeout),
    };
  }
}

function ask<R>(
  caller: Caller,
  agent: Dest,
  kind: AgentRequest['kind'],
  fn: unknown,
  timeout: number,
  operation: string,
): Promise<R> {
  try {
    assertFunction(fn, operation);
  } catch (error) {
    return Promise.reject(error);
  }
  return sendRequest<R>(
    caller,
    agent,
    new AgentRequest(kind, fn as (state: unknown) => unknown),
    timeout,
    operation,
    false,
  );
}

/** The agent's engine-facing callbacks: every request is a function to run on the state. */
class AgentCore implements ServerCallbacks {
  async init(initFn: unknown): Promise<unknown> {
    if (typeof initFn !== 'function') {
      throw optionError(
        true,
        `start of Agent: expected \`initFn\` to be a function, got ${describeValue(initFn, 100)}`,
      );
    }
    // ok(): the state may be anything, undefined included.
    return ok(await (initFn as () => unknown)());
  }

  async handleCall(request: unknown, _from: From, state: unknown): Promise<unknown> {
    if (!(request instanceof AgentRequest)) {
      return stop(unexpected('call', request), state);
    }
    switch (request.kind) {
      case 'get':
        return reply(await request.fn(state), state);
      case 'update':
        return reply(undefined, await request.fn(state));
      case 'get_and_update': {
        const pair = await request.fn(state);
        if (!Array.isArray(pair) || pair.length !== 2) {
          throw new TypeError(
            `Agent.getAndUpdate: expected \`fn\` to return [result, newState], got ${describeValue(pair, 200)}`,
          );
        }
        return reply(pair[0], pair[1]);
      }
      default:
        return stop(unexpected('call', request), state);
    }
  }

  async handleCast(request: unknown, state: unknown): Promise<unknown> {
    if (!(request instanceof AgentRequest) || request.kind !== 'cast') {
      return stop(unexpected('cast', request), state);
    }
    return noreply(await request.fn(state));
  }

  handleInfo(_message: unknown, state: unknown): unknown {
    // As Elixir's Agent: plain messages are not its business.
    return noreply(state);
  }

  handleContinue(_arg: unknown, state: unknown): unknown {
    return noreply(state);
  }

  terminate(): void {}
}

function unexpected(what: string, request: unknown): TypeError {
  return new TypeError(
    `Agent received a ${what} that is not an Agent request: ${describeValue(request, 200)}; use Agent.get, update, getAndUpdate or cast`,
  );
}
