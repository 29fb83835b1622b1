import {
  attachWatcher,
  detachWatcher,
  type ListedWatcher,
  localProcess,
  lookup,
  makeRef,
  Pid,
  type Process,
  processOfSelf,
  type Ref,
  Runtime,
  Self,
  type TimerEntry,
  type Timers,
  timersOf,
} from '../core/kernel.js';
import { describeDest, describeReasonBriefly, describeValue, safeMessage } from '../describe.js';
import { CallError, CallTimeoutError, NoProcError } from '../errors.js';
import type { Dest, ExitReason } from '../types.js';
import { CALL_TAG, SYSTEM_TAG, tagClass } from './tags.js';

/**
 * Who can make a call: the runtime itself (from outside any process), a process's
 * `self`, or a GenServer instance (`this` inside its callbacks).
 *
 * @example
 * ```ts
 * await GenServer.call(rt, 'counter', 'get');     // from outside
 * await GenServer.call(self, 'counter', 'get');   // from a process
 * await GenServer.call(this, 'counter', 'get');   // from a GenServer callback
 * ```
 */
export type Caller =
  | Runtime
  | Self
  | {
      /** The process context of a running GenServer. */
      readonly self: Self;
    };

/** The runtime and, when there is one, the calling process. @internal */
export interface CallerContext {
  runtime: Runtime;
  self: Self | undefined;
}

/** Resolves a {@link Caller}; throws TypeError naming the operation for anything else. @internal */
export function callerContext(
  caller: unknown,
  operation: string,
  argument = 'caller',
): CallerContext {
  const resolved = resolveCaller(caller, operation, argument);
  return resolved instanceof Runtime
    ? { runtime: resolved, self: undefined }
    : { runtime: resolved.runtime, self: resolved };
}

/**
 * The calling process, or the runtime for a caller outside any process: what
 * `callerContext` gives, without allocating on the hot paths of call and cast.
 * @internal
 */
export function resolveCaller(
  caller: unknown,
  operation: string,
  argument = 'caller',
): Runtime | Self {
  if (caller instanceof Runtime || caller instanceof Self) return caller;
  if (typeof caller === 'object' && caller !== null && 'self' in caller) {
    let self: unknown;
    try {
      self = (caller as { self: unknown }).self;
    } catch (error) {
      throw new TypeError(
        `${operation}: \`${argument}\` is a GenServer that is not running (${safeMessage(error)})`,
      );
    }
    if (self instanceof Self) return self;
  }
  throw new TypeError(
    `${operation}: expected \`${argument}\` to be a Runtime, a process's self, or a running GenServer, got ${describeValue(caller, 100)}`,
  );
}

/** Checks a call timeout: a number >= 0, or Infinity. @internal */
export function assertTimeout(
  timeout: unknown,
  operation: string,
  argument = 'timeout',
): asserts timeout is number {
  if (typeof timeout !== 'number' || Number.isNaN(timeout) || timeout < 0) {
    // As everywhere: TypeError for the wrong type, RangeError for a number out of range.
    throw new (typeof timeout === 'number' ? RangeError : TypeError)(
      `${operation}: expected \`${argument}\` to be a number of ms >= 0 or Infinity, got ${describeValue(timeout, 100)}`,
    );
  }
}

/**
 * A call in flight, as the server sees it: pass it to `GenServer.reply` to answer
 * later. `pid` is the caller (`undefined` when the call came from outside any
 * process); `ref` names the call.
 *
 * The same object is the message in the server's mailbox, the monitor on the server
 * and the call's entry in its runtime's call timeouts, so a call costs one
 * allocation besides its promise.
 *
 * @example
 * ```ts
 * handleCall(req, from, state) { setTimeout(() => GenServer.reply(from, 'later'), 10); return noreply(state); }
 * ```
 */
export class From<R = unknown> implements ListedWatcher {
  /** The calling process, or `undefined` for a call from outside any process. */
  readonly pid: Pid | undefined;
  /** @internal */ readonly request: unknown;
  // `unknown`, not R: R appears only in `settle`, so a From<number> is a From<unknown>.
  #resolve: ((value: unknown) => void) | undefined = undefined;
  #reject: ((error: unknown) => void) | undefined = undefined;
  readonly #runtime: Runtime;
  #ref: Ref | undefined = undefined;
  /** @internal */ prevWatcher: ListedWatcher | undefined = undefined;
  /** @internal */ nextWatcher: ListedWatcher | undefined = undefined;
  /** @internal */ watched: { listed: ListedWatcher | undefined } | undefined = undefined;
  readonly #dest: Dest;
  readonly #operation: string;
  /** When the call was made, for its timeout; `undefined` for a call without one. */
  #epoch: Epoch | undefined = undefined;

