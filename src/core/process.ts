import type { ExitReason, Name } from '../types.js';
import type { Mailbox } from './mailbox.js';
import { bindRecord, type Pid, type Ref, recordOf } from './pid.js';
import type { NodeRouter, RemoteEntry } from './remote.js';
import type { ProcessInfo } from './runtime-types.js';
import type { Runnable, RunQueue } from './scheduler.js';
import type { ExitWatcher, ListedWatcher } from './signals.js';
import type { Timers } from './timers.js';

/**
 * Where a process is in its life. One field says it, for both kinds of process:
 *
 * - `Starting`: a raw process whose body has not run yet.
 * - `Running`: a raw body between receives (perhaps awaiting I/O), or a handler
 *   handling a message synchronously.
 * - `Waiting`: waiting for a message: a raw process in `receive`, or an idle handler.
 * - `Blocked`: a handler's async step is pending; it takes no message meanwhile.
 * - `Exiting`: it has ended; its exit (links, monitors, name) is being completed.
 * - `Dead`: gone; its pid reaches nothing.
 * @internal
 */
export const ProcessState = {
  Starting: 0,
  Running: 1,
  Waiting: 2,
  Blocked: 3,
  Exiting: 4,
  Dead: 5,
} as const;

/** @internal */
export type ProcessState = (typeof ProcessState)[keyof typeof ProcessState];

/**
 * What a process record needs from the runtime it lives in. The runtime implements
 * it; an interface rather than the class, so the record does not depend on the runtime.
 * @internal
 */
export interface Host {
  readonly scheduler: RunQueue;
  readonly timers: Timers;
  readonly mailboxWarning: number;
  /** The node layer, for a runtime with a node name: links and monitors across nodes. */
  readonly router: NodeRouter<Process> | undefined;
  /** Ends `proc` with `reason`; `selfInflicted` exits get a crash report when abnormal. */
  terminate(proc: Process, reason: ExitReason, selfInflicted: boolean): void;
  /** A mailbox reached the warning threshold. */
  mailboxOverflow(proc: Process): void;
  /** A message arrived at a traced process (`proc.traced`). */
  traceReceive(proc: Process, message: unknown): void;
  /** A link was made or removed between two processes, one of them traced. */
  traceLink(proc: Process, other: Process, linked: boolean): void;
}

/**
 * What a handler-driven process runs per message: a behaviour's engine. An object,
 * not a closure, so an idle server carries no closure and no context for it.
 * @internal
 */
export interface MessageHandler {
  /** The behaviour it runs (`'GenServer'`, `'Supervisor'`...), for `info` and reports. */
  readonly behaviour?: string;
  /** Handles one message; a promise blocks the process until it settles. */
  handle(message: unknown): undefined | PromiseLike<unknown>;
  /**
   * Handles one tagged message (a behaviour's most frequent request: a GenServer's
   * cast), delivered with `deliverTagged` at no allocation. Optional: a handler
   * without it gets no tagged message.
   */
  handleTagged?(payload: unknown): undefined | PromiseLike<unknown>;
  /** What a crash report adds about the process, when it ends abnormally by itself. */
  reportContext?(): CrashContext;
}

/** What a behaviour adds to crash reports. @internal */
export type CrashContext = { lastMessage?: unknown; state?: unknown };

/**
 * The table behind a `{ via, key }` name: a Registry attaches one to its process.
 * @internal
 */
export interface ViaTable {
  whereis(key: unknown): Process | undefined;
  /** Registers `proc` under `key`; throws AlreadyRegisteredError when the key is taken. */
  registerName(key: unknown, proc: Process): void;
  unregisterName(key: unknown, proc: Process): void;
}

/**
 * The parts of a process record only some processes need, made on first use: most
 * processes never link, monitor or get a name, and an idle process is mostly its record.
 * @internal
 */
export class Extras {
  /** Processes linked to this one. */
  links: Set<Process> | undefined = undefined;
  /** Monitors this process set: ref → target. */
  monitors: Map<Ref, Process> | undefined = undefined;
  /** Monitors on this process: ref → the watching process, or an internal watcher. */
  monitoredBy: Map<Ref, Process | ExitWatcher> | undefined = undefined;
  /** The process that started it linked (its parent, as in proc_lib). */
  parent: Pid | undefined = undefined;
  /** When the process is a Registry: its table, for `{ via, key }` names. */
  viaTable: ViaTable | undefined = undefined;
  /** Behind `self.signal`, made when first asked for; aborted when the process ends. */
  abort: AbortController | undefined = undefined;
  /** Its links and monitors across nodes, kept by the node layer. */
  remote: RemoteEntry | undefined = undefined;
}

