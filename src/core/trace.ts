import { describeValue } from '../describe.js';
import type { Dest, ExitReason } from '../types.js';
import type { Pid } from './pid.js';
import type { Process } from './process.js';

/**
 * The kinds of event a trace can follow: `opts.events` of `rt.trace`.
 *
 * @example
 * ```ts
 * const kinds: TraceEventKind[] = ['receive', 'exit'];
 * rt.trace(pid, { events: kinds });
 * ```
 */
export type TraceEventKind = 'send' | 'receive' | 'call' | 'spawn' | 'exit' | 'link' | 'restart';

/** What every trace event has. */
interface TraceEventBase {
  /** The process the event is about: the one that sent, received, called, spawned, exited... */
  pid: Pid;
  /** When it happened: `Date.now()`, in ms. */
  at: number;
}

/**
 * The traced process sent a message (`self.send`, a cast, or a server's reply).
 * @example
 * ```ts
 * if (event.type === 'send') console.log(`${event.pid} -> ${String(event.to)}`, event.message);
 * ```
 */
export interface TraceSendEvent extends TraceEventBase {
  /** The kind of event. */
  type: 'send';
  /** Where it went: a pid or a name, as the sender gave it. */
  to: Dest;
  /** What was sent (a cast's request; a reply's value). */
  message: unknown;
}

/**
 * A message arrived in the traced process's mailbox (a cast to a server arrives as its request).
 * @example
 * ```ts
 * if (event.type === 'receive') console.log(`${event.pid} got`, event.message);
 * ```
 */
export interface TraceReceiveEvent extends TraceEventBase {
  /** The kind of event. */
  type: 'receive';
  /** The message, as it sits in the mailbox. */
  message: unknown;
}

/**
 * The traced process made a call (`GenServer.call`, `Sys`...).
 * @example
 * ```ts
 * if (event.type === 'call') console.log(`${event.pid} calls`, event.dest, event.request);
 * ```
 */
export interface TraceCallEvent extends TraceEventBase {
  /** The kind of event. */
  type: 'call';
  /** The server called. */
  dest: Dest;
  /** The request. */
  request: unknown;
}

/**
 * The traced process spawned another; `pid` is the runtime's `<0.0.0>` for a process
 * spawned from outside any process.
 * @example
 * ```ts
 * if (event.type === 'spawn') console.log(`${event.pid} spawned ${event.child}`);
 * ```
 */
export interface TraceSpawnEvent extends TraceEventBase {
  /** The kind of event. */
  type: 'spawn';
  /** The new process. */
  child: Pid;
}

/**
 * The traced process ended.
 * @example
 * ```ts
 * if (event.type === 'exit') console.log(`${event.pid} exited`, event.reason);
 * ```
 */
export interface TraceExitEvent extends TraceEventBase {
  /** The kind of event. */
  type: 'exit';
  /** Its exit reason. */
  reason: ExitReason;
}

/**
 * The traced process was linked to, or unlinked from, another.
 * @example
 * ```ts
 * if (event.type === 'link') console.log(event.linked ? 'linked to' : 'unlinked from', event.other);
 * ```
 */
export interface TraceLinkEvent extends TraceEventBase {
  /** The kind of event. */
  type: 'link';
  /** The process at the other end. */
  other: Pid;
  /** `true` for a link, `false` for an unlink. */
  linked: boolean;
}

/**
 * The traced supervisor (`pid`) restarted a child.
 * @example
 * ```ts
 * if (event.type === 'restart') console.log(event.childId, `${event.oldPid} -> ${event.newPid}`);
 * ```
 */
export interface TraceRestartEvent extends TraceEventBase {
  /** The kind of event. */
  type: 'restart';
  /** The child's id in its supervisor. */
  childId: unknown;
  /** Why the old child ended. */
  reason: ExitReason;
  /** The child that ended, if it had a pid. */
  oldPid: Pid | undefined;
  /** The child started in its place, if it has a pid. */
  newPid: Pid | undefined;
}

/**
 * One event of a {@link Trace}: a union on `type`.
 *
 * @example
 * ```ts
 * for await (const event of rt.trace(pid)) {
 *   switch (event.type) {
 *     case 'receive': console.log('got', event.message); break;
 *     case 'exit': console.log('ended', event.reason); break;
 *     default: break;
 *   }
 * }
 * ```
 */
