import type { Pid } from './core/pid.js';
import { describeDest, describeValue } from './describe.js';

/**
 * The base of every error otp-ts throws or rejects with (besides the standard
 * `TypeError` and `RangeError` for arguments of the wrong type or range).
 *
 * @example
 * ```ts
 * try { await GenServer.call(rt, 'nobody', 'ping'); }
 * catch (e) { if (e instanceof OtpError) console.log(e.name, e.message); }
 * ```
 */
export class OtpError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * A `GenServer.call` (or another request to a process) that got no reply.
 * `reason` is `'noproc'`, `'timeout'`, `'calling_self'`, or the exit reason of the
 * server when it died during the call.
 *
 * @example
 * ```ts
 * try { await GenServer.call(rt, pid, 'crash'); }
 * catch (e) { if (e instanceof CallError) console.log(e.reason); }
 * ```
 */
export class CallError extends OtpError {
  /** Why no reply came. */
  readonly reason: unknown;
  /** The destination the call was made to. */
  readonly dest: unknown;
  constructor(message: string, reason: unknown, dest?: unknown, options?: { cause?: unknown }) {
    super(message, options);
    this.reason = reason;
    this.dest = dest;
  }
}

/**
 * The destination does not exist: a dead pid or a name nobody holds.
 *
 * @example
 * ```ts
 * await expect(GenServer.call(rt, 'Nobody', 'x')).rejects.toBeInstanceOf(NoProcError);
 * ```
 */
export class NoProcError extends CallError {
  constructor(operation: string, dest: unknown) {
    super(
      `${operation} to ${describeDest(dest)} failed: no process is alive ${
        typeof dest === 'string' || (typeof dest === 'object' && dest !== null && 'via' in dest)
          ? 'under that name'
          : 'with that pid'
      } (noproc)`,
      'noproc',
      dest,
    );
  }
}

/**
 * A call that got no reply within its timeout. A reply that arrives later is dropped.
 *
 * @example
 * ```ts
 * await expect(GenServer.call(rt, slow, 'x', 100)).rejects.toBeInstanceOf(CallTimeoutError);
 * ```
 */
export class CallTimeoutError extends CallError {
  /** The timeout that passed, in ms. */
  readonly timeout: number;
  constructor(operation: string, dest: unknown, timeout: number) {
    super(`${operation} to ${describeDest(dest)} timed out after ${timeout} ms`, 'timeout', dest);
    this.timeout = timeout;
  }
}

/**
 * Starting a process under a name that another live process already holds.
 * `pid` is the holder.
 *
 * @example
 * ```ts
 * try { await rt.start(Store, s, { name: 'Test1' }); }
 * catch (e) { if (e instanceof AlreadyStartedError) console.log('running as', String(e.pid)); }
 * ```
 */
export class AlreadyStartedError extends OtpError {
  /** The process that holds the name. */
  readonly pid: Pid;
  /** The name the start asked for. */
  readonly processName: unknown;
  constructor(name: unknown, pid: Pid) {
    super(`cannot start a process as ${describeDest(name)}: already started as ${pid}`);
    this.pid = pid;
    this.processName = name;
  }
}

/**
 * Registering a name (or a unique Registry key) that is taken. `pid` is the holder.
 *
 * @example
 * ```ts
 * try { rt.register('db', pid); } catch (e) { if (e instanceof AlreadyRegisteredError) e.pid; }
 * ```
 */
export class AlreadyRegisteredError extends OtpError {
  /** The process that holds the name or key. */
  readonly pid: Pid;
  /** The name or Registry key that is taken. */
  readonly key: unknown;
  /**
   * @param message - the whole message, when the key is free but the process cannot
   * take it (it already has a name).
   */
  constructor(what: string, key: unknown, pid: Pid, message?: string) {
    super(message ?? `${what}: ${describeValue(key)} is already registered to ${pid}`);
    this.pid = pid;
    this.key = key;
  }
}

/**
 * A process that failed to start: its `init` threw, returned `stop(reason)`,
 * returned `ignore()` (reason `'ignore'`), or outlived its start timeout. From a
 * supervisor, `childId` names the child that failed.
 *
 * @example
 * ```ts
 * try { await rt.start(Broken, null); }
 * catch (e) { if (e instanceof StartError) console.log(e.reason, e.childId); }
 * ```
 */