/**
 * The runtime's record of one process: everything the runtime knows of it. Internal:
 * a pid only names it, and the process's own `Self` is the one handle that acts on it.
 * Two kinds extend it: a raw process runs a body that receives its messages itself; a
 * handler-driven process (every behaviour) runs its handler once per message.
 * @internal
 */
export abstract class Process implements Runnable {
  readonly pid: Pid;
  readonly host: Host;
  state: ProcessState;
  /** In the scheduler's run queue (at most once). */
  queued = false;
  trapping = false;
  /** Where it sits in the runtime's process table. */
  slot = -1;
  /** Messages taken from the mailbox so far (info's `messagesHandled`). */
  handled = 0;
  /** Messages it sent so far (`Sys.statistics`'s `messagesOut`). */
  sent = 0;
  /**
   * A trace follows this process (`rt.trace` on it, or on `'all'`): its hot paths test
   * this one field, so that no trace running costs one well-predicted branch.
   */
  traced = false;
  /** Made on the first message that has to wait. */
  mailbox: Mailbox | undefined = undefined;
  /** The name this process holds, if any. */
  name: Name | undefined = undefined;
  /**
   * Internal watchers in an O(1) list: pending calls to this process and the
   * registries it is in. Here rather than in the extras: a process that takes a call
   * would otherwise make its extras for this alone.
   */
  listed: ListedWatcher | undefined = undefined;
  extras: Extras | undefined = undefined;

  constructor(pid: Pid, host: Host, state: ProcessState) {
    this.pid = pid;
    this.host = host;
    this.state = state;
  }

  get alive(): boolean {
    return this.state < ProcessState.Exiting;
  }

  /** The extras, made on first use. */
  more(): Extras {
    if (this.extras === undefined) this.extras = new Extras();
    return this.extras;
  }

  get parent(): Pid | undefined {
    return this.extras?.parent;
  }

  get messageQueueLen(): number {
    return this.mailbox === undefined ? 0 : this.mailbox.size;
  }

  /** info's `status`. */
  get status(): 'running' | 'runnable' | 'waiting' {
    if (this.queued) return 'runnable';
    return this.state === ProcessState.Waiting ? 'waiting' : 'running';
  }

  /**
   * A signal that aborts, with the exit reason, when the process ends (its controller
   * is made here, on first use). For a process that has ended already, an aborted
   * signal whose reason is `'noproc'`.
   */
  signal(): AbortSignal {
    if (!this.alive) return AbortSignal.abort('noproc');
    const extras = this.more();
    extras.abort ??= new AbortController();
    return extras.abort.signal;
  }

  /** Makes `pid` reach this record; done once the process is in the runtime's tables. */
  bind(): void {
    bindRecord(this.pid, this);
  }

  /** Puts a message in the mailbox and wakes the process if it waits for one. */
  abstract deliver(message: unknown): void;

  /** Runs the process for one turn of at most `budget` messages. */
  abstract run(budget: number): void;

  /** The behaviour running in the process, for `info` and reports. */
  get behaviour(): string | undefined {
    return undefined;
  }

  /** What a crash report adds about the process; may throw, as it runs user code. */
  crashContext(): CrashContext | undefined {
    return undefined;
  }

  /**
   * Lets go of everything the process held, once it has ended: the pid may be kept
   * for long after, and must keep nothing of it.
   */
  release(): void {
    bindRecord(this.pid, undefined);
    this.mailbox = undefined;
    this.extras = undefined;
    this.state = ProcessState.Dead;
  }
}

/**
 * The live process `pid` names, or `undefined` once it has exited. Every record is
 * made by a subclass of {@link Process} in this folder and bound by its own `bind`,
 * so the private slot of a pid only ever holds a `Process`.
 * @internal
 */
export function processOf(pid: Pid): Process | undefined {
  return recordOf(pid) as Process | undefined;
}

/** What `rt.info` tells of a live process. @internal */
export function processInfo(proc: Process): ProcessInfo {
  const extras = proc.extras;
  const monitoredBy: Pid[] = [];
  for (const watcher of extras?.monitoredBy?.values() ?? [])
    if (watcher instanceof Process) monitoredBy.push(watcher.pid);
  const remote = extras?.remote;
  return {
    pid: proc.pid,
    name: proc.name,
    status: proc.status,
    messageQueueLen: proc.messageQueueLen,
    links: [...(extras?.links ?? [])].map((p) => p.pid).concat(remote?.linkedPids() ?? []),
    monitors: [...(extras?.monitors?.values() ?? [])]
      .map((p) => p.pid)
      .concat(remote?.monitoredPids() ?? []),
    monitoredBy,
    trapExit: proc.trapping,
    messagesHandled: proc.handled,
    behaviour: proc.behaviour,
  };
}
