import { describeValue } from '../describe.js';
import { type CrashReport, formatCrashReport } from '../logger.js';
import type { ExitReason } from '../types.js';
import { type CrashContext, Self } from './process.js';
import type { ProcessTable } from './process-table.js';
import type { Runtime } from './runtime.js';
import { Down, isNormalExit } from './signals.js';

/**
 * Completes the exit of `proc` with `reason`: frees its name, takes it out of
 * the process table, sends exit signals along its links, `Down` messages to its
 * monitors and calls internal watchers, then reports a crash if it ended abnormally
 * by itself. Runtime.terminate calls it in a loop, never recursively.
 * @internal
 */
export function finalizeExit(
  runtime: Runtime,
  procs: ProcessTable,
  proc: Self,
  reason: ExitReason,
): void {
  const { pid } = proc;
  const { name, behaviour } = proc;
  let context: CrashContext | undefined;
  if (proc.selfInflicted && !isNormalExit(reason)) {
    try {
      context = proc.crashContext();
    } catch (error) {
      context = { state: `<the state could not be read: ${describeValue(error, 200)}>` };
    }
  }
  proc.release();
  try {
    runtime.names.release(proc);
  } catch (error) {
    runtime.logger.error(`otp-ts: releasing the name of ${pid} failed:`, error);
  }
  procs.remove(proc);
  pid.proc = undefined;
  proc.viaTable = undefined;
  const links = proc.links;
  if (links !== undefined) {
    proc.links = undefined;
    for (const other of links) {
      other.links?.delete(proc);
      runtime.exitSignal(other, pid, reason, true);
    }
  }
  const monitors = proc.monitors;
  if (monitors !== undefined) {
    proc.monitors = undefined;
    for (const [ref, target] of monitors) target.monitoredBy?.delete(ref);
  }
  const watchers = proc.monitoredBy;
  if (watchers !== undefined) {
    proc.monitoredBy = undefined;
    for (const [ref, watcher] of watchers) {
      if (watcher instanceof Self) {
        watcher.monitors?.delete(ref);
        watcher.deliver(new Down(ref, pid, reason));
      } else {
        try {
          watcher.down(ref, pid, reason);
        } catch (error) {
          runtime.logger.error(`otp-ts: an exit watcher of ${pid} failed:`, error);
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
      runtime.logger.error(`otp-ts: an exit watcher of ${pid} failed:`, error);
    }
  }
  proc.forget();
  if (proc.selfInflicted && !isNormalExit(reason)) {
    const report: CrashReport = { pid, name, reason, behaviour, ...context };
    try {
      runtime.logger.error(formatCrashReport(report));
    } catch {
      // A logger that throws must not stop the exit from completing.
    }
    runtime.emitSafely('crash', report);
  }
  runtime.emitSafely('exit', pid, reason);
}
