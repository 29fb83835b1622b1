import { describeValue } from '../describe.js';
import { type CrashReport, formatCrashReport, type Logger } from '../logger.js';
import type { ExitReason } from '../types.js';
import { exitSignal } from './links.js';
import type { NameTable } from './names.js';
import type { Pid } from './pid.js';
import { type CrashContext, Process } from './process.js';
import type { ProcessTable } from './process-table.js';
import type { NodeRouter } from './remote.js';
import { Down, isNormalExit } from './signals.js';

/** What completing an exit needs from the runtime. @internal */
export interface ExitHost {
  readonly logger: Logger;
  readonly names: NameTable;
  readonly table: ProcessTable;
  /** The node layer, for links and monitors across nodes. */
  readonly router: NodeRouter<Process> | undefined;
  /** Emits `'crash'` or `'exit'` without ever throwing. */
  emitExit(pid: Process['pid'], reason: ExitReason): void;
  emitCrash(report: CrashReport): void;
}

/**
 * Aborts `self.signal` with the exit reason. Its listeners are user code (a `fetch`,
 * a stream, the user's own); one that throws is reported, and the exit goes on.
 */
function abortSafely(host: ExitHost, abort: AbortController, pid: Pid, reason: ExitReason): void {
  try {
    abort.abort(reason);
  } catch (error) {
    host.logger.error(`otp-ts: a listener of the signal of ${pid} threw:`, error);
  }
}

/**
 * Completes the exit of `proc` with `reason`: frees its name, takes it out of the
 * process table, sends exit signals along its links, `Down` messages to its monitors
 * and calls internal watchers, then reports a crash if it ended abnormally by itself
 * (`selfInflicted`). The runtime calls it in a loop, never recursively.
 * @internal
 */
export function finalizeExit(
  host: ExitHost,
  proc: Process,
  reason: ExitReason,
  selfInflicted: boolean,
): void {
  const { pid, name } = proc;
  const extras = proc.extras;
  const crashed = selfInflicted && !isNormalExit(reason);
  // Read only for a crash report: most exits need neither (and the getter differs
  // between the two kinds of process).
  let behaviour: string | undefined;
  let context: CrashContext | undefined;
  if (crashed) {
    behaviour = proc.behaviour;
    try {
      context = proc.crashContext();
    } catch (error) {
      context = { state: `<the state could not be read: ${describeValue(error, 200)}>` };
    }
  }
  try {
    host.names.release(proc);
  } catch (error) {
    host.logger.error(`otp-ts: releasing the name of ${pid} failed:`, error);
  }
  host.table.remove(proc);
  // The record lets go of everything (the pid reaches nothing from now on); what is
  // left to do works from the extras read above.
  proc.release();
  const links = extras?.links;
  if (links !== undefined) {
    for (const other of links) {
      other.extras?.links?.delete(proc);
      exitSignal(other, pid, reason, true);
    }
  }
  const monitors = extras?.monitors;
  if (monitors !== undefined) {
    for (const [ref, target] of monitors) target.extras?.monitoredBy?.delete(ref);
  }
  const watchers = extras?.monitoredBy;
  if (watchers !== undefined) {
    for (const [ref, watcher] of watchers) {
      if (watcher instanceof Process) {
        watcher.extras?.monitors?.delete(ref);
        watcher.deliver(new Down(ref, pid, reason));
      } else {
        try {
          watcher.down(ref, pid, reason);
        } catch (error) {
          host.logger.error(`otp-ts: an exit watcher of ${pid} failed:`, error);
        }
      }
    }
  }
  let listed = proc.listed;
  proc.listed = undefined;
  while (listed !== undefined) {
    const watcher = listed;
    listed = watcher.nextWatcher;
    watcher.prevWatcher = undefined;
    watcher.nextWatcher = undefined;
    watcher.watched = undefined;
    try {
      watcher.down(undefined, pid, reason);
    } catch (error) {
      host.logger.error(`otp-ts: an exit watcher of ${pid} failed:`, error);
    }
  }
  const remote = extras?.remote;
  if (remote !== undefined && !remote.empty) {
    try {
      host.router?.exited(pid, remote, reason);
    } catch (error) {
      host.logger.error(`otp-ts: signalling the exit of ${pid} to other nodes failed:`, error);
    }
  }
  const abort = extras?.abort;
  if (abort !== undefined) abortSafely(host, abort, pid, reason);
  if (crashed) {
    const report: CrashReport = { pid, name, reason, behaviour, ...context };
    try {
      host.logger.error(formatCrashReport(report));
    } catch {
      // A logger that throws must not stop the exit from completing.
    }
    host.emitCrash(report);
  }
  host.emitExit(pid, reason);
}