  /** @internal */
  constructor(
    runtime: Runtime,
    pid: Pid | undefined,
    request: unknown,
    dest: Dest,
    operation: string,
  ) {
    this.#runtime = runtime;
    this.pid = pid;
    this.request = request;
    this.#dest = dest;
    this.#operation = operation;
  }

  /** The call's reference, made on first use: most calls never need one. */
  get ref(): Ref {
    this.#ref ??= makeRef(this.#runtime);
    return this.#ref;
  }

  /** Whether the caller still waits for a reply. */
  get pending(): boolean {
    return this.#resolve !== undefined;
  }

  /**
   * Sends the call to `target`, watching it and starting the timeout; returns the
   * promise of the reply. @internal
   */
  send(target: Process, timeout: number): Promise<unknown> {
    const promise = new Promise<unknown>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    attachWatcher(target, this);
    if (timeout !== Number.POSITIVE_INFINITY) {
      this.#epoch = callTimeouts(this.#runtime).add(this, timeout);
    }
    target.deliver(this);
    return promise;
  }

  /** Answers the call; a second answer, or one after the timeout, is dropped. @internal */
  settle(value: R): void {
    const resolve = this.#resolve;
    if (resolve === undefined) return;
    this.#finish();
    resolve(value);
  }

  /** Fails the call. @internal */
  fail(error: unknown): void {
    const reject = this.#reject;
    if (reject === undefined) return;
    this.#finish();
    reject(error);
  }