export class StartError extends OtpError {
  /**
   * Why the start failed: what `init` threw, the reason it gave `stop`, `'ignore'`,
   * `'timeout'`, or the exit reason of a process that died during `init`.
   */
  readonly reason: unknown;
  /** The id of the child that failed, when a supervisor started it; otherwise `undefined`. */
  readonly childId: unknown;
  constructor(message: string, reason: unknown, childId?: unknown, options?: { cause?: unknown }) {
    super(message, options);
    this.reason = reason;
    this.childId = childId;
  }
}

/**
 * A child spec (or supervisor flags) with a missing, duplicate or malformed field.
 * `field` names the field; `childId` the child when it has one.
 *
 * @example
 * ```ts
 * await expect(rt.start(Supervisor, { children: [{ start: [W, 1] }] }))
 *   .rejects.toBeInstanceOf(InvalidChildSpecError);
 * ```
 */
export class InvalidChildSpecError extends OtpError {
  /** The field at fault, e.g. `'id'`, `'start'`, `'restart'` or `'strategy'`. */
  readonly field: string;
  /** The id of the child whose spec is at fault, when it has one. */
  readonly childId: unknown;
  constructor(message: string, field: string, childId?: unknown) {
    super(message);
    this.field = field;
    this.childId = childId;
  }
}

/**
 * Misuse of a supervisor's child management. `reason` is OTP's word:
 * `'already_present'`, `'already_started'` (with `pid`), `'running'`,
 * `'restarting'` or `'not_found'`.
 *
 * @example
 * ```ts
 * try { await Supervisor.deleteChild(rt, sup, 'worker'); }
 * catch (e) { if (e instanceof SupervisorError && e.reason === 'running') { } }
 * ```
 */
export class SupervisorError extends OtpError {
  /** OTP's word for what went wrong. */
  readonly reason: 'already_present' | 'already_started' | 'running' | 'restarting' | 'not_found';
  /** The running child, with `'already_started'`; otherwise `undefined`. */
  readonly pid: Pid | undefined;
  constructor(message: string, reason: SupervisorError['reason'], pid?: Pid) {
    super(message);
    this.reason = reason;
    this.pid = pid;
  }
}

/**
 * A `DynamicSupervisor.startChild` refused because the supervisor already runs
 * `maxChildren` children.
 *
 * @example
 * ```ts
 * await expect(DynamicSupervisor.startChild(rt, sup, spec)).rejects.toBeInstanceOf(MaxChildrenError);
 * ```
 */
export class MaxChildrenError extends OtpError {
  /** The supervisor's `maxChildren` limit. */
  readonly maxChildren: number;
  constructor(supervisor: unknown, maxChildren: number) {
    super(
      `DynamicSupervisor.startChild on ${describeDest(supervisor)} refused: it already runs maxChildren (${maxChildren}) children`,
    );
    this.maxChildren = maxChildren;
  }
}

/**
 * A task that gave no result: `reason` is its exit reason when it ended without one,
 * or `'timeout'` when the wait for it passed first (the task itself keeps running).
 *
 * @example
 * ```ts
 * const task = Task.async(rt, async () => { throw new Error('boom'); });
 * try { await Task.await(task); }
 * catch (e) { if (e instanceof TaskError) console.log(e.reason); } // Error: boom
 * ```
 */
export class TaskError extends OtpError {
  /** Why no result came: the task's exit reason, or `'timeout'`. */
  readonly reason: unknown;
  /** The task's pid. */
  readonly pid: unknown;
  constructor(message: string, reason: unknown, pid: unknown, options?: { cause?: unknown }) {
    super(message, options);
    this.reason = reason;
    this.pid = pid;
  }
}

/**
 * An operation on a node that could not be done: `reason` is `'not_alive'` (the
 * runtime has no node name), `'noconnection'` (the node cannot be reached or went
 * down), `'not_allowed'`, `'timeout'`... and `node` the node it concerned.
 *
 * @example
 * ```ts
 * try { await rt.start({ module: url, export: 'Worker' }, arg, { node: 'gone@localhost' }); }
 * catch (e) { if (e instanceof NodeError) console.log(e.node, e.reason); } // noconnection
 * ```
 */
export class NodeError extends OtpError {
  /** The node the operation concerned. */
  readonly node: string;
  /** Why it failed: `'not_alive'`, `'noconnection'`, `'not_allowed'`, `'timeout'`... */
  readonly reason: string;
  constructor(message: string, node: string, reason: string, options?: { cause?: unknown }) {
    super(message, options);
    this.node = node;
    this.reason = reason;
  }
}
