import type { ExitReason } from '../types.js';
import type { Pid, Ref } from './pid.js';
import type { Process } from './process.js';
import { Down, Exit } from './signals.js';
import { isInstance } from './values.js';

// Links, monitors and exit signals between process records, exactly as in Erlang.

/**
 * Applies an exit signal from `from` to `target`: a process that does not trap
 * exits dies with `reason` (unless it is `'normal'`); one that traps gets an
 * {@link Exit} message. `'kill'` sent directly (not through a link) cannot be
 * trapped and ends the process with `'killed'`.
 * @internal
 */
export function exitSignal(target: Process, from: Pid, reason: ExitReason, viaLink: boolean): void {
  if (!target.alive) return;
  if (reason === 'kill' && !viaLink) {
    target.host.terminate(target, 'killed', false);
  } else if (target.trapping) {
    target.deliver(new Exit(from, reason));
  } else if (reason !== 'normal' || from === target.pid) {
    // As in Erlang, `exit(self(), normal)` ends the calling process.
    target.host.terminate(target, reason, false);
  }
}

/**
 * Links `proc` to the process `pid` names (`other`, or `undefined` when it is dead
 * or of another runtime): a dead one sends `'noproc'` to `proc`, as in Erlang. A pid
 * of another node goes to the node layer, which links across.
 * @internal
 */
export function link(proc: Process, other: Process | undefined, pid: Pid): void {
  if (other === undefined || other.host !== proc.host || !other.alive) {
    const router = proc.host.router;
    if (router !== undefined && pid.node !== proc.pid.node) router.link(proc, pid);
    else exitSignal(proc, pid, 'noproc', true);
    return;
  }
  if (other === proc) return;
  const mine = proc.more();
  const theirs = other.more();
  (mine.links ??= new Set()).add(other);
  (theirs.links ??= new Set()).add(proc);
  if (proc.traced || other.traced) proc.host.traceLink(proc, other, true);
}

/** Removes the link between two processes, if any. @internal */
export function unlink(proc: Process, other: Process): void {
  const had = proc.extras?.links?.delete(other) === true;
  other.extras?.links?.delete(proc);
  if (had && (proc.traced || other.traced)) proc.host.traceLink(proc, other, false);
}

/** Removes the link between `proc` and `pid`, a live local process or one of another node. @internal */
export function unlinkPid(proc: Process, other: Process | undefined, pid: Pid): void {
  if (other !== undefined) unlink(proc, other);
  else if (pid.node !== proc.pid.node) proc.host.router?.unlink(proc, pid);
}

/** `watcher` monitors `target` under `ref`. @internal */
export function monitor(watcher: Process, target: Process, ref: Ref): void {
  (watcher.more().monitors ??= new Map()).set(ref, target);
  (target.more().monitoredBy ??= new Map()).set(ref, watcher);
}

/**
 * Removes the monitor `ref` that `watcher` set; with `flush`, also its `Down` message
 * if it already came. Returns whether the monitor was active.
 * @internal
 */
export function demonitor(watcher: Process, ref: Ref, flush: boolean): boolean {
  const monitors = watcher.extras?.monitors;
  const target = monitors?.get(ref);
  let active = false;
  if (target !== undefined) {
    monitors!.delete(ref);
    target.extras?.monitoredBy?.delete(ref);
    active = true;
  } else if (watcher.extras?.remote !== undefined) {
    // Perhaps a monitor across nodes: the node layer keeps those.
    active = watcher.host.router?.demonitor(watcher, ref) ?? false;
  }
  if (flush && watcher.mailbox !== undefined) {
    watcher.mailbox.removeAll((m) => isInstance(m, Down) && m.ref === ref);
  }
  return active;
}
