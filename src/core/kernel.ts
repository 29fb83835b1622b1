/**
 * The kernel: the one list of what behaviours may use from the core. Behaviours
 * (src/behaviours/) import this file and the public types, nothing else under
 * src/core/; lint checks it. Everything here is internal to the package.
 *
 * What it offers, as OTP's behaviours get it from the runtime system and proc_lib:
 * spawning a process that runs a handler per message; delivering to a process;
 * linking, monitoring and exiting on a process's behalf; watching a process's exit
 * without a mailbox (the call protocol's monitor); the runtime's timers, refs, name
 * resolution, logger and events.
 */
import type { Logger } from '../logger.js';
import type { Dest, ExitReason, Name } from '../types.js';
import type { CallTimeouts } from './call-timeouts.js';
import type { HandlerProcess } from './handler-process.js';
import { exitSignal, link, unlinkPid } from './links.js';
import type { Pid, Ref } from './pid.js';
import type { MessageHandler, Process, ViaTable } from './process.js';
import type { NodeService } from './remote.js';
import type { Runtime, Self } from './runtime.js';
import type { RuntimeEvents } from './runtime-types.js';
import { processOfSelf as processOfHandle, type SpawnOptions } from './self.js';
import type { ExitWatcher } from './signals.js';
import type { TimerEntry, Timers } from './timers.js';
import type { Trace, TraceEvent, TraceEventKind } from './trace.js';

export type { Epoch, TimedCall, WatchingCall } from './call-timeouts.js';
export { copyMessage, registeredClass, registeredClassOf, shareProtocolClass } from './copy.js';
export { dynamicImport } from './dynamic-import.js';
export { HandlerProcess } from './handler-process.js';
export { assertDest, assertName, isRemoteName, isViaName, type ViaTable } from './names.js';
export { LOCAL_NODE, Pid, Ref } from './pid.js';
export { type CrashContext, type MessageHandler, Process, ProcessState } from './process.js';
export {
  type DistributionOptions,
  type DistributionTlsOptions,
  type NodeRouter,
  type NodeService,
  type Peer,
  type PeerOptions,
  provideNodeLayer,
  type RemoteEntry,
} from './remote.js';
export { Runtime, Self } from './runtime.js';
export { importBehaviour } from './runtime-start.js';
export {
  type BehaviourClass,
  defaultInitArg,
  type InitArg,
  isBehaviourRef,
  type RuntimeEngine,
  type RuntimeOptions,
  type StartOptions,
  startBehaviour,
} from './runtime-types.js';
export type { Runnable, RunQueue } from './scheduler.js';
export { assertPid, type SpawnOptions } from './self.js';
export {
  attachWatcher,
  Down,
  detachWatcher,
  Exit,
  type ExitWatcher,
  isNormalExit,
  type ListedWatcher,
  NodeDown,
  Timeout,
} from './signals.js';
export { BitBinary, ImproperList, OpaqueTerm, Tuple } from './terms.js';
export { type TimerEntry, Timers } from './timers.js';
export type { Trace, TraceEvent, TraceEventKind } from './trace.js';
export { isInstance, isThenable, prototypeOf } from './values.js';

/**
 * Starts a process that runs `handler` once per message, registered under
 * `opts.name` and linked to `opts.link` before it takes any message.
 * @throws AlreadyRegisteredError when the name is taken; TypeError for bad options.
 */
export function spawnHandler(
  runtime: Runtime,
  handler: MessageHandler,
  opts: SpawnOptions | undefined,
  operation: string,
): HandlerProcess {
  return runtime.spawnHandler(handler, opts, operation);
}

/** The `Self` a behaviour's process acts through (a GenServer's `this.self`). */
export function selfOf(runtime: Runtime, proc: Process): Self {
  return runtime.selfOf(proc);
}

/** The process record behind a process's own `Self`. */
export function processOfSelf(self: Self): Process {
  return processOfHandle(self);
}

/** The live process of `runtime` that `pid` names, if any. */
export function localProcess(runtime: Runtime, pid: Pid): Process | undefined {
  return runtime.processOf(pid);
}

/**
 * The live process behind `dest` (a pid or a name), if any.
 * @throws TypeError when `dest` is neither, or names a via registry that is not one.
 */
export function lookup(
  runtime: Runtime,
  dest: Dest,
  operation: string,
  argument = 'dest',
): Process | undefined {
  return runtime.resolveProcess(dest, operation, argument);
}

/** Ends `proc` with `reason`; `selfInflicted` exits get a crash report when abnormal. */
export function exitProcess(proc: Process, reason: ExitReason, selfInflicted: boolean): void {
  proc.host.terminate(proc, reason, selfInflicted);
}

/**
 * The node layer of `runtime` when `dest` names a process of another node (a pid of
 * another node, or a `{ name, node }` of another node); `undefined` otherwise.
 */
export function remoteRouter(runtime: Runtime, dest: unknown): NodeService<Process> | undefined {
  return runtime.isRemote(dest) ? runtime.router : undefined;
}

/** The exit signal `exit/2` from `from`, on a local process. */
export function exitSignalTo(
  target: Process,
  from: Pid,
  reason: ExitReason,
  viaLink: boolean,
): void {
  exitSignal(target, from, reason, viaLink);
}

