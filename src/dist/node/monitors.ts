import {
  cancelTimer,
  Down,
  makeRef,
  Pid,
  type Process,
  type Ref,
  type Runtime,
  type TimerEntry,
} from '../../core/kernel.js';
import { describeDest, describeReasonBriefly } from '../../describe.js';
import { CallError, NoProcError } from '../../errors.js';
import type { ExitReason, RemoteName } from '../../types.js';
import type { Connection } from './connection.js';
import { NO_PID, Op } from './ops.js';
import type { Pids } from './pids.js';
import { type Entry, entryFor, entryOf } from './remote-entry.js';

// Monitors across nodes: those this node's processes set on processes of other nodes
// (MONITOR_P out, and their DEMONITOR_P and MONITOR_P_EXIT), and those other nodes set
// on ours (in). A call to another node is a monitor too, as gen:call's is: its owner is
// the pending call, which the monitor's firing fails, and so is `awaitExit`'s wait.

/**
 * A pending call to a process of another node; its timeout is an entry of the
 * runtime's timer heap (one Node.js timer for every call in flight). @internal
 */
export class PendingCall implements TimerEntry {
  readonly kind = 'call' as const;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
  readonly dest: Pid | RemoteName;
  readonly operation: string;
  deadline = Number.POSITIVE_INFINITY;
  cancelled = false;
  /** Set when the call has a timeout: what its expiry does. */
  expire: (() => void) | undefined = undefined;

  constructor(
    resolve: (value: unknown) => void,
    reject: (error: unknown) => void,
    dest: Pid | RemoteName,
    operation: string,
  ) {
    this.resolve = resolve;
    this.reject = reject;
    this.dest = dest;
    this.operation = operation;
  }

  fire(): void {
    this.expire?.();
  }
}

/** Internal code waiting for a process of another node to exit (`awaitExit`). @internal */
export interface ExitWait {
  readonly kind: 'wait';
  resolve(reason: ExitReason): void;
}

/** A monitor this node set on a process of another node, by a process or for a call. @internal */
export interface OutMonitor {
  readonly owner: Process | PendingCall | ExitWait;
  readonly ref: Ref;
  readonly target: Pid | RemoteName;
  readonly conn: Connection;
}

/** The monitors of a node layer across its connections. @internal */
export class RemoteMonitors {
  readonly #runtime: Runtime;
  readonly #node: string;
  readonly #pids: Pids;
  /** Monitors on other nodes (a process's, or a call's), by ref id. */
  readonly #out = new Map<number, OutMonitor>();

  constructor(runtime: Runtime, pids: Pids) {
    this.#runtime = runtime;
    this.#node = runtime.node;
    this.#pids = pids;
  }

  /** `proc` monitors `to` under `ref`, over `conn` (`undefined`: `to`'s node cannot be reached). */
  monitor(proc: Process, to: Pid | RemoteName, ref: Ref, conn: Connection | undefined): void {
    if (conn === undefined) {
      proc.deliver(new Down(ref, to, 'noconnection'));
      return;
    }
    if (to instanceof Pid && conn.stale(to)) {
      proc.deliver(new Down(ref, to, 'noproc'));
      return;
    }
    entryFor(proc).monitors.add(ref.id);
    this.#out.set(ref.id, { owner: proc, ref, target: to, conn });
    this.#pids.exportPid(proc.pid);
    if (to instanceof Pid) conn.push(Op.MONITOR_P, proc.pid.id, to.id, to.creation, ref.id);
    else conn.push(Op.MONITOR_P, proc.pid.id, to.name, 0, ref.id);
  }