export type TraceEvent =
  | TraceSendEvent
  | TraceReceiveEvent
  | TraceCallEvent
  | TraceSpawnEvent
  | TraceExitEvent
  | TraceLinkEvent
  | TraceRestartEvent;

/**
 * Why a trace ended: `'stopped'` by `stop()`, `'limit'` after `opts.limit` events,
 * `'rate'` when events came faster than `opts.rate`, `'exit'` when its process
 * ended, `'shutdown'` when the runtime shut down.
 *
 * @example
 * ```ts
 * if (trace.endReason === 'rate') console.warn('the trace was too busy and stopped itself');
 * ```
 */
export type TraceEndReason = 'stopped' | 'limit' | 'rate' | 'exit' | 'shutdown';

/**
 * Options of `rt.trace`.
 *
 * @example
 * ```ts
 * rt.trace('store', { events: ['receive', 'send'], limit: 100, rate: { max: 50, ms: 1000 } });
 * ```
 */
export interface TraceOptions {
  /** The kinds of event to follow. @defaultValue every kind */
  events?: readonly TraceEventKind[];
  /** End the trace after this many events (a whole number >= 1, or Infinity). @defaultValue 1000 */
  limit?: number;
  /**
   * End the trace as soon as more than `max` events come within `ms` ms, as
   * recon_trace's `{Max, Time}` does, so that tracing a busy node cannot take it down.
   * @defaultValue no rate limit
   */
  rate?: {
    /** The most events allowed within `ms` (a whole number from 1 to 1,000,000). */
    max: number;
    /** The window, in ms. */
    ms: number;
  };
}

const KIND_BITS: Record<TraceEventKind, number> = {
  send: 1,
  receive: 2,
  call: 4,
  spawn: 8,
  exit: 16,
  link: 32,
  restart: 64,
};
const ALL_KINDS = 127;
const DEFAULT_LIMIT = 1_000;

/** What a trace's events wait in, read by one consumer at a time. */
type Waiter = (result: IteratorResult<TraceEvent>) => void;

/**
 * A running trace, from `rt.trace`: an `AsyncIterable` of {@link TraceEvent}s that
 * always ends by itself (after `limit` events, when events come faster than `rate`,
 * when its process exits, or at `stop()`), so a forgotten trace cannot burden a live
 * runtime. Events wait in the trace until read; at most `limit` of them.
 *
 * @example
 * ```ts
 * const trace = rt.trace(pid, { events: ['receive'], limit: 10 });
 * for await (const event of trace) console.log(event.type, event.message);
 * console.log(trace.endReason); // 'limit', 'exit', 'stopped'...
 * ```
 * @see {@link Runtime.trace}
 */
export class Trace implements AsyncIterable<TraceEvent> {
  /** What is traced: a pid, or `'all'`. */
  readonly target: Pid | 'all';
  /** @internal */ readonly mask: number;
  readonly #limit: number;
  readonly #rateMax: number;
  readonly #rateMs: number;
  /** The times of the last `rateMax` events, as a ring. */
  readonly #window: Float64Array | undefined;
  #windowNext = 0;
  #count = 0;
  #events: TraceEvent[] = [];
  #head = 0;
  #waiters: Waiter[] = [];
  #endReason: TraceEndReason | undefined = undefined;
  readonly #onEnd: (trace: Trace) => void;
  readonly #listener: ((event: TraceEvent) => void) | undefined;

  /** @internal */
  constructor(
    target: Pid | 'all',
    opts: CheckedTraceOptions,
    onEnd: (trace: Trace) => void,
    listener?: (event: TraceEvent) => void,
  ) {
    this.target = target;
    this.mask = opts.mask;
    this.#limit = opts.limit;
    this.#rateMax = opts.rateMax;
    this.#rateMs = opts.rateMs;
    this.#window = opts.rateMax > 0 ? new Float64Array(opts.rateMax) : undefined;
    this.#onEnd = onEnd;
    this.#listener = listener;
  }

  /** How many events the trace has taken so far. */
  get count(): number {
    return this.#count;
  }

  /** Why the trace ended, or `undefined` while it runs. */
  get endReason(): TraceEndReason | undefined {
    return this.#endReason;
  }

