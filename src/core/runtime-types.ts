import type { CrashReport, Logger } from '../logger.js';
import type { BehaviourRef, ExitReason, Name } from '../types.js';
import type { Pid } from './pid.js';
import type { RunQueue } from './scheduler.js';
import type { Timers } from './timers.js';

/**
 * What a runtime runs on, chosen once at construction: its clock and timers, its run
 * queue and its source of randomness (backoff jitter). Only otp-ts/testing's
 * `TestRuntime` gives one (a virtual clock, a seeded run queue); every other runtime
 * runs on Node.js's timers, the {@link Scheduler} and `Math.random`.
 * @internal
 */
export interface RuntimeEngine {
  timers(onError: (error: unknown) => void): Timers;
  scheduler(budget: number, onError: (error: unknown) => void): RunQueue;
  random(): number;
}

/**
 * Options of `new Runtime(...)`.
 *
 * @example
 * ```ts
 * const rt = new Runtime({ name: 'app', logger: console, budget: 100 });
 * ```
 */
export interface RuntimeOptions {
  /** A name for the runtime, for logs. @defaultValue a random `otp-…` id */
  name?: string;
  /**
   * The node's name, `name@host`, which makes the runtime a node that other nodes can
   * reach (`startPeer`, `connect`). @defaultValue `'nonode@nohost'`: not distributed
   */
  node?: string;
  /**
   * The node's incarnation, carried by its pids: a pid of an earlier incarnation of a
   * node of the same name is dead. @defaultValue a random number from 1 to 2^32 - 1
   */
  creation?: number;
  /** Where reports go; `false` silences them. @defaultValue a logger writing to stderr */
  logger?: Logger | false;
  /**
   * How messages travel: `'share'` passes each by reference (the receiver must treat
   * it as immutable); `'copy'` gives the receiver a copy, as a BEAM process would see
   * it: every message, call request, reply and `Sys.getState` result. See
   * `registerMessageClass` for what a copy keeps. @defaultValue 'share'
   */
  messages?: 'share' | 'copy';
  /** How many messages a process handles per turn before the next process runs. @defaultValue 200 */
  budget?: number;
  /**
   * Emit `'mailbox_overflow'` (and log a warning) when a mailbox reaches this many
   * messages, once per crossing. @defaultValue 10000
   */
  mailboxWarning?: number;
  /** The clock, run queue and randomness to run on (otp-ts/testing). @internal */
  engine?: RuntimeEngine;
}

/**
 * Options of `rt.start` and `GenServer.startLink`.
 *
 * @example
 * ```ts
 * await rt.start(Store, store, { name: 'Test1', timeout: 1000 });
 * ```
 */
export interface StartOptions {
  /** Register the process under this name before `init` runs. */
  name?: Name;
  /** How long `init` may take, in ms. @defaultValue 5000 */
  timeout?: number;
  /**
   * The node to start it on, for a behaviour named by a {@link BehaviourRef}
   * `{ module, export }` (a class itself cannot travel). @defaultValue this node
   */
  node?: string;
}

/**
 * What `rt.info(pid)` tells about a live process.
 *
 * @example
 * ```ts
 * const { messageQueueLen, links } = rt.info(pid) ?? {};
 * ```
 */
export interface ProcessInfo {
  /** The process. */
  pid: Pid;
  /** Its registered name, or `undefined`. */
  name: Name | undefined;
  /** `'runnable'` in the run queue, `'waiting'` for a message, `'running'` otherwise. */
  status: 'running' | 'runnable' | 'waiting';
  /** How many messages wait in its mailbox. */
  messageQueueLen: number;
  /** The processes linked to it. */
  links: Pid[];
  /** The processes this one monitors, one entry per monitor set. */
  monitors: Pid[];
  /** The processes that monitor this one, one entry per monitor. */
  monitoredBy: Pid[];
  /** Whether it traps exits. */
  trapExit: boolean;
  /** How many messages it has taken from its mailbox so far. */
  messagesHandled: number;
  /** `'GenServer'`, `'Supervisor'`... or `undefined` for a raw process. */
  behaviour: string | undefined;
}

/**
 * The runtime's events, with their arguments.
 *
 * @example
 * ```ts
 * rt.on('restart', (sup, id, reason, oldPid, newPid) => console.log(id, String(newPid)));
 * ```
 */
export interface RuntimeEvents {
  /** A process was created. */
  spawn: [pid: Pid];
  /** A process ended, with its exit reason. */
  exit: [pid: Pid, reason: ExitReason];
  /** A process ended abnormally by itself; the report also goes to the logger. */
  crash: [report: CrashReport];
  /** A supervisor restarted a child. */
  restart: [
    supervisor: Pid,
    id: unknown,
    reason: ExitReason,
    oldPid: Pid | undefined,
    newPid: Pid | undefined,
  ];
  /** A mailbox reached `mailboxWarning` messages. */
  mailbox_overflow: [pid: Pid, messageQueueLen: number];
  /** A connection to another node came up. */
  nodeup: [node: string];
  /** A connection to another node was lost (`reason` `'noconnection'`). */
  nodedown: [node: string, reason: ExitReason];
}

/** Any behaviour class that `rt.start` accepts: GenServer, Supervisor and their subclasses. */
export type BehaviourClass = abstract new () => { init(arg: never): unknown };

/**
 * The argument `init` of a behaviour class takes.
 *
 * @example
 * ```ts
 * type A = InitArg<typeof Counter>; // number
 * ```
 */
export type InitArg<B> = B extends abstract new () => infer I
  ? I extends { init(...args: infer P): unknown }
    ? // An init that takes no argument accepts none: only `undefined` may be passed.
      P extends []
      ? undefined
      : unknown extends P[0]
        ? I extends {
            /** What the class's `init` takes when it says `unknown`. */
            readonly [defaultInitArg]?: infer D;
          }
          ? D
          : P[0]
        : P[0]
    : undefined
  : never;

/**
 * Where a behaviour class whose `init` takes `unknown` names the argument it really
 * takes. `Supervisor`'s `init` takes `unknown` so that a subclass may declare any
 * argument (`init(arg: { n: number })`), yet `rt.start(Supervisor, spec)` must check
 * `spec`: its `[defaultInitArg]` says `SupervisorSpec`. A subclass that declares its own
 * `init` argument is checked against that instead.
 *
 * @example
 * ```ts
 * class Pool extends GenServer {
 *   declare readonly [defaultInitArg]?: { size: number };
 * }
 * type A = InitArg<typeof Pool>; // { size: number }
 * ```
 */
export const defaultInitArg: unique symbol = Symbol('otp-ts.defaultInitArg');

/**
 * The static method by which a behaviour class starts itself: `rt.start(Class, arg,
 * opts)` calls `Class[startBehaviour](rt, arg, opts)`. A symbol the core defines and
 * the behaviours implement, so the core starts any behaviour without importing one.
 * @internal
 */
export const startBehaviour: unique symbol = Symbol('otp-ts.startBehaviour');

/** Whether `value` is a {@link BehaviourRef} `{ module, export }`. @internal */
export function isBehaviourRef(value: unknown): value is BehaviourRef {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { module?: unknown }).module === 'string' &&
    typeof (value as { export?: unknown }).export === 'string'
  );
}