/** Whether `pid` is a pid of another node than `runtime`'s. */
export function isRemotePid(runtime: Runtime, pid: Pid): boolean {
  return pid.node !== runtime.node;
}

/**
 * The exit reason of `pid`, once it exits: of a local process (`'noproc'` if dead), or
 * of a process of another node through the node layer.
 */
export function awaitExitOf(runtime: Runtime, pid: Pid): Promise<ExitReason> {
  if (pid.node !== runtime.node && runtime.router !== undefined)
    return runtime.router.awaitExit(pid);
  return runtime.awaitExit(pid);
}

/** Links `proc` to `pid` on its behalf (a dead `pid` sends it `'noproc'`). */
export function linkOnBehalf(runtime: Runtime, proc: Process, pid: Pid): void {
  link(proc, runtime.processOf(pid), pid);
}

/** Removes the link between `proc` and `pid`, if any. */
export function unlinkOnBehalf(runtime: Runtime, proc: Process, pid: Pid): void {
  unlinkPid(proc, runtime.processOf(pid), pid);
}

/** Calls `watcher.down` when `proc` exits; the watch lasts until then. */
export function watchExit(runtime: Runtime, proc: Process, watcher: ExitWatcher): Ref {
  const ref = runtime.makeRef();
  (proc.more().monitoredBy ??= new Map()).set(ref, watcher);
  return ref;
}

/** Attaches a Registry's table to its process, for `{ via, key }` names. */
export function setViaTable(proc: Process, table: ViaTable): void {
  proc.more().viaTable = table;
}

/** A new ref of `runtime`. */
export function makeRef(runtime: Runtime): Ref {
  return runtime.makeRef();
}

/** The pid exit signals from outside any process come from (`<0.0.0>`). */
export function rootPid(runtime: Runtime): Pid {
  return runtime.rootPid;
}

/** Arms a one-shot timer on the runtime's timer heap. */
export function addTimer(runtime: Runtime, entry: TimerEntry): void {
  runtime.timers.add(entry);
}

/** Cancels a timer armed by {@link addTimer}. */
export function cancelTimer(runtime: Runtime, entry: TimerEntry): void {
  runtime.timers.cancel(entry);
}

/** The runtime's timer heap, for code that batches its own timers (call timeouts). */
export function timersOf(runtime: Runtime): Timers {
  return runtime.timers;
}

/** The runtime's call timeouts: where a call or a task await starts its timeout. */
export function callTimeouts(runtime: Runtime): CallTimeouts {
  return runtime.callTimeouts;
}

/** The runtime's clock, in ms (the one its timers run on). */
export function now(runtime: Runtime): number {
  return runtime.timers.now();
}

/** The runtime's source of randomness in [0, 1): `Math.random`, or a seeded one in a TestRuntime. */
export function randomOf(runtime: Runtime): () => number {
  return runtime.random;
}

/** The runtime's logger. */
export function loggerOf(runtime: Runtime): Logger {
  return runtime.logger;
}

/** Whether reports go nowhere (`logger: false`), so callers can skip formatting them. */
export function isQuiet(runtime: Runtime): boolean {
  return runtime.quiet;
}

/** Emits a runtime event; a listener that throws is reported, never rethrown. */
export function emit<E extends keyof RuntimeEvents>(
  runtime: Runtime,
  event: E,
  ...args: RuntimeEvents[E]
): void {
  runtime.emitSafely(event, ...args);
}

/** The name the process of `self` holds, if any. */
export function nameOf(self: Self): Name | undefined {
  return processOfHandle(self).name;
}

/**
 * Whether `runtime` copies messages (`messages: 'copy'`): then what a behaviour sends
 * goes through {@link copyMessage}, which throws a TypeError naming what cannot be
 * copied and where.
 */
export function copiesMessages(runtime: Runtime): boolean {
  return runtime.copying;
}

/** The traced `proc` sent `message` to `dest` (test `proc.traced` first: it is the cheap part). */
export function traceSend(runtime: Runtime, proc: Process, dest: Dest, message: unknown): void {
  runtime.traceSend(proc, dest, message);
}

/** The traced `proc` called `dest` with `request` (test `proc.traced` first). */
export function traceCall(runtime: Runtime, proc: Process, dest: Dest, request: unknown): void {
  runtime.traceCall(proc, dest, request);
}

/**
 * Traces `proc`'s events of the kinds given, handing each to `listener` as it comes,
 * until the trace is stopped or the process exits (for `Sys.trace`).
 */
export function traceProcess(
  runtime: Runtime,
  proc: Process,
  events: readonly TraceEventKind[],
  listener: (event: TraceEvent) => void,
): Trace {
  return runtime.traceWith(proc, events, listener);
}

/**
 * Calls `fn` for every live process of `runtime`, oldest first, without making an
 * array of them (the observer reads 100,000 processes a second this way). `fn` must
 * not spawn or end processes.
 */
export function eachProcess(runtime: Runtime, fn: (proc: Process) => void): void {
  runtime.table.forEach(fn);
}