  /**
   * Ends the trace; events already taken can still be read. Harmless when it has ended.
   * @example
   * ```ts
   * trace.stop();
   * ```
   */
  stop(): void {
    this.end('stopped');
  }

  /** Ends the trace with `reason`, once. @internal */
  end(reason: TraceEndReason): void {
    if (this.#endReason !== undefined) return;
    this.#endReason = reason;
    this.#onEnd(this);
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) waiter({ done: true, value: undefined });
  }

  /** Takes one event (the tracer has checked its kind). @internal */
  push(event: TraceEvent): void {
    if (this.#endReason !== undefined) return;
    const window = this.#window;
    if (window !== undefined) {
      // The ring holds the last `rateMax` times; the slot about to be overwritten is the
      // oldest of them. One more event within `rateMs` of it is one too many.
      const oldest = window[this.#windowNext]!;
      if (this.#count >= this.#rateMax && event.at - oldest < this.#rateMs) {
        this.end('rate');
        return;
      }
      window[this.#windowNext] = event.at;
      this.#windowNext = (this.#windowNext + 1) % window.length;
    }
    this.#count++;
    if (this.#listener !== undefined) {
      this.#listener(event);
    } else {
      const waiter = this.#waiters.shift();
      if (waiter !== undefined) waiter({ done: false, value: event });
      else this.#events.push(event);
    }
    if (this.#count >= this.#limit) this.end('limit');
  }

  /**
   * The trace's events, in order; the iteration ends when the trace has ended and
   * every event taken has been read. Breaking out of a `for await` stops the trace.
   * @example
   * ```ts
   * for await (const event of rt.trace('store')) if (event.type === 'exit') break;
   * ```
   */
  [Symbol.asyncIterator](): AsyncIterator<TraceEvent> {
    return {
      next: () => {
        const events = this.#events;
        if (this.#head < events.length) {
          const value = events[this.#head++]!;
          if (this.#head === events.length) {
            this.#events = [];
            this.#head = 0;
          }
          return Promise.resolve({ done: false, value });
        }
        if (this.#endReason !== undefined) return Promise.resolve({ done: true, value: undefined });
        return new Promise((resolve) => this.#waiters.push(resolve));
      },
      return: () => {
        this.stop();
        return Promise.resolve({ done: true, value: undefined });
      },
    };
  }
}

/** Trace options, checked. @internal */
export interface CheckedTraceOptions {
  mask: number;
  limit: number;
  rateMax: number;
  rateMs: number;
}

/** Checks the options of `rt.trace`; throws TypeError or RangeError naming the bad one. @internal */
export function checkTraceOptions(opts: TraceOptions | undefined): CheckedTraceOptions {
  const checked: CheckedTraceOptions = {
    mask: ALL_KINDS,
    limit: DEFAULT_LIMIT,
    rateMax: 0,
    rateMs: 0,
  };
  if (opts === undefined) return checked;
  if (typeof opts !== 'object' || opts === null) {
    throw new TypeError(
      `trace: expected options { events?, limit?, rate? }, got ${describeValue(opts, 100)}`,
    );
  }
  if (opts.events !== undefined) {
    if (!Array.isArray(opts.events)) {
      throw new TypeError(
        `trace: expected \`opts.events\` to be an array of event kinds, got ${describeValue(opts.events, 100)}`,
      );
    }
    let mask = 0;
    for (const kind of opts.events as unknown[]) {
      const bit = typeof kind === 'string' ? KIND_BITS[kind as TraceEventKind] : undefined;
      if (bit === undefined || !Object.hasOwn(KIND_BITS, kind as string)) {
        throw new TypeError(
          `trace: expected each of \`opts.events\` to be one of ${Object.keys(KIND_BITS).join(', ')}, got ${describeValue(kind, 100)}`,
        );
      }
      mask |= bit;
    }
    checked.mask = mask;
  }
  if (opts.limit !== undefined) {
    const limit = opts.limit;
    if (
      typeof limit !== 'number' ||
      !(limit >= 1) ||
      (!Number.isInteger(limit) && limit !== Number.POSITIVE_INFINITY)
    ) {
      throw new (typeof limit === 'number' ? RangeError : TypeError)(
        `trace: expected \`opts.limit\` to be a whole number >= 1 or Infinity, got ${describeValue(limit, 100)}`,
      );
    }
    checked.limit = limit;
  }
  if (opts.rate !== undefined) {
    const rate = opts.rate as { max?: unknown; ms?: unknown } | null;
    if (typeof rate !== 'object' || rate === null) {
      throw new TypeError(
        `trace: expected \`opts.rate\` to be { max, ms }, got ${describeValue(rate, 100)}`,
      );
    }
    const { max, ms } = rate;
    if (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > 1_000_000) {
      throw new (typeof max === 'number' ? RangeError : TypeError)(
        `trace: expected \`opts.rate.max\` to be a whole number from 1 to 1000000, got ${describeValue(max, 100)}`,
      );
    }
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms <= 0) {
      throw new (typeof ms === 'number' ? RangeError : TypeError)(
        `trace: expected \`opts.rate.ms\` to be a finite number of ms > 0, got ${describeValue(ms, 100)}`,
      );
    }
    checked.rateMax = max;
    checked.rateMs = ms;
  }
  return checked;
}

/** What the tracer needs from its runtime. @internal */
export interface TracerHost {
  /** The pid of `<0.0.0>`: who spawns and sends from outside any process. */
  readonly rootPid: Pid;
  /** The live process `pid` names, if any. */
  processOf(pid: Pid): Process | undefined;
  /** Every live process, for a trace on `'all'`. */
  eachProcess(fn: (proc: Process) => void): void;
  /** The tracer has no trace left: the runtime drops it, and tracing costs nothing again. */
  tracerIdle(): void;
  /** Subscribes to, or unsubscribes from, supervisors' restarts. */
  watchRestarts(on: boolean): void;
}

/**
 * The runtime's traces while at least one runs: it marks the traced processes (the
 * `traced` flag their hot paths test) and hands each event to the traces it concerns.
 * The runtime makes one when the first trace starts and drops it when the last ends,
 * so a runtime with no trace pays one test of a field it has at hand.
 * @internal
 */
export class Tracer {
  readonly #host: TracerHost;
  /** Traces on `'all'`. */
  #all: Trace[] = [];
  /** Traces on one process, by its pid. */
  readonly #byPid = new Map<Pid, Trace[]>();
  #count = 0;
  /** Whether the tracer listens to the runtime's `'restart'` events. */
  #restarts = false;

  constructor(host: TracerHost) {
    this.#host = host;
  }

  /** Starts a trace on `proc`, or on every process. */
  start(
    target: Process | 'all',
    opts: CheckedTraceOptions,
    listener?: (event: TraceEvent) => void,
  ): Trace {
    const onEnd = (trace: Trace) => this.#ended(trace);
    if (target === 'all') {
      const trace = new Trace('all', opts, onEnd, listener);
      this.#all.push(trace);
      if (this.#all.length === 1) this.#host.eachProcess(markTraced);
      this.#added(trace);
      return trace;
    }
    const trace = new Trace(target.pid, opts, onEnd, listener);
    const list = this.#byPid.get(target.pid);
    if (list === undefined) this.#byPid.set(target.pid, [trace]);
    else list.push(trace);
    target.traced = true;
    this.#added(trace);
    return trace;
  }

  /** Ends every trace (the runtime shuts down). */
  endAll(reason: TraceEndReason): void {
    for (const trace of [...this.#all]) trace.end(reason);
    for (const list of [...this.#byPid.values()]) for (const trace of [...list]) trace.end(reason);
  }

  #added(trace: Trace): void {
    this.#count++;
    if ((trace.mask & KIND_BITS.restart) !== 0 && !this.#restarts) {
      this.#restarts = true;
      this.#host.watchRestarts(true);
    }
  }

  #ended(trace: Trace): void {
    if (trace.target === 'all') {
      const all = this.#all;
      all.splice(all.indexOf(trace), 1);
      if (all.length === 0) {
        const byPid = this.#byPid;
        this.#host.eachProcess((proc) => {
          proc.traced = byPid.has(proc.pid);
        });
      }
    } else {
      const list = this.#byPid.get(trace.target);
      if (list !== undefined) {
        list.splice(list.indexOf(trace), 1);
        if (list.length === 0) {
          this.#byPid.delete(trace.target);
          // A dead process needs nothing; a live one is still traced while 'all' is.
          const proc = this.#host.processOf(trace.target);
          if (proc !== undefined && this.#all.length === 0) proc.traced = false;
        }
      }
    }
    this.#count--;
    if (this.#count === 0) {
      if (this.#restarts) this.#host.watchRestarts(false);
      this.#restarts = false;
      this.#host.tracerIdle();
    }
  }

  /** Hands `event` to the traces on `'all'` and those on `pid` that follow its kind. */
  #emit(pid: Pid, bit: number, event: TraceEvent): void {
    for (const trace of this.#all) if ((trace.mask & bit) !== 0) trace.push(event);
    const list = this.#byPid.get(pid);
    if (list !== undefined) {
      for (const trace of [...list]) if ((trace.mask & bit) !== 0) trace.push(event);
    }
  }

  /** Whether any trace would take an event of kind `bit` about `pid`. */
  #wants(pid: Pid, bit: number): boolean {
    for (const trace of this.#all) if ((trace.mask & bit) !== 0) return true;
    const list = this.#byPid.get(pid);
    if (list !== undefined) for (const trace of list) if ((trace.mask & bit) !== 0) return true;
    return false;
  }

  /** A message arrived at the traced `proc`. */
  received(proc: Process, message: unknown): void {
    const pid = proc.pid;
    if (!this.#wants(pid, KIND_BITS.receive)) return;
    this.#emit(pid, KIND_BITS.receive, { type: 'receive', pid, at: Date.now(), message });
  }

  /** The traced `proc` sent `message` to `to`. */
  sent(proc: Process, to: Dest, message: unknown): void {
    const pid = proc.pid;
    if (!this.#wants(pid, KIND_BITS.send)) return;
    this.#emit(pid, KIND_BITS.send, { type: 'send', pid, at: Date.now(), to, message });
  }

  /** The traced `proc` called `dest`. */
  called(proc: Process, dest: Dest, request: unknown): void {
    const pid = proc.pid;
    if (!this.#wants(pid, KIND_BITS.call)) return;
    this.#emit(pid, KIND_BITS.call, { type: 'call', pid, at: Date.now(), dest, request });
  }

  /** `child` was spawned, by `spawner` when known: it is traced when `'all'` is. */
  spawned(child: Process, spawner: Process | undefined): void {
    if (this.#all.length > 0) child.traced = true;
    const pid = spawner?.pid ?? this.#host.rootPid;
    if (!this.#wants(pid, KIND_BITS.spawn)) return;
    this.#emit(pid, KIND_BITS.spawn, { type: 'spawn', pid, at: Date.now(), child: child.pid });
  }

  /** `proc` was linked to (or unlinked from) `other`; one of them is traced. */
  linked(proc: Process, other: Process, linked: boolean): void {
    const at = Date.now();
    const bit = KIND_BITS.link;
    if (this.#wants(proc.pid, bit)) {
      this.#emit(proc.pid, bit, { type: 'link', pid: proc.pid, at, other: other.pid, linked });
    }
    // The other end's own traces see it too; a trace on 'all' has seen it once already.
    const list = this.#byPid.get(other.pid);
    if (list !== undefined) {
      const event: TraceEvent = { type: 'link', pid: other.pid, at, other: proc.pid, linked };
      for (const trace of [...list]) if ((trace.mask & bit) !== 0) trace.push(event);
    }
  }

  /** `pid` ended: its exit is traced, and the traces on it end. */
  exited(pid: Pid, reason: ExitReason): void {
    const bit = KIND_BITS.exit;
    if (this.#wants(pid, bit)) this.#emit(pid, bit, { type: 'exit', pid, at: Date.now(), reason });
    const list = this.#byPid.get(pid);
    if (list !== undefined) for (const trace of [...list]) trace.end('exit');
  }

  /** The supervisor `pid` restarted a child. */
  restarted(
    pid: Pid,
    childId: unknown,
    reason: ExitReason,
    oldPid: Pid | undefined,
    newPid: Pid | undefined,
  ): void {
    const bit = KIND_BITS.restart;
    if (!this.#wants(pid, bit)) return;
    this.#emit(pid, bit, {
      type: 'restart',
      pid,
      at: Date.now(),
      childId,
      reason,
      oldPid,
      newPid,
    });
  }
}

function markTraced(proc: Process): void {
  proc.traced = true;
}