  /** The timeout passed. @internal */
  timedOut(timeout: number): void {
    this.fail(new CallTimeoutError(this.#operation, this.#dest, timeout));
  }

  /** When the call was made (a stamp read after it), or NaN before the stamp. @internal */
  get startedBy(): number {
    return this.#epoch === undefined ? Number.NaN : this.#epoch.stamp;
  }

  /** The server exited before answering. @internal */
  down(_ref: Ref | undefined, _pid: Pid, reason: ExitReason): void {
    if (reason === 'noproc') {
      this.fail(new NoProcError(this.#operation, this.#dest));
    } else {
      this.fail(
        new CallError(
          `${this.#operation} to ${describeDest(this.#dest)} failed: the server exited with reason ${describeReasonBriefly(reason)}`,
          reason,
          this.#dest,
          { cause: reason },
        ),
      );
    }
  }

  #finish(): void {
    this.#resolve = undefined;
    this.#reject = undefined;
    const epoch = this.#epoch;
    if (epoch !== undefined) epoch.owner.done();
    detachWatcher(this);
  }
}

/**
 * A `Sys` request: a call the server answers itself, whatever its callbacks (and
 * even while suspended). Its own class, with its own tag, so the server tells it from
 * a call with no flag on every call. @internal
 */
export class SystemRequest extends From {}

tagClass(From, CALL_TAG);
tagClass(SystemRequest, SYSTEM_TAG);

/**
 * The calls of one runtime made since its call timeouts last read the clock. Their
 * timeouts count from `stamp`, read by the first macrotask after them: a call costs
 * no clock read (about 45 ns, a fifth of a whole call), and a timeout can only start
 * late, by at most the rest of the event-loop turn the call was made in, never early.
 */
class Epoch {
  /** When the calls were made, at the latest; NaN until the stamp is read. */
  stamp = Number.NaN;
  constructor(readonly owner: CallTimeouts) {}
}

/**
 * The calls of one runtime with one timeout value, waiting for a reply, in the order
 * they were made: their deadline order. A ring of calls: a settled call is left in
 * place, and dropped when it reaches the front or when the ring is compacted, so a
 * call's settling costs nothing here.
 */
class TimeoutQueue {
  readonly timeout: number;
  #ring: (From | undefined)[] = new Array(16);
  #head = 0;
  #size = 0;
  /** The length past which settled calls are squeezed out. */
  #compactAt = 64;

  constructor(timeout: number) {
    this.timeout = timeout;
  }

  get size(): number {
    return this.#size;
  }

  push(from: From): void {
    let ring = this.#ring;
    // Most calls are answered in the order they were made: dropping the settled ones
    // at the front keeps the ring about as long as the calls in flight.
    this.#dropSettled();
    if (this.#size === ring.length) ring = this.#grow(ring);
    ring[(this.#head + this.#size) & (ring.length - 1)] = from;
    if (++this.#size > this.#compactAt) this.#compact();
  }

  /** The deadline of the first pending call, or Infinity (also before its stamp is read). */
  next(): number {
    this.#dropSettled();
    if (this.#size === 0) return Number.POSITIVE_INFINITY;
    const deadline = this.#ring[this.#head]!.startedBy + this.timeout;
    return Number.isNaN(deadline) ? Number.POSITIVE_INFINITY : deadline;
  }

  /** Fails the calls whose deadline has passed at `now`. */
  expire(now: number): void {
    while (this.#size > 0) {
      const ring = this.#ring;
      const from = ring[this.#head]!;
      // NaN (no stamp yet) is not due: the calls behind it are newer still.
      // As the runtime's timers: Node.js may fire a timer up to a millisecond early.
      if (from.pending && !(from.startedBy + this.timeout <= now + 1)) return;
      ring[this.#head] = undefined;
      this.#head = (this.#head + 1) & (ring.length - 1);
      this.#size--;
      // Failing a call may empty the runtime's calls, which clears this queue: the
      // loop reads the fields afresh.
      if (from.pending) from.timedOut(this.timeout);
    }
  }

  /** Drops every call: none is pending. */
  clear(): void {
    const ring = this.#ring;
    const mask = ring.length - 1;
    for (let i = 0; i < this.#size; i++) ring[(this.#head + i) & mask] = undefined;
    this.#head = 0;
    this.#size = 0;
  }

  #dropSettled(): void {
    const ring = this.#ring;
    const mask = ring.length - 1;
    while (this.#size > 0 && !ring[this.#head]!.pending) {
      ring[this.#head] = undefined;
      this.#head = (this.#head + 1) & mask;
      this.#size--;
    }
  }

  #grow(ring: (From | undefined)[]): (From | undefined)[] {
    const next = new Array<From | undefined>(ring.length * 2);
    const mask = ring.length - 1;
    for (let i = 0; i < this.#size; i++) next[i] = ring[(this.#head + i) & mask];
    this.#head = 0;
    this.#ring = next;
    return next;
  }

  /** Squeezes out the settled calls; the next compaction waits until the ring has doubled. */
  #compact(): void {
    const ring = this.#ring;
    const mask = ring.length - 1;
    let kept = 0;
    for (let i = 0; i < this.#size; i++) {
      const index = (this.#head + i) & mask;
      const from = ring[index]!;
      ring[index] = undefined;
      if (from.pending) ring[(this.#head + kept++) & mask] = from;
    }
    this.#size = kept;
    this.#compactAt = Math.max(64, kept * 2);
  }
}

/**
 * The timeouts of a runtime's calls, behind one entry in its timer heap. Adding a
 * call to the heap and cancelling it on the reply (most calls are answered) cost
 * more than the rest of the call did: here a call costs a slot in a queue, and the
 * heap entry stands for the earliest deadline of all.
 */
class CallTimeouts {
  /** Calls with a timeout still waiting for their reply. */
  pending = 0;
  /** The calls made since the last stamp. */
  epoch: Epoch = new Epoch(this);
  readonly #timers: Timers;
  readonly #queues = new Map<number, TimeoutQueue>();
  /** The queue of the last call: most calls use the default timeout. */
  #last: TimeoutQueue | undefined = undefined;
  #armed: TimerEntry | undefined = undefined;
  #stamping = false;

  constructor(timers: Timers) {
    this.#timers = timers;
  }

  /** Adds a call; returns the epoch its timeout counts from. */
  add(from: From, timeout: number): Epoch {
    let queue = this.#last;
    if (queue === undefined || queue.timeout !== timeout) queue = this.#queue(timeout);
    queue.push(from);
    this.pending++;
    if (!this.#stamping) {
      this.#stamping = true;
      setImmediate(this.#stamp);
    }
    return this.epoch;
  }

  /** A call was settled. */
  done(): void {
    if (--this.pending === 0) this.#idle();
  }

  #queue(timeout: number): TimeoutQueue {
    let queue = this.#queues.get(timeout);
    if (queue === undefined) {
      queue = new TimeoutQueue(timeout);
      this.#queues.set(timeout, queue);
    }
    this.#last = queue;
    return queue;
  }

  readonly #stamp = (): void => {
    this.#stamping = false;
    this.epoch.stamp = this.#timers.now();
    this.epoch = new Epoch(this);
    if (this.pending > 0) this.#arm();
  };

  /** Arms the heap entry for the earliest deadline, unless it is armed for one as early. */
  #arm(): void {
    let next = Number.POSITIVE_INFINITY;
    for (const queue of this.#queues.values()) next = Math.min(next, queue.next());
    const armed = this.#armed;
    if (armed !== undefined) {
      if (armed.deadline <= next) return;
      this.#timers.cancel(armed);
      this.#armed = undefined;
    }
    if (next === Number.POSITIVE_INFINITY) return;
    // A new entry each time: one cancelled may still sit in the heap.
    const entry: TimerEntry = { deadline: next, cancelled: false, fire: this.#fire };
    this.#armed = entry;
    this.#timers.add(entry);
  }

  readonly #fire = (entry: TimerEntry): void => {
    if (entry !== this.#armed) return;
    this.#armed = undefined;
    const now = this.#timers.now();
    for (const [timeout, queue] of this.#queues) {
      queue.expire(now);
      // A queue per timeout value ever used would grow without end.
      if (queue.size === 0 && queue !== this.#last) this.#queues.delete(timeout);
    }
    if (this.pending > 0) this.#arm();
  };

  /** No call waits: drop the heap entry (so it holds no Node.js timer) and the settled calls. */
  #idle(): void {
    const armed = this.#armed;
    if (armed !== undefined) {
      this.#armed = undefined;
      this.#timers.cancel(armed);
    }
    const queues = this.#queues;
    if (queues.size === 1) {
      this.#last?.clear();
      return;
    }
    for (const [timeout, queue] of queues) {
      queue.clear();
      if (queue !== this.#last) queues.delete(timeout);
    }
  }
}

/**
 * Each runtime's call timeouts. A WeakMap rather than a property added to the
 * runtime: a property added after construction would give runtimes a second hidden
 * class, and the code V8 optimized for one runtime would be thrown away for the next.
 */
const callTimeoutsOf = new WeakMap<Runtime, CallTimeouts>();

/** The call timeouts of `runtime`, made on its first call with a timeout. */
function callTimeouts(runtime: Runtime): CallTimeouts {
  let timeouts = callTimeoutsOf.get(runtime);
  if (timeouts === undefined) {
    timeouts = new CallTimeouts(timersOf(runtime));
    callTimeoutsOf.set(runtime, timeouts);
  }
  return timeouts;
}

/**
 * Sends `request` to `dest` and resolves with the answer: the call protocol of
 * `GenServer.call` and `Sys`. Reports every error by rejecting. @internal
 */
export function request<R>(
  caller: unknown,
  dest: unknown,
  message: unknown,
  timeout: unknown,
  operation: string,
  system: boolean,
): Promise<R> {
  let runtime: Runtime;
  let self: Process | undefined;
  let target: Process | undefined;
  try {
    const context = resolveCaller(caller, operation);
    if (context instanceof Self) {
      self = processOfSelf(context);
      runtime = context.runtime;
    } else {
      runtime = context;
    }
    if (typeof timeout !== 'number' || !(timeout >= 0)) assertTimeout(timeout, operation);
    target =
      dest instanceof Pid ? localProcess(runtime, dest) : lookup(runtime, dest as Dest, operation);
  } catch (error) {
    return Promise.reject(error);
  }
  if (target === undefined) return Promise.reject(new NoProcError(operation, dest));
  if (target === self) {
    return Promise.reject(
      new CallError(
        `${operation} to ${describeDest(dest)} failed: a process cannot call itself`,
        'calling_self',
        dest,
      ),
    );
  }
  const pid = self?.pid;
  const from = system
    ? new SystemRequest(runtime, pid, message, dest as Dest, operation)
    : new From(runtime, pid, message, dest as Dest, operation);
  // Only `settle(value: R)`, typed by the server's handleCall, resolves it.
  return from.send(target, timeout) as Promise<R>;
}
