import type { Dest, ExitReason, Name } from '../types.js';
import { Mailbox } from './mailbox.js';
import { Pid, Ref } from './pid.js';
import type { Runtime, SpawnOptions } from './runtime.js';
import type { Runnable } from './scheduler.js';
import { Down, type ExitWatcher, type ListedWatcher } from './signals.js';
import type { TimerEntry } from './timers.js';

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
 * Options of {@link Self.receive}.
 *
 * @example
 * ```ts
 * await self.receive({ match: (m) => m === 'ping', timeout: 1000 });
 * ```
 */
export interface ReceiveOptions {
  /** Selective receive: take the first message this accepts; the others stay queued in order. */
  match?: (message: unknown) => boolean;
  /**
   * Give up after this many ms and resolve with {@link Timeout}. `0` only looks at
   * what is already queued.
   * @defaultValue `Infinity`
   */
  timeout?: number;
}

/**
 * What a handler-driven process runs per message: internal, used by behaviours. An
 * object, not a closure: a behaviour's engine is the handler itself, so an idle
 * server carries no closure and no context for it. @internal
 */
export interface MessageHandler {
  /** Handles one message; a promise blocks the process until it settles. */
  handle(message: unknown): undefined | PromiseLike<unknown>;
  /** What a crash report adds about the process, when it ends abnormally by itself. */
  reportContext?(): CrashContext;
}

/** What a behaviour adds to crash reports. @internal */
export type CrashContext = { lastMessage?: unknown; state?: unknown };

/** Thrown by `self.exit(reason)` to unwind the body of a process that has already ended. */
class ProcessExited {
  readonly reason: ExitReason;
  constructor(reason: ExitReason) {
    this.reason = reason;
  }
}

const NEVER: Promise<never> = new Promise<never>(() => {});

// The bits of Self's #flags.
const QUEUED = 1;
const ALIVE = 2;
/** It runs a behaviour's handler per message, not a body. */
const HANDLER = 4;
/** Its handler's async step is pending: it takes no message meanwhile. */
const BLOCKED = 8;
const TRAPPING = 16;
const SELF_INFLICTED = 32;
/** A raw process waits in receive: `#code` holds the resolver of its promise. */
const WAITING = 64;

type Resolver = (message: unknown) => void;

/** The parts of a process record only some processes need, made on first use. */
class Extras {
  links: Set<Self> | undefined = undefined;
  monitors: Map<Ref, Self> | undefined = undefined;
  monitoredBy: Map<Ref, Self | ExitWatcher> | undefined = undefined;
  parent: Pid | undefined = undefined;
  behaviour: string | undefined = undefined;
  viaTable: unknown = undefined;
  timer: TimerEntry | undefined = undefined;
}

/**
 * `Promise.prototype.then` as it was when otp-ts loaded: a body's promise is watched
 * through it, so a patched `then` cannot break the order `settling` relies on.
 */
const nativeThen = Promise.prototype.then;

/**
 * Processes whose body's promise has settled, waiting to learn how. One bound
 * function watches both outcomes of a body's promise (a second would cost every idle
 * process 48 bytes and a `bind`); when it runs it queues the process here and asks the
 * settled promise again, with shared handlers. Reactions to a settled promise are
 * queued at once and microtasks run in order, so the n-th shared handler to run is
 * for the n-th process queued.
 */
const settling = new Mailbox();

// receive makes its promise with this executor, shared by every process, rather than
// a closure per receive: it hands the resolver over through `captured`.
let captured: ((message: unknown) => void) | undefined;
const captureResolve = (resolve: (message: unknown) => void): void => {
  captured = resolve;
};

/**
 * The context of a running process: the `self` its body receives, with everything
 * a process can do to itself and to others. Also the runtime's record of the process,
 * and the process's {@link Pid} itself: `self.pid === self`.
 *
 * @example
 * ```ts
 * rt.spawn(async (self) => {
 *   self.trapExit(true);
 *   const [child, ref] = self.spawnMonitor(async (c) => { await c.receive(); });
 *   self.send(child, 'go');
 *   const down = await self.receive({ match: (m) => m instanceof Down && m.ref === ref });
 * });
 * ```
 */
