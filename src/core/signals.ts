import type { ExitReason, Name, RemoteName } from '../types.js';
import type { Pid, Ref } from './pid.js';

/**
 * The symbol `receive` resolves with when its `timeout` passes first; GenServer
 * callbacks get it in `handleInfo` when their `timeout` option passes.
 *
 * @example
 * ```ts
 * const msg = await self.receive({ timeout: 100 });
 * if (msg === Timeout) console.log('nothing came');
 * ```
 */
export const Timeout: unique symbol = Symbol('Timeout');

/** The type of {@link Timeout}. */
export type Timeout = typeof Timeout;

/**
 * The message a process that traps exits receives instead of dying when a linked
 * process ends (or when someone calls `exit` on it). Check with `instanceof Exit`.
 *
 * @example
 * ```ts
 * self.trapExit(true);
 * const msg = await self.receive({ match: (m) => m instanceof Exit });
 * if (msg instanceof Exit) console.log(`${msg.from} ended with`, msg.reason);
 * ```
 */
export class Exit {
  /** Always `'EXIT'`, as the tag of Erlang's `{'EXIT', From, Reason}`. */
  readonly type = 'EXIT' as const;
  /** The process the signal came from (`<0.0.0>` when it came from `rt.exit`). */
  readonly from: Pid;
  /** Its exit reason. */
  readonly reason: ExitReason;

  /** @internal */
  constructor(from: Pid, reason: ExitReason) {
    this.from = from;
    this.reason = reason;
  }
}

/**
 * The message a monitor delivers, once, when the monitored process ends, or at once
 * with reason `'noproc'` when it was already dead. Check with `instanceof Down`.
 *
 * @example
 * ```ts
 * const ref = self.monitor(pid);
 * const down = await self.receive({ match: (m) => m instanceof Down && m.ref === ref });
 * ```
 */
export class Down {
  /** Always `'DOWN'`, as the tag of Erlang's `{'DOWN', Ref, process, Pid, Reason}`. */
  readonly type = 'DOWN' as const;
  /** The ref `monitor` returned. */
  readonly ref: Ref;
  /**
   * The monitored process, or the name that was monitored when no process held it;
   * a `{ name, node }` for a monitor set by that name, as Erlang's.
   */
  readonly pid: Pid | Name | RemoteName;
  /** Its exit reason. */
  readonly reason: ExitReason;

  /** @internal */
  constructor(ref: Ref, pid: Pid | Name | RemoteName, reason: ExitReason) {
    this.ref = ref;
    this.pid = pid;
    this.reason = reason;
  }
}

/**
 * The message a node monitor delivers (`self.monitorNode(node)`), once, when the
 * connection to that node is lost; also the `'nodedown'` event's reason comes with
 * it. Check with `instanceof NodeDown`. Erlang's `{nodedown, Node}`.
 *
 * @example
 * ```ts
 * self.monitorNode('worker1@localhost');
 * const msg = await self.receive({ match: (m) => m instanceof NodeDown });
 * ```
 */
export class NodeDown {
  /** Always `'NODEDOWN'`. */
  readonly type = 'NODEDOWN' as const;
  /** The node that went down. */
  readonly node: string;
  /** Why: `'noconnection'`, as in Erlang, whatever ended the connection. */
  readonly reason: ExitReason;

  /** @internal */
  constructor(node: string, reason: ExitReason) {
    this.node = node;
    this.reason = reason;
  }
}

/**
 * Internal code that wants to know when a process ends, without a mailbox: call
 * monitors, `awaitExit`, Registry cleanup. Called synchronously as the process exits.
 * @internal
 */
export interface ExitWatcher {
  down(ref: Ref | undefined, pid: Pid, reason: ExitReason): void;
}

/**
 * An exit watcher kept in an intrusive list on the process it watches: adding and
 * removing one is O(1) with no hashing and no allocation, which matters for the
 * one-per-call monitor of `GenServer.call`.
 * @internal
 */
export interface ListedWatcher extends ExitWatcher {
  prevWatcher: ListedWatcher | undefined;
  nextWatcher: ListedWatcher | undefined;
  watched: { listed: ListedWatcher | undefined } | undefined;
}

/** Adds `watcher` to the list of `proc`. @internal */
export function attachWatcher(
  proc: { listed: ListedWatcher | undefined },
  watcher: ListedWatcher,
): void {
  const head = proc.listed;
  watcher.watched = proc;
  watcher.prevWatcher = undefined;
  watcher.nextWatcher = head;
  if (head !== undefined) head.prevWatcher = watcher;
  proc.listed = watcher;
}

/** Removes `watcher` from the list it is on, if any. @internal */
export function detachWatcher(watcher: ListedWatcher): void {
  const proc = watcher.watched;
  if (proc === undefined) return;
  const { prevWatcher: prev, nextWatcher: next } = watcher;
  if (prev === undefined) proc.listed = next;
  else prev.nextWatcher = next;
  if (next !== undefined) next.prevWatcher = prev;
  watcher.prevWatcher = undefined;
  watcher.nextWatcher = undefined;
  watcher.watched = undefined;
}

/** The reason `proc` exits with, as `rt.awaitExit` gives it. @internal */
export function exitReasonOf(proc: { listed: ListedWatcher | undefined }): Promise<ExitReason> {
  return new Promise((resolve) => {
    const watcher: ListedWatcher = {
      prevWatcher: undefined,
      nextWatcher: undefined,
      watched: undefined,
      down: (_ref, _pid, reason) => resolve(reason),
    };
    attachWatcher(proc, watcher);
  });
}

/**
 * Whether an exit reason counts as a normal end: no crash report, no restart of a
 * transient child. As in OTP: `'normal'`, `'shutdown'` and `{ shutdown: x }`.
 *
 * @example
 * ```ts
 * isNormalExit('shutdown'); // true
 * isNormalExit(new Error('boom')); // false
 * ```
 */
export function isNormalExit(reason: ExitReason): boolean {
  if (reason === 'normal' || reason === 'shutdown') return true;
  if (typeof reason !== 'object' || reason === null) return false;
  try {
    return !(reason instanceof Error) && 'shutdown' in reason;
  } catch {
    // A reason that cannot be inspected (a Proxy that throws) is no normal end; and
    // this runs as a process exits, so it must not throw.
    return false;
  }
}
