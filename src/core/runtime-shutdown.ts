import { describeValue } from '../describe.js';
import type { ExitReason } from '../types.js';
import { exitSignal } from './links.js';
import type { Pid } from './pid.js';
import type { Process } from './process.js';
import type { ProcessTable } from './process-table.js';
import type { NodeService } from './remote.js';
import type { RunQueue } from './scheduler.js';
import type { TimerEntry, Timers } from './timers.js';
import type { Tracer } from './trace.js';

const DEFAULT_SHUTDOWN_TIMEOUT = 5_000;

/** What a shutdown needs from the runtime. @internal */
export interface ShutdownHost {
  readonly rootPid: Pid;
  readonly table: ProcessTable;
  readonly timers: Timers;
  readonly scheduler: RunQueue;
  readonly router: NodeService<Process> | undefined;
  readonly tracer: Tracer | undefined;
  processOf(pid: Pid): Process | undefined;
  awaitExit(pid: Pid): Promise<ExitReason>;
  terminate(proc: Process, reason: ExitReason, selfInflicted: boolean): void;
}

/**
 * The `timeout` of `rt.shutdown(opts)`.
 * @throws TypeError or RangeError when it is not a number >= 0.
 * @internal
 */
export function shutdownTimeout(opts: { timeout?: number } | undefined): number {
  const timeout = opts?.timeout ?? DEFAULT_SHUTDOWN_TIMEOUT;
  if (typeof timeout !== 'number' || Number.isNaN(timeout) || timeout < 0) {
    throw new (typeof timeout === 'number' ? RangeError : TypeError)(
      `shutdown: expected \`timeout\` to be a number >= 0, got ${describeValue(timeout, 100)}`,
    );
  }
  return timeout;
}

/**
 * Stops every process of `host` as `rt.shutdown` documents, then its node layer,
 * timers and scheduler. `stopped` runs just before the timers stop: the runtime clears
 * what only it holds (its `sendAfter` timers, its "shut down" flag) there.
 * @internal
 */
export async function stopAll(
  host: ShutdownHost,
  timeout: number,
  onError: (error: unknown) => void,
  stopped: () => void,
): Promise<void> {
  const roots = host.table
    .toArray()
    .filter((p) => p.parent === undefined || host.processOf(p.parent) === undefined)
    .reverse();
  const exits = roots.map((p) => host.awaitExit(p.pid));
  for (const proc of roots) exitSignal(proc, host.rootPid, 'shutdown', false);
  // On the runtime's own timers, so that a virtual clock (otp-ts/testing) runs it too.
  let timer: TimerEntry | undefined;
  await Promise.race([
    Promise.all(exits),
    new Promise((resolve) => {
      if (timeout === Number.POSITIVE_INFINITY) return;
      timer = { deadline: host.timers.now() + timeout, cancelled: false, fire: resolve };
      host.timers.add(timer);
    }),
  ]);
  if (timer !== undefined) host.timers.cancel(timer);
  for (const proc of host.table.toArray().reverse()) host.terminate(proc, 'killed', false);
  host.tracer?.endAll('shutdown');
  try {
    await host.router?.shutdown();
  } catch (error) {
    onError(error);
  }
  stopped();
  host.timers.stop();
  host.scheduler.stop();
}