export class Self extends Pid implements Runnable {
  // The record is also the process's pid (the Pid fields come first), so a process
  // is one object fewer. Nine fields of its own: an idle process is mostly this
  // record, so what only some processes need (links, monitors, a parent...) lives in
  // `#extras`, made on first use, the mailbox is made on the first message that has
  // to wait, flags share a field, and so do the body, the pending receive's resolver
  // and the handler.
  /** QUEUED | ALIVE | HANDLER | BLOCKED | TRAPPING | SELF_INFLICTED | WAITING. */
  #flags = ALIVE;
  /** Where it sits in the runtime's process table. @internal */
  slot = -1;
  /** @internal */ handled = 0;
  #mailbox: Mailbox | undefined = undefined;
  /**
   * What runs the process next: its body until it starts, then the resolver of its
   * pending receive (with WAITING set); or its behaviour's handler (with HANDLER set).
   * One field for the three, as a process never needs two of them at once.
   */
  #code: ((self: Self) => unknown) | Resolver | MessageHandler | undefined;
  /** The name this process holds, if any. @internal */
  name: Name | undefined = undefined;
  #extras: Extras | undefined = undefined;
  /**
   * Internal watchers in an O(1) list: pending calls to this process and the
   * registries it is in. Here rather than in the extras: a process that registers
   * a key or takes a call would otherwise make its extras for this alone. @internal
   */
  listed: ListedWatcher | undefined = undefined;
  /** The body's promise, while it is watched and the process is alive. */
  #result: Promise<unknown> | undefined = undefined;

  /** @internal */
  constructor(
    id: number,
    runtime: Runtime,
    body: ((self: Self) => unknown) | undefined,
    handler: MessageHandler | undefined,
    parent: Pid | undefined,
  ) {
    // `proc` is set once the process is in the runtime's tables: until then, and
    // again once it has exited, its pid reaches no process.
    super(id, runtime, undefined);
    if (handler !== undefined) {
      this.#code = handler;
      this.#flags = ALIVE | HANDLER;
    } else {
      this.#code = body;
    }
    if (parent !== undefined) this.more().parent = parent;
  }

  /**
   * This process's pid: the process context is its own pid object, so
   * `self.pid === self`; pass `self.pid` to say which process you mean.
   */
  get pid(): Pid {
    return this;
  }

  /** The runtime the process lives in. */
  get runtime(): Runtime {
    return this.node as Runtime;
  }