  demonitor(proc: Process, ref: Ref): boolean {
    const monitor = this.#out.get(ref.id);
    if (monitor === undefined || monitor.owner !== proc || ref.node !== this.#node) return false;
    this.#out.delete(ref.id);
    entryOf(proc)?.monitors.delete(ref.id);
    monitor.conn.push(Op.DEMONITOR_P, ref.id);
    return true;
  }

  /** The exit reason of `pid`, once it exits, over `conn` (`undefined`: its node cannot be reached). */
  awaitExit(pid: Pid, conn: Connection | undefined): Promise<ExitReason> {
    if (conn === undefined) return Promise.resolve('noconnection');
    if (conn.stale(pid)) return Promise.resolve('noproc');
    return new Promise((resolve) => {
      const ref = makeRef(this.#runtime);
      this.#out.set(ref.id, { owner: { kind: 'wait', resolve }, ref, target: pid, conn });
      conn.push(Op.MONITOR_P, NO_PID, pid.id, pid.creation, ref.id);
    });
  }

  /** Sets a call's monitor (the call sends its MONITOR_P itself). */
  watch(monitor: OutMonitor): void {
    this.#out.set(monitor.ref.id, monitor);
  }

  /** Removes the monitor `refId` of ours; whether it was still set. */
  forget(refId: number): boolean {
    return this.#out.delete(refId);
  }

  /** The call whose monitor is `refId`, its monitor removed: its reply came. */
  takeCall(refId: number): PendingCall | undefined {
    const monitor = this.#out.get(refId);
    if (monitor === undefined || !isCall(monitor.owner)) return undefined;
    this.#out.delete(refId);
    return monitor.owner;
  }

  // ---- what comes from other nodes: the fields of one control message, b[i]... ----

  /** MONITOR_P: fromId, to (id or name), toCreation, refId. */
  onMonitor(conn: Connection, b: unknown[], i: number): void {
    const to = b[i + 1];
    const proc =
      typeof to === 'string'
        ? this.#pids.named(to)
        : this.#pids.local(to as number, b[i + 2] as number);
    const refId = b[i + 3] as number;
    if (proc === undefined) {
      conn.push(Op.MONITOR_P_EXIT, refId, conn.codec.encodeReason('noproc'));
      return;
    }
    const entry = entryFor(proc);
    let refs = entry.monitoredBy.get(conn);
    if (refs === undefined) {
      refs = new Set();
      entry.monitoredBy.set(conn, refs);
    }
    refs.add(refId);
    conn.inMonitors.set(refId, proc);
  }

  /** MONITOR_P_EXIT: refId, reason. */
  onMonitorExit(conn: Connection, b: unknown[], i: number): void {
    const monitor = this.#out.get(b[i] as number);
    if (monitor === undefined) return;
    this.#out.delete(b[i] as number);
    this.#fired(monitor, conn.codec.decodeReason(b[i + 1]));
  }

  /** Removes the monitor `refId` that `conn`'s node set on one of our processes. */
  dropIn(conn: Connection, refId: number): void {
    const proc = conn.inMonitors.get(refId);
    if (proc === undefined) return;
    conn.inMonitors.delete(refId);
    const entry = entryOf(proc);
    const refs = entry?.monitoredBy.get(conn);
    refs?.delete(refId);
    if (refs?.size === 0) entry?.monitoredBy.delete(conn);
  }

  // ---- a connection lost, a local process exited ----

  /** `conn` is gone: the monitors its node set on ours end, ours on it fire `'noconnection'`. */
  lost(conn: Connection): void {
    for (const [refId, proc] of conn.inMonitors) {
      entryOf(proc)?.monitoredBy.delete(conn);
      conn.inMonitors.delete(refId);
    }
    for (const [refId, monitor] of this.#out) {
      if (monitor.conn !== conn) continue;
      this.#out.delete(refId);
      this.#fired(monitor, 'noconnection');
    }
  }

  /**
   * The local process of `entry` exited: its monitors on other nodes end, and those
   * other nodes set on it fire. `wireReason` gives its reason in a connection's wire form.
   */
  exited(entry: Entry, wireReason: (conn: Connection) => unknown): void {
    for (const refId of entry.monitors) {
      const monitor = this.#out.get(refId);
      if (monitor === undefined) continue;
      this.#out.delete(refId);
      monitor.conn.push(Op.DEMONITOR_P, refId);
    }
    for (const [conn, refs] of entry.monitoredBy) {
      for (const refId of refs) {
        conn.inMonitors.delete(refId);
        conn.push(Op.MONITOR_P_EXIT, refId, wireReason(conn));
      }
    }
  }

  /** A monitor on another node fired (its target exited, or the connection was lost). */
  #fired(monitor: OutMonitor, reason: ExitReason): void {
    const owner = monitor.owner;
    if (isWait(owner)) {
      owner.resolve(reason);
      return;
    }
    if (isCall(owner)) {
      if (owner.expire !== undefined) cancelTimer(this.#runtime, owner);
      const { dest, operation } = owner;
      if (reason === 'noproc') owner.reject(new NoProcError(operation, dest));
      else {
        owner.reject(
          new CallError(
            reason === 'noconnection'
              ? `${operation} to ${describeDest(dest)} failed: the connection to node ${dest.node} was lost (noconnection)`
              : `${operation} to ${describeDest(dest)} failed: the server exited with reason ${describeReasonBriefly(reason)}`,
            reason,
            dest,
            { cause: reason },
          ),
        );
      }
      return;
    }
    entryOf(owner)?.monitors.delete(monitor.ref.id);
    owner.deliver(new Down(monitor.ref, monitor.target, reason));
  }
}

function isCall(owner: Process | PendingCall | ExitWait): owner is PendingCall {
  return (owner as Partial<PendingCall>).kind === 'call';
}

function isWait(owner: Process | PendingCall | ExitWait): owner is ExitWait {
  return (owner as Partial<ExitWait>).kind === 'wait';
}
