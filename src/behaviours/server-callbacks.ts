import type { Pid } from '../core/kernel.js';
import type { ExitReason } from '../types.js';
import type { From } from './gen.js';

// What a behaviour hands the server engine (its callbacks), and what the engine's
// messages and Sys replies look like: the engine's contract with the behaviours and
// with `Sys`, apart from the engine's own loop (server-engine.ts).

/**
 * The optional callback a behaviour whose real state lives in its callbacks object
 * (Supervisor) uses to build what Sys and crash reports show only when they ask for
 * it, rather than after every message. A symbol, so that no method of a user's
 * GenServer is taken for it.
 * @internal
 */
export const formatState: unique symbol = Symbol('otp-ts.formatState');

/** The optional callback a behaviour uses to take a state made by `Sys.replaceState`. @internal */
export const adoptState: unique symbol = Symbol('otp-ts.adoptState');

/** The callbacks the engine drives: what a GenServer instance provides. @internal */
export interface ServerCallbacks {
  init(arg: unknown): unknown;
  handleCall(request: unknown, from: From, state: unknown): unknown;
  handleCast(request: unknown, state: unknown): unknown;
  handleInfo(message: unknown, state: unknown): unknown;
  handleContinue(arg: unknown, state: unknown): unknown;
  terminate(reason: ExitReason, state: unknown): unknown;
  /** What Sys and crash reports show for `state`, when it is not the state itself. */
  [formatState]?(state: unknown): unknown;
  /** The user's hook (GenServer's `formatStatus`): what `Sys.getStatus` and reports show. */
  formatStatus?(state: unknown): unknown;
  /**
   * Takes the state `Sys.replaceState` made (what `formatState` showed, changed) and
   * returns what the engine keeps; throws when it cannot be taken, so the request fails
   * and the state stays as it was. Without it, the engine keeps the new state as it is.
   */
  [adoptState]?(replaced: unknown): unknown;
}

/**
 * A behaviour built on the engine (Supervisor, Registry...) hands it these
 * callbacks instead of the instance, so user subclasses only override `init`.
 * @internal
 */
export const engineCallbacks: unique symbol = Symbol('otp-ts.engineCallbacks');

/** A cast in a server's mailbox. @internal */
export class CastMessage {
  constructor(readonly request: unknown) {}
}

/** A `Sys` request, carried by a `SystemRequest`. @internal */
export type SysRequest =
  | { kind: 'get_state' }
  | { kind: 'replace_state'; fn: (state: unknown) => unknown }
  | { kind: 'get_status' }
  | { kind: 'suspend' }
  | { kind: 'resume' }
  | { kind: 'terminate'; reason: ExitReason }
  | { kind: 'statistics' }
  | { kind: 'trace'; on: boolean };

/**
 * What `Sys.statistics` reports about a server, as `sys:statistics/2` does, with no
 * enabling call: the counts are kept all the time.
 *
 * @example
 * ```ts
 * const { messagesIn, messagesOut, startedAt } = await Sys.statistics(rt, 'Test1');
 * ```
 */
export interface SysStatistics {
  /** Messages it has taken from its mailbox: calls, casts, infos and Sys requests. */
  messagesIn: number;
  /** Messages it has sent: replies, casts, calls, and sends through its `self`. */
  messagesOut: number;
  /** When it started (`Date.now()`, in ms). */
  startedAt: number;
}

/**
 * What `Sys.getStatus` reports about a server.
 *
 * @example
 * ```ts
 * const { status, state } = await Sys.getStatus(rt, 'Test1');
 * ```
 */
export interface SysStatus {
  /** The server's pid. */
  pid: Pid;
  /** Its registered name, or `undefined`. */
  name: unknown;
  /** `'GenServer'`, `'GenStatem'`, `'Supervisor'`, `'DynamicSupervisor'` or `'Registry'`. */
  behaviour: string;
  /** The name of its class, e.g. `'Counter'`. */
  module: string;
  /** `'suspended'` between `Sys.suspend` and `Sys.resume`. */
  status: 'running' | 'suspended';
  /** The process that started it linked; `<0.0.0>` (the runtime) after `rt.start`. */
  parent: Pid | undefined;
  /** Its state, as `Sys.getState` gives it. */
  state: unknown;
  /** How many messages wait in its mailbox. */
  messageQueueLen: number;
}