  /** @internal */
  get queued(): boolean {
    return (this.#flags & QUEUED) !== 0;
  }
  /** @internal */
  set queued(on: boolean) {
    this.#flags = on ? this.#flags | QUEUED : this.#flags & ~QUEUED;
  }

  /** @internal */
  get alive(): boolean {
    return (this.#flags & ALIVE) !== 0;
  }
  /** @internal */
  set alive(on: boolean) {
    this.#flags = on ? this.#flags | ALIVE : this.#flags & ~ALIVE;
  }

  /** @internal */
  get trapping(): boolean {
    return (this.#flags & TRAPPING) !== 0;
  }
  /** @internal */
  set trapping(on: boolean) {
    this.#flags = on ? this.#flags | TRAPPING : this.#flags & ~TRAPPING;
  }

  /** Whether the exit reason comes from the process itself (so a crash report is due). @internal */
  get selfInflicted(): boolean {
    return (this.#flags & SELF_INFLICTED) !== 0;
  }
  /** @internal */
  set selfInflicted(on: boolean) {
    this.#flags = on ? this.#flags | SELF_INFLICTED : this.#flags & ~SELF_INFLICTED;
  }

  /** Processes linked to this one. @internal */
  get links(): Set<Self> | undefined {
    return this.#extras?.links;
  }
  /** @internal */
  set links(links: Set<Self> | undefined) {
    if (links !== undefined || this.#extras !== undefined) this.more().links = links;
  }

  /** Monitors this process set: ref → target. @internal */
  get monitors(): Map<Ref, Self> | undefined {
    return this.#extras?.monitors;
  }
  /** @internal */
  set monitors(monitors: Map<Ref, Self> | undefined) {
    if (monitors !== undefined || this.#extras !== undefined) this.more().monitors = monitors;
  }

  /** Monitors on this process: ref → watcher. @internal */
  get monitoredBy(): Map<Ref, Self | ExitWatcher> | undefined {
    return this.#extras?.monitoredBy;
  }
  /** @internal */
  set monitoredBy(watchers: Map<Ref, Self | ExitWatcher> | undefined) {
    if (watchers !== undefined || this.#extras !== undefined) this.more().monitoredBy = watchers;
  }

  /** The process that started it linked (its parent, as in proc_lib). @internal */
  get parent(): Pid | undefined {
    return this.#extras?.parent;
  }
  /** @internal */
  set parent(parent: Pid | undefined) {
    if (parent !== undefined || this.#extras !== undefined) this.more().parent = parent;
  }

  /** The behaviour running in the process, for `info` and reports. @internal */
  get behaviour(): string | undefined {
    return this.#extras?.behaviour;
  }
  /** @internal */
  set behaviour(behaviour: string | undefined) {
    if (behaviour !== undefined || this.#extras !== undefined) this.more().behaviour = behaviour;
  }

  /**
   * What a crash report adds about the process (its behaviour's last message and
   * state); may throw, as it runs user code. @internal
   */
  crashContext(): CrashContext | undefined {
    if ((this.#flags & HANDLER) === 0) return undefined;
    const handler = this.#code as MessageHandler;
    return handler.reportContext === undefined ? undefined : handler.reportContext();
  }

  /** When this process is a Registry: its table, for via names. @internal */
  get viaTable(): unknown {
    return this.#extras?.viaTable;
  }
  /** @internal */
  set viaTable(table: unknown) {
    if (table !== undefined || this.#extras !== undefined) this.more().viaTable = table;
  }

  /** How many messages wait in the mailbox. @internal */
  get messageQueueLen(): number {
    return this.#mailbox === undefined ? 0 : this.#mailbox.size;
  }

  private more(): Extras {
    if (this.#extras === undefined) this.#extras = new Extras();
    return this.#extras;
  }

  /**
   * Waits for the first message that `match` accepts (any message without `match`),
   * taking it from the mailbox; messages it skips stay queued in order. Resolves
   * with {@link Timeout} when `timeout` ms pass first.
   *
   * @param opts - `match` for a selective receive, `timeout` in ms.
   * @returns The message, or `Timeout`.
   * @throws TypeError (as a rejection) when `match` is not a function; RangeError
   * when `timeout` is negative or NaN.
   * @example
   * ```ts
   * const reply = await self.receive({ match: (m) => isReply(m, ref), timeout: 5000 });
   * ```
   */
  receive(opts?: ReceiveOptions): Promise<unknown> {
    if (!this.alive) return NEVER;
    let match: ((message: unknown) => boolean) | undefined;
    let timeout = Number.POSITIVE_INFINITY;
    if (opts !== undefined) {
      if (typeof opts !== 'object' || opts === null) {
        return Promise.reject(
          new TypeError(`receive: expected options { match?, timeout? }, got ${typeof opts}`),
        );
      }
      match = opts.match;
      if (match !== undefined && typeof match !== 'function') {
        return Promise.reject(
          new TypeError(`receive: expected option \`match\` to be a function, got ${typeof match}`),
        );
      }
      if (opts.timeout !== undefined) {
        timeout = opts.timeout;
        if (typeof timeout !== 'number') {
          return Promise.reject(
            new TypeError(
              `receive: expected option \`timeout\` to be a number >= 0 or Infinity, got ${typeof timeout}`,
            ),
          );
        }
        if (Number.isNaN(timeout) || timeout < 0) {
          return Promise.reject(
            new RangeError(
              `receive: expected option \`timeout\` to be a number >= 0 or Infinity, got ${String(timeout)}`,
            ),
          );
        }
      }
    }
    if ((this.#flags & WAITING) !== 0) {
      return Promise.reject(
        new Error(`receive: ${this.pid} is already waiting in another receive`),
      );
    }
    if ((this.#flags & HANDLER) !== 0) {
      return Promise.reject(
        new Error(`receive: ${this.pid} runs a behaviour, which takes its messages itself`),
      );
    }
    let mailbox = this.#mailbox;
    const scheduler = this.runtime.scheduler;
    if (mailbox !== undefined) {
      // Served at once from the mailbox while this turn's budget and the time slice last;
      // otherwise the process waits its turn in the run queue like everyone else.
      let scanned = 0;
      if (
        mailbox.size > 0 &&
        ((mailbox.turn < scheduler.budget && scheduler.tick()) || timeout === 0)
      ) {
        let slot: number;
        try {
          slot = match === undefined ? 0 : mailbox.find(match, 0);
        } catch (error) {
          return Promise.reject(error);
        }
        if (slot >= 0) {
          mailbox.turn++;
          this.handled++;
          return Promise.resolve(mailbox.takeAt(slot));
        }
        scanned = mailbox.slots;
      }
      mailbox.scanned = scanned;
    }
    if (timeout === 0) return Promise.resolve(Timeout);
    // A selective receive keeps its filter with the mailbox it scans.
    if (match !== undefined) {
      mailbox ??= this.#mailbox = new Mailbox();
      mailbox.match = match;
    }
    const promise = new Promise<unknown>(captureResolve);
    this.#code = captured;
    this.#flags |= WAITING;
    captured = undefined;
    if (timeout !== Number.POSITIVE_INFINITY) {
      const timers = this.runtime.timers;
      const entry: TimerEntry = {
        deadline: timers.now() + timeout,
        cancelled: false,
        fire: () => this.timedOut(entry),
      };
      this.more().timer = entry;
      timers.add(entry);
    }
    // Messages not yet looked at (the budget ran out): let the scheduler deliver them.
    if (mailbox !== undefined && mailbox.scanned < mailbox.slots) scheduler.enqueue(this);
    return promise;
  }

  /**
   * Sends `message` to `dest`, asynchronously. To a dead pid it is dropped silently.
   *
   * @throws NoProcError when `dest` is a name nobody holds; TypeError when `dest` is
   * not a pid or a name.
   * @example
   * ```ts
   * self.send(other, { type: 'ping', from: self.pid });
   * ```
   */
  send(dest: Dest, message: unknown): void {
    if (!this.alive) return;
    this.runtime.send(dest, message);
  }

  /**
   * Spawns a process, not linked to this one.
   * @example
   * ```ts
   * const pid = self.spawn(async (child) => { await child.receive(); });
   * ```
   */
  spawn(body: (self: Self) => unknown, opts?: Omit<SpawnOptions, 'link'>): Pid {
    return this.runtime.spawn(body, opts);
  }

  /**
   * Spawns a process linked to this one: if either ends abnormally, the other gets the exit signal.
   * @example
   * ```ts
   * const worker = self.spawnLink(async (w) => { await w.receive(); });
   * ```
   */
  spawnLink(body: (self: Self) => unknown, opts?: Omit<SpawnOptions, 'link'>): Pid {
    return this.runtime.spawn(body, { ...opts, link: this.pid });
  }

  /**
   * Spawns a process and monitors it.
   * @returns `[pid, ref]`: the new pid and the monitor's ref.
   * @example
   * ```ts
   * const [pid, ref] = self.spawnMonitor(async () => { throw new Error('boom'); });
   * ```
   */
  spawnMonitor(body: (self: Self) => unknown, opts?: Omit<SpawnOptions, 'link'>): [Pid, Ref] {
    const pid = this.runtime.spawn(body, opts);
    return [pid, this.monitor(pid)];
  }

  /**
   * Links this process to `dest`, both ways. Linking to a dead process delivers an
   * exit signal with reason `'noproc'` to this one.
   * @throws NoProcError when `dest` is a name nobody holds.
   * @example
   * ```ts
   * self.link(worker);
   * ```
   */
  link(dest: Dest): void {
    if (!this.alive) return;
    const pid = this.runtime.resolvePid(dest, 'link');
    if (pid !== undefined) this.runtime.link(this, pid);
  }

  /**
   * Removes the link between this process and `dest`, if any.
   * @example
   * ```ts
   * self.unlink(worker);
   * ```
   */
  unlink(dest: Dest): void {
    const pid = this.runtime.resolvePid(dest, 'unlink', true);
    const target = pid?.node === this.runtime ? pid.proc : undefined;
    if (target === undefined || this.links === undefined) return;
    this.links.delete(target);
    target.links?.delete(this);
  }

  /**
   * Monitors `dest`: one {@link Down} message comes when it ends, or at once with
   * `'noproc'` if it is not alive. Each call sets a new monitor.
   * @returns The monitor's ref, also found in the `Down` message.
   * @example
   * ```ts
   * const ref = self.monitor('Test1');
   * ```
   */
  monitor(dest: Dest): Ref {
    const ref = this.runtime.makeRef();
    if (!this.alive) return ref;
    const target = this.runtime.resolveProcess(dest, 'monitor');
    if (target === undefined) {
      this.deliver(new Down(ref, dest, 'noproc'));
      return ref;
    }
    if (target === this) return ref; // As in Erlang, monitoring yourself sets nothing.
    (this.monitors ??= new Map()).set(ref, target);
    (target.monitoredBy ??= new Map()).set(ref, this);
    return ref;
  }

  /**
   * Removes a monitor. With `flush`, also removes its `Down` message if it already came.
   * @returns `true` if the monitor was active.
   * @example
   * ```ts
   * self.demonitor(ref, { flush: true });
   * ```
   */
  demonitor(ref: Ref, opts?: { flush?: boolean }): boolean {
    const target = this.monitors?.get(ref);
    let active = false;
    if (target !== undefined) {
      this.monitors!.delete(ref);
      target.monitoredBy?.delete(ref);
      active = true;
    }
    const mailbox = this.#mailbox;
    if (opts?.flush === true && mailbox !== undefined) {
      mailbox.removeAll((m) => isDown(m) && m.ref === ref);
    }
    return active;
  }

  /**
   * Turns exit trapping on or off. A process that traps exits receives {@link Exit}
   * messages instead of dying from its links' abnormal exits (`'kill'` still kills).
   * @returns The previous setting.
   * @example
   * ```ts
   * self.trapExit(true);
   * ```
   */
  trapExit(on: boolean): boolean {
    if (typeof on !== 'boolean')
      throw new TypeError(`trapExit: expected a boolean, got ${typeof on}`);
    const previous = this.trapping;
    this.trapping = on;
    return previous;
  }

  /**
   * `exit(reason)` ends this process with `reason` at once (Erlang's `exit/1`): its
   * links and monitors see `reason`, and the body stops here. `exit(pid, reason)`
   * sends an exit signal from this process to `pid` (Erlang's `exit/2`).
   * @example
   * ```ts
   * if (bad) self.exit({ shutdown: 'bad input' });
   * self.exit(worker, 'kill');
   * ```
   */
  exit(reason: ExitReason): never;
  exit(pid: Pid, reason: ExitReason): void;
  exit(...args: [ExitReason] | [Pid, ExitReason]): void {
    if (args.length === 2) {
      this.runtime.sendExit(args[0] as Pid, args[1], this.pid);
      return;
    }
    const reason = args[0];
    this.runtime.terminate(this, reason, true);
    throw new ProcessExited(reason);
  }

  // ── Runtime side ───────────────────────────────────────────────────────────

  /** Puts a message in the mailbox and wakes the process if it waits for one. @internal */
  deliver(message: unknown): void {
    const flags = this.#flags;
    if ((flags & ALIVE) === 0) return;
    let mailbox = this.#mailbox;
    const waiting = (flags & WAITING) !== 0;
    if (
      waiting &&
      (mailbox === undefined || (mailbox.size === 0 && mailbox.match === undefined)) &&
      (flags & QUEUED) === 0 &&
      this.runtime.scheduler.tick()
    ) {
      // The process waits for any message and has none: hand this one straight to its
      // receive. It still runs later, from the promise's continuation, never inside send.
      const resolve = this.#code as Resolver;
      this.#code = undefined;
      this.#flags = flags & ~WAITING;
      this.cancelTimer();
      this.handled++;
      resolve(message);
      return;
    }
    if (mailbox === undefined) mailbox = this.#mailbox = new Mailbox();
    mailbox.push(message);
    if ((flags & QUEUED) === 0 && ((flags & HANDLER) !== 0 ? (flags & BLOCKED) === 0 : waiting)) {
      this.runtime.scheduler.enqueue(this);
    }
    if (mailbox.size === this.runtime.mailboxWarning) this.runtime.mailboxOverflow(this);
  }

  /** Runs the process for one turn of at most `budget` messages. @internal */
  run(budget: number): void {
    const flags = this.#flags;
    if ((flags & ALIVE) === 0) return;
    if ((flags & HANDLER) !== 0) {
      this.runHandler(budget);
      return;
    }
    const waiting = (flags & WAITING) !== 0;
    if (!waiting && this.#code !== undefined) {
      this.start();
      return;
    }
    const mailbox = this.#mailbox;
    if (mailbox === undefined) return;
    mailbox.turn = 0;
    if (!waiting) return;
    let slot: number;
    const match = mailbox.match;
    if (match === undefined) {
      slot = mailbox.size > 0 ? 0 : -1;
    } else {
      try {
        slot = mailbox.find(match, mailbox.scanned);
      } catch (error) {
        this.runtime.terminate(this, error, true);
        return;
      }
    }
    if (slot < 0) {
      mailbox.scanned = mailbox.slots;
      return;
    }
    const resolve = this.#code as Resolver;
    this.#code = undefined;
    this.#flags &= ~WAITING;
    mailbox.match = undefined;
    this.cancelTimer();
    mailbox.turn = 1;
    this.handled++;
    resolve(mailbox.takeAt(slot));
  }

  /** Whether the process is running an async step (info's `status`). @internal */
  get status(): 'running' | 'runnable' | 'waiting' {
    const flags = this.#flags;
    if ((flags & QUEUED) !== 0) return 'runnable';
    if ((flags & HANDLER) !== 0) return (flags & BLOCKED) !== 0 ? 'running' : 'waiting';
    return (flags & WAITING) !== 0 ? 'waiting' : 'running';
  }

  /** Drops what the process was waiting for: it has ended. @internal */
  release(): void {
    this.#code = undefined;
    this.#result = undefined;
    this.#flags &= ~WAITING;
    this.cancelTimer();
    this.#mailbox = undefined;
  }

  /**
   * Lets go of what only a live process needs (its parent, its behaviour...),
   * once its exit is complete: the record is also its pid, which may be held for long
   * after. @internal
   */
  forget(): void {
    this.#extras = undefined;
  }

  private cancelTimer(): void {
    const extras = this.#extras;
    if (extras === undefined || extras.timer === undefined) return;
    this.runtime.timers.cancel(extras.timer);
    extras.timer = undefined;
  }

  private start(): void {
    const body = this.#code as (self: Self) => unknown;
    this.#code = undefined;
    let result: unknown;
    try {
      result = body(this);
    } catch (error) {
      this.bodyThrew(error);
      return;
    }
    if (prototypeOf(result) === Promise.prototype && this.watch(result as Promise<unknown>)) return;
    if (isThenable(result)) {
      // Not a native promise: its `then` is the user's, so each outcome gets its own
      // handler, and a `then` that throws ends the process as if the body had.
      try {
        result.then(this.bodyReturned.bind(this), this.bodyThrew.bind(this));
      } catch (error) {
        this.bodyThrew(error);
      }
    } else {
      this.bodyReturned();
    }
  }

  /**
   * Watches the body's native promise with one bound method for both outcomes (see
   * `settling`). False when `result` only looks like a promise (a Proxy).
   */
  private watch(result: Promise<unknown>): boolean {
    const settled = this.bodySettled.bind(this);
    try {
      nativeThen.call(result, settled, settled);
    } catch {
      return false;
    }
    this.#result = result;
    return true;
  }

  private bodySettled(): void {
    const result = this.#result;
    // Released: the process ended meanwhile, and the first reaction has handled a rejection.
    if (result === undefined) return;
    this.#result = undefined;
    try {
      nativeThen.call(result, Self.#fulfilled, Self.#rejected);
    } catch (error) {
      // Only a promise whose `constructor` was replaced since gets here.
      this.bodyThrew(error);
      return;
    }
    settling.push(this);
  }

  static readonly #fulfilled = (): void => {
    (settling.shift() as Self).bodyReturned();
  };

  static readonly #rejected = (error: unknown): void => {
    (settling.shift() as Self).bodyThrew(error);
  };

  private bodyReturned(): void {
    if ((this.#flags & ALIVE) !== 0) this.runtime.terminate(this, 'normal', false);
  }

  private bodyThrew(error: unknown): void {
    if ((this.#flags & ALIVE) === 0 || isInstance(error, ProcessExited)) return;
    this.runtime.terminate(this, error, true);
  }

  private runHandler(budget: number): void {
    if ((this.#flags & BLOCKED) !== 0) return;
    const handler = this.#code as MessageHandler;
    const mailbox = this.#mailbox;
    if (mailbox === undefined) return;
    for (let n = 0; n < budget && mailbox.size > 0; n++) {
      const message = mailbox.shift();
      this.handled++;
      const result = handler.handle(message);
      if ((this.#flags & ALIVE) === 0) return;
      if (result !== undefined) {
        this.#flags |= BLOCKED;
        result.then(
          () => this.unblock(),
          (error: unknown) => {
            if (this.alive) this.runtime.terminate(this, error, true);
          },
        );
        return;
      }
    }
    if (mailbox.size > 0) this.runtime.scheduler.enqueue(this);
  }

  private unblock(): void {
    this.#flags &= ~BLOCKED;
    if (this.alive && this.#mailbox !== undefined && this.#mailbox.size > 0) {
      this.runtime.scheduler.enqueue(this);
    }
  }

  private timedOut(entry: TimerEntry): void {
    const extras = this.#extras;
    if (extras === undefined || extras.timer !== entry || (this.#flags & WAITING) === 0) return;
    const resolve = this.#code as Resolver;
    this.#code = undefined;
    this.#flags &= ~WAITING;
    if (this.#mailbox !== undefined) this.#mailbox.match = undefined;
    extras.timer = undefined;
    resolve(Timeout);
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return false;
  try {
    return typeof (value as { then?: unknown }).then === 'function';
  } catch {
    // A value whose `then` cannot be read (a Proxy that throws) is a plain value.
    return false;
  }
}

/**
 * `value instanceof Class`, but `false` rather than a throw for a value whose prototype
 * cannot be read (a Proxy that throws): messages and exit reasons are user values, and
 * the code that classifies them runs where nothing may throw. @internal
 */
function isInstance<T>(value: unknown, Class: abstract new (...args: never[]) => T): value is T {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return false;
  try {
    return value instanceof Class;
  } catch {
    return false;
  }
}

/**
 * The prototype of an object (`undefined` for a primitive, or for a value whose
 * prototype cannot be read, such as a Proxy that throws). Comparing it with a class's
 * `prototype` is the cheap, never-throwing `instanceof` for classes that are never
 * subclassed, which the hot paths use. @internal
 */
function prototypeOf(value: unknown): object | null | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  try {
    return Object.getPrototypeOf(value) as object | null;
  } catch {
    return undefined;
  }
}

const isDown = (message: unknown): message is Down => isInstance(message, Down);

export { isInstance, isThenable, ProcessExited, prototypeOf, Ref };
