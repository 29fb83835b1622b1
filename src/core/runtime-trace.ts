import { NoProcError } from '../errors.js';
import type { Dest, Name } from '../types.js';
import type { Pid } from './pid.js';
import type { Process } from './process.js';
import type { ProcessTable } from './process-table.js';
import type { RuntimeEvents } from './runtime-types.js';
import {
  type CheckedTraceOptions,
  checkTraceOptions,
  type Trace,
  type TraceEvent,
  type TraceOptions,
  Tracer,
  type TracerHost,
} from './trace.js';

type RestartListener = (...args: RuntimeEvents['restart']) => void;

/** What tracing needs from the runtime. @internal */
export interface TraceHost {
  /** The runtime's tracer while a trace runs, which the hot paths test. */
  tracer: Tracer | undefined;
  readonly rootPid: Pid;
  readonly table: ProcessTable;
  processOf(pid: Pid): Process | undefined;
  resolveProcess(dest: Dest, operation: string, argument?: string): Process | undefined;
  on(event: 'restart', listener: RestartListener): unknown;
  off(event: 'restart', listener: RestartListener): unknown;
}

/** `rt.trace`. @internal */
export function trace(
  host: TraceHost,
  target: Pid | Name | 'all',
  opts: TraceOptions | undefined,
): Trace {
  const checked = checkTraceOptions(opts);
  let proc: Process | 'all';
  if (target === 'all') {
    proc = 'all';
  } else {
    const found = host.resolveProcess(target, 'trace', 'target');
    if (found === undefined) throw new NoProcError('trace', target);
    proc = found;
  }
  return startTrace(host, proc, checked);
}

/** `rt.traceWith`: a trace with no limit, whose events go to `listener`. @internal */
export function traceWith(
  host: TraceHost,
  proc: Process,
  events: TraceOptions['events'],
  listener: (event: TraceEvent) => void,
): Trace {
  const checked = checkTraceOptions({ events, limit: Number.POSITIVE_INFINITY });
  return startTrace(host, proc, checked, listener);
}

function startTrace(
  host: TraceHost,
  proc: Process | 'all',
  checked: CheckedTraceOptions,
  listener?: (event: TraceEvent) => void,
): Trace {
  host.tracer ??= new Tracer(tracerHost(host));
  return host.tracer.start(proc, checked, listener);
}

/**
 * What a new tracer needs of `host`. One per tracer: a tracer stops watching restarts
 * before it reports itself idle, so the listener it added is the one it removes.
 */
function tracerHost(host: TraceHost): TracerHost {
  const onRestart: RestartListener = (supervisor, id, reason, oldPid, newPid) => {
    host.tracer?.restarted(supervisor, id, reason, oldPid, newPid);
  };
  return {
    rootPid: host.rootPid,
    processOf: (pid) => host.processOf(pid),
    eachProcess: (fn) => host.table.forEach(fn),
    tracerIdle: () => {
      host.tracer = undefined;
    },
    watchRestarts: (on) => {
      if (on) host.on('restart', onRestart);
      else host.off('restart', onRestart);
    },
  };
}
