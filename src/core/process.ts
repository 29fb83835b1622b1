import type { Dest, ExitReason, Name } from '../types.js';
import { Mailbox } from './mailbox.js';
import { type Pid, Ref } from './pid.js';
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

/** What a handler-driven process runs per message: internal, used by behaviours. @internal */
export type MessageHandler = (message: unknown) => undefined | PromiseLike<unknown>;

/** Thrown by `self.exit(reason)` to unwind the body of a process that has already ended. */
class ProcessExited {
  readonly reason: ExitReason;
  constructor(reason: ExitReason) {
    this.reason = reason;
  }
}

const NEVER: Promise<never> = new Promise<never>(() => {});

/**
 * The context of a running process: the `self` its body receives, with everything
 * a process can do to itself and to others. Also the runtime's record of the process.
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
export class Self implements Runnable {
  /** This process's pid. */
  readonly pid: Pid;
  /** The runtime the process lives in. */
  readonly runtime: Runtime;

  /** @internal */ queued = false;
  /** Neighbours in the runtime's process table. @internal */ prevProc: Self | undefined =
    undefined;
  /** @internal */ nextProc: Self | undefined = undefined;
  /** @internal */ alive = true;
  /** @internal */ reason: ExitReason = undefined;
  /** @internal */ readonly mailbox = new Mailbox();
  /** Processes linked to this one. @internal */ links: Set<Self> | undefined = undefined;
  /** Monitors this process set: ref → target. @internal */ monitors: Map<Ref, Self> | undefined =
    undefined;
  /** Monitors on this process: ref → watcher. @internal */
  monitoredBy: Map<Ref, Self | ExitWatcher> | undefined = undefined;
  /** Internal watchers in an O(1) list (pending calls). @internal */ listed:
    | ListedWatcher
    | undefined = undefined;
  /** @internal */ trapping = false;
  /** The name this process holds, if any. @internal */ name: Name | undefined = undefined;
  /** The process that started it linked (its parent, as in proc_lib). @internal */ parent:
    | Pid
    | undefined;
  /** @internal */ handled = 0;
  /** The behaviour running in the process, for `info` and reports. @internal */ behaviour:
    | string
    | undefined = undefined;
  /** Extra context for crash reports, set by behaviours. @internal */
  reportContext: (() => { lastMessage?: unknown; state?: unknown }) | undefined = undefined;
  /** When this process is a Registry: its table, for via names. @internal */ via: unknown =
    undefined;
  /** Whether the exit reason comes from the process itself (so a crash report is due). @internal */
  selfInflicted = false;

  #body: ((self: Self) => unknown) | undefined;
  #handler: MessageHandler | undefined;
  #blocked = false;
  #resolve: ((message: unknown) => void) | undefined = undefined;
  #match: ((message: unknown) => boolean) | undefined = undefined;
  #scanned = 0;
  #timer: TimerEntry | undefined = undefined;
  #turn = 0;

  /** @internal */
  constructor(
    pid: Pid,
    runtime: Runtime,
    body: ((self: Self) => unknown) | undefined,
    handler: MessageHandler | undefined,
    parent: Pid | undefined,
  ) {
    this.pid = pid;
    this.runtime = runtime;
    this.#body = body;
    this.#handler = handler;
    this.parent = parent;
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
    if (this.#resolve !== undefined) {
      return Promise.reject(
        new Error(`receive: ${this.pid} is already waiting in another receive`),
      );
    }
    if (this.#handler !== undefined) {
      return Promise.reject(
        new Error(`receive: ${this.pid} runs a behaviour, which takes its messages itself`),
      );
    }
    const mailbox = this.mailbox;
    const scheduler = this.runtime.scheduler;
    // Served at once from the mailbox while this turn's budget and the time slice last;
    // otherwise the process waits its turn in the run queue like everyone else.
    if (
      mailbox.size > 0 &&
      ((this.#turn < scheduler.budget && scheduler.tick()) || timeout === 0)
    ) {
      let slot: number;
      try {
        slot = match === undefined ? 0 : mailbox.find(match, 0);
      } catch (error) {
        return Promise.reject(error);
      }
      if (slot >= 0) {
        this.#turn++;
        this.handled++;
        return Promise.resolve(mailbox.takeAt(slot));
      }
      if (timeout === 0) return Promise.resolve(Timeout);
      this.#scanned = mailbox.slots;
    } else {
      if (timeout === 0) return Promise.resolve(Timeout);
      this.#scanned = 0;
    }
    this.#match = match;
    const promise = new Promise<unknown>((resolve) => {
      this.#resolve = resolve;
    });
    if (timeout !== Number.POSITIVE_INFINITY) {
      const timers = this.runtime.timers;
      const entry: TimerEntry = {
        deadline: timers.now() + timeout,
        cancelled: false,
        fire: () => this.#timedOut(entry),
      };
      this.#timer = entry;
      timers.add(entry);
    }
    // Messages not yet looked at (the budget ran out): let the scheduler deliver them.
    if (this.#scanned < mailbox.slots) this.runtime.scheduler.enqueue(this);
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
    if (opts?.flush === true && this.mailbox.removeAll((m) => isDown(m) && m.ref === ref) > 0) {
      // Removing messages renumbers the slots: a pending receive must look again from the start.
      this.#scanned = 0;
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
    if (!this.alive) return;
    const mailbox = this.mailbox;
    const resolve = this.#resolve;
    if (
      resolve !== undefined &&
      this.#match === undefined &&
      mailbox.size === 0 &&
      !this.queued &&
      this.runtime.scheduler.tick()
    ) {
      // The process waits for any message and has none: hand this one straight to its
      // receive. It still runs later, from the promise's continuation, never inside send.
      this.#resolve = undefined;
      if (this.#timer !== undefined) {
        this.runtime.timers.cancel(this.#timer);
        this.#timer = undefined;
      }
      this.handled++;
      resolve(message);
      return;
    }
    mailbox.push(message);
    if (
      !this.queued &&
      (this.#handler !== undefined ? !this.#blocked : this.#resolve !== undefined)
    ) {
      this.runtime.scheduler.enqueue(this);
    }
    if (mailbox.size === this.runtime.mailboxWarning) this.runtime.mailboxOverflow(this);
  }

  /** Runs the process for one turn of at most `budget` messages. @internal */
  run(budget: number): void {
    if (!this.alive) return;
    if (this.#body !== undefined) {
      this.#start();
      return;
    }
    if (this.#handler !== undefined) {
      this.#runHandler(budget);
      return;
    }
    this.#turn = 0;
    const resolve = this.#resolve;
    if (resolve === undefined) return;
    const mailbox = this.mailbox;
    let slot: number;
    const match = this.#match;
    if (match === undefined) {
      slot = mailbox.size > 0 ? 0 : -1;
    } else {
      try {
        slot = mailbox.find(match, this.#scanned);
      } catch (error) {
        this.runtime.terminate(this, error, true);
        return;
      }
    }
    if (slot < 0) {
      this.#scanned = mailbox.slots;
      return;
    }
    this.#resolve = undefined;
    this.#match = undefined;
    if (this.#timer !== undefined) {
      this.runtime.timers.cancel(this.#timer);
      this.#timer = undefined;
    }
    this.#turn = 1;
    this.handled++;
    resolve(mailbox.takeAt(slot));
  }

  /** Whether the process is running an async step (info's `status`). @internal */
  get status(): 'running' | 'runnable' | 'waiting' {
    if (this.queued) return 'runnable';
    if (this.#handler !== undefined) return this.#blocked ? 'running' : 'waiting';
    return this.#resolve !== undefined ? 'waiting' : 'running';
  }

  /** Drops what the process was waiting for: it has ended. @internal */
  release(): void {
    this.#resolve = undefined;
    this.#match = undefined;
    this.#handler = undefined;
    this.#body = undefined;
    if (this.#timer !== undefined) {
      this.runtime.timers.cancel(this.#timer);
      this.#timer = undefined;
    }
    this.mailbox.clear();
  }

  #start(): void {
    const body = this.#body!;
    this.#body = undefined;
    let result: unknown;
    try {
      result = body(this);
    } catch (error) {
      this.#bodyEnded(error, true);
      return;
    }
    if (isThenable(result)) {
      result.then(
        () => this.#bodyEnded('normal', false),
        (error: unknown) => this.#bodyEnded(error, true),
      );
    } else {
      this.#bodyEnded('normal', false);
    }
  }

  #bodyEnded(reason: unknown, threw: boolean): void {
    if (!this.alive || isInstance(reason, ProcessExited)) return;
    this.runtime.terminate(this, reason, threw);
  }

  #runHandler(budget: number): void {
    if (this.#blocked) return;
    const handler = this.#handler!;
    const mailbox = this.mailbox;
    for (let n = 0; n < budget && mailbox.size > 0; n++) {
      const message = mailbox.shift();
      this.handled++;
      const result = handler(message);
      if (!this.alive) return;
      if (result !== undefined) {
        this.#blocked = true;
        result.then(
          () => this.#unblock(),
          (error: unknown) => {
            if (this.alive) this.runtime.terminate(this, error, true);
          },
        );
        return;
      }
    }
    if (mailbox.size > 0) this.runtime.scheduler.enqueue(this);
  }

  #unblock(): void {
    this.#blocked = false;
    if (this.alive && this.mailbox.size > 0) this.runtime.scheduler.enqueue(this);
  }

  #timedOut(entry: TimerEntry): void {
    if (this.#timer !== entry || this.#resolve === undefined) return;
    const resolve = this.#resolve;
    this.#resolve = undefined;
    this.#match = undefined;
    this.#timer = undefined;
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
