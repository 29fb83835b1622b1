import { EventEmitter } from 'eventemitter3';
import { nanoid } from 'nanoid';
import { describeValue } from '../describe.js';
import { NoProcError, OtpError } from '../errors.js';
import { type Logger, silentLogger, stderrLogger } from '../logger.js';
import type { Dest, ExitReason, Name } from '../types.js';
import { finalizeExit } from './exits.js';
import { assertDest, assertName, NameTable } from './names.js';
import { Pid, Ref } from './pid.js';
import { type MessageHandler, Self } from './process.js';
import { ProcessTable } from './process-table.js';
import type {
  BehaviourClass,
  BehaviourStarter,
  InitArg,
  ProcessInfo,
  RuntimeEvents,
  RuntimeOptions,
  SpawnOptions,
  StartOptions,
} from './runtime-types.js';
import { Scheduler } from './scheduler.js';
import { attachWatcher, Exit, type ExitWatcher, type ListedWatcher } from './signals.js';
import { type TimerEntry, Timers } from './timers.js';

export type {
  BehaviourClass,
  BehaviourStarter,
  InitArg,
  ProcessInfo,
  RuntimeEvents,
  RuntimeOptions,
  SpawnOptions,
  StartOptions,
};

let behaviourStarter: BehaviourStarter | undefined;

/** Installs the function `rt.start` uses. @internal */
export function setBehaviourStarter(starter: BehaviourStarter): void {
  behaviourStarter = starter;
}

const DEFAULT_BUDGET = 200;
const DEFAULT_SHUTDOWN_TIMEOUT = 5_000;

/**
 * One node: a scheduler, a process table, a name table, timers and an event bus.
 * Many runtimes may live in one Node.js process; they never see each other's
 * processes.
 *
 * @example
 * ```ts
 * const rt = new Runtime();
 * const echo = rt.spawn(async (self) => {
 *   const msg = await self.receive();
 *   if (typeof msg === 'object' && msg !== null && 'from' in msg) self.send(msg.from as Pid, msg);
 * });
 * rt.send(echo, 'hello');
 * await rt.shutdown();
 * ```
 */
export class Runtime extends EventEmitter<RuntimeEvents> {
  /** The runtime's name. */
  readonly name: string;
  /** @internal */ readonly logger: Logger;
  /** Whether reports go nowhere (`logger: false`): callers can skip formatting them. @internal */
  readonly quiet: boolean;
  /** @internal */ readonly scheduler: Scheduler;
  /** @internal */ readonly timers = new Timers((error) => this.#internalError(error));
  /** @internal */ readonly names = new NameTable();
  /** @internal */ readonly mailboxWarning: number;
  /** The pid exit signals from outside any process come from (`<0.0.0>`, never alive). @internal */
  readonly rootPid: Pid;

  readonly #procs = new ProcessTable();
  #nextPid = 1;
  #nextRef = 1;
  /** Exits caused while one is being finalized, as process, reason, process, reason... */
  #dying: unknown[] = [];
  #finalizing = false;
  #stopped = false;
  #shutdown: Promise<void> | undefined;

  /**
   * @param opts - name, logger, scheduler budget and mailbox warning threshold.
   * @throws TypeError or RangeError for an option of the wrong type or range.
   */
  constructor(opts: RuntimeOptions = {}) {
    super();
    if (typeof opts !== 'object' || opts === null) {
      throw new TypeError(
        `new Runtime: expected options to be an object, got ${describeValue(opts, 100)}`,
      );
    }
    const { name, logger, budget = DEFAULT_BUDGET, mailboxWarning = 10_000 } = opts;
    if (name !== undefined && typeof name !== 'string') {
      throw new TypeError(
        `new Runtime: expected \`name\` to be a string, got ${describeValue(name, 100)}`,
      );
    }
    if (!Number.isInteger(budget) || budget < 1) {
      throw new (typeof budget === 'number' ? RangeError : TypeError)(
        `new Runtime: expected \`budget\` to be an integer >= 1, got ${describeValue(budget, 100)}`,
      );
    }
    if (typeof mailboxWarning !== 'number' || !(mailboxWarning >= 1)) {
      throw new (typeof mailboxWarning === 'number' ? RangeError : TypeError)(
        `new Runtime: expected \`mailboxWarning\` to be a number >= 1, got ${describeValue(mailboxWarning, 100)}`,
      );
    }
    if (logger !== undefined && logger !== false && !isLogger(logger)) {
      throw new TypeError(
        'new Runtime: expected `logger` to have error, warn, info and debug functions, or be false',
      );
    }
    this.name = name ?? `otp-${nanoid(8)}`;
    this.logger = logger === false ? silentLogger : (logger ?? stderrLogger);
    this.quiet = logger === false;
    this.mailboxWarning = mailboxWarning;
    this.rootPid = new Pid(0, this, undefined);
    this.scheduler = new Scheduler(budget, (error) => this.#internalError(error));
  }

  /** Reports an error that escaped a delivery or a run; never throws. */
  #internalError(error: unknown): void {
    try {
      this.logger.error(`otp-ts: internal error in runtime ${this.name}:`, error);
    } catch {
      // Nothing more can be done for a logger that throws.
    }
  }

  /**
   * Starts a raw process running `body(self)`; returns its pid at once (the body
   * runs later, from the scheduler). The process ends with `'normal'` when the body
   * returns, or with the thrown value when it throws or rejects.
   *
   * @param body - the process's code; may be async.
   * @param opts - `name` to register, `link` to a parent, `trapExit`.
   * @throws TypeError when `body` is not a function or an option is malformed;
   * AlreadyRegisteredError when the name is taken.
   * @example
   * ```ts
   * const pid = rt.spawn(async (self) => {
   *   for (;;) console.log(await self.receive());
   * }, { name: 'printer' });
   * ```
   */
  spawn(body: (self: Self) => unknown, opts?: SpawnOptions): Pid {
    if (typeof body !== 'function') {
      throw new TypeError(
        `spawn: expected \`body\` to be a function, got ${describeValue(body, 100)}`,
      );
    }
    return this.spawnProcess(body, undefined, opts, 'spawn').pid;
  }

  /**
   * Creates a process record. Raw processes run `body`; behaviours run `handler`
   * once per message. @internal
   */
  spawnProcess(
    body: ((self: Self) => unknown) | undefined,
    handler: MessageHandler | undefined,
    opts: SpawnOptions | undefined,
    operation: string,
  ): Self {
    if (this.#stopped) throw new OtpError(`${operation}: runtime ${this.name} is shut down`);
    let parent: Pid | undefined;
    if (opts !== undefined) {
      if (typeof opts !== 'object' || opts === null) {
        throw new TypeError(
          `${operation}: expected options to be an object, got ${describeValue(opts, 100)}`,
        );
      }
      if (opts.name !== undefined) assertName(opts.name, operation, 'opts.name');
      if (opts.link !== undefined && !(opts.link instanceof Pid)) {
        throw new TypeError(
          `${operation}: expected \`opts.link\` to be a pid, got ${describeValue(opts.link, 100)}`,
        );
      }
      if (opts.trapExit !== undefined && typeof opts.trapExit !== 'boolean') {
        throw new TypeError(
          `${operation}: expected \`opts.trapExit\` to be a boolean, got ${describeValue(opts.trapExit, 100)}`,
        );
      }
      parent = opts.link;
    }
    const proc = new Self(this.#nextPid++, this, body, handler, parent);
    if (opts?.name !== undefined) this.names.register(opts.name, proc, operation);
    // The record is its own pid: from now on the pid reaches the process.
    proc.proc = proc;
    if (opts?.trapExit === true) proc.trapping = true;
    this.#procs.add(proc);
    this.emitSafely('spawn', proc);
    if (parent !== undefined) this.link(proc, parent);
    if (body !== undefined && proc.alive) this.scheduler.enqueue(proc);
    return proc;
  }

  /**
   * Sends `message` to `dest`, asynchronously: the receiver runs later. To a dead
   * pid the message is dropped silently, as in Erlang.
   *
   * @throws NoProcError when `dest` is a name nobody holds; TypeError when `dest`
   * is neither a pid nor a name.
   * @example
   * ```ts
   * rt.send('printer', 'hello');
   * ```
   */
  send(dest: Dest, message: unknown): void {
    if (dest instanceof Pid) {
      this.route(dest, message);
      return;
    }
    assertDest(dest, 'send');
    const proc = this.names.resolve(dest);
    if (proc === undefined) throw new NoProcError('send', dest);
    proc.deliver(message);
  }

  /**
   * Every delivery to a pid goes through here. Pids of another runtime are never
   * reached: runtimes do not see each other's processes. @internal
   */
  route(pid: Pid, message: unknown): void {
    if (pid.node !== this) return;
    pid.proc?.deliver(message);
  }

  /**
   * Sends an exit signal to `pid` from outside any process, like Erlang's
   * `exit/2`: a process that does not trap exits dies with `reason` (unless it is
   * `'normal'`); one that traps gets an {@link Exit} message. `'kill'` cannot be
   * trapped: the process ends with `'killed'`.
   *
   * @throws TypeError when `pid` is not a pid.
   * @example
   * ```ts
   * rt.exit(pid, 'kill');
   * ```
   */
  exit(pid: Pid, reason: ExitReason): void {
    if (!(pid instanceof Pid))
      throw new TypeError(`exit: expected \`pid\` to be a pid, got ${describeValue(pid, 100)}`);
    this.sendExit(pid, reason, this.rootPid);
  }

  /** @internal */
  sendExit(pid: Pid, reason: ExitReason, from: Pid): void {
    if (!(pid instanceof Pid))
      throw new TypeError(`exit: expected \`pid\` to be a pid, got ${describeValue(pid, 100)}`);
    if (pid.node !== this) return;
    const target = pid.proc;
    if (target !== undefined) this.exitSignal(target, from, reason, false);
  }

  /** Applies an exit signal to `target`, as Erlang does. @internal */
  exitSignal(target: Self, from: Pid, reason: ExitReason, viaLink: boolean): void {
    if (!target.alive) return;
    if (reason === 'kill' && !viaLink) {
      this.terminate(target, 'killed', false);
    } else if (target.trapping) {
      target.deliver(new Exit(from, reason));
    } else if (reason !== 'normal' || from === target.pid) {
      // As in Erlang, `exit(self(), normal)` ends the calling process.
      this.terminate(target, reason, false);
    }
  }

  /** Links two processes; a dead `pid` sends `'noproc'` to `proc`. @internal */
  link(proc: Self, pid: Pid): void {
    const other = pid.node === this ? pid.proc : undefined;
    if (other === undefined) {
      this.exitSignal(proc, pid, 'noproc', true);
      return;
    }
    if (other === proc) return;
    (proc.links ??= new Set()).add(other);
    (other.links ??= new Set()).add(proc);
  }

  /**
   * Starts a behaviour (a GenServer, Supervisor, DynamicSupervisor, Registry or a
   * subclass) linked to nobody. Resolves with its pid once `init` has returned.
   *
   * @param Behaviour - the behaviour class.
   * @param arg - the argument its `init` takes.
   * @param opts - `name` to register before `init` runs, `timeout` for `init`.
   * @returns The pid of the started process.
   * @throws AlreadyStartedError when the name is taken; StartError when `init`
   * throws, returns `stop(reason)` or `ignore()` (reason `'ignore'`), or outlives
   * the timeout. All as rejections.
   * @example
   * ```ts
   * const pid = await rt.start(Counter, 0, { name: 'counter' });
   * ```
   */
  start<B extends BehaviourClass>(
    Behaviour: B,
    arg: InitArg<B>,
    opts?: StartOptions,
  ): Promise<Pid> {
    if (behaviourStarter === undefined) {
      return Promise.reject(
        new TypeError('start: no behaviour is loaded; import GenServer from otp-ts'),
      );
    }
    return behaviourStarter(this, Behaviour, arg, opts, undefined);
  }

  /**
   * The pid registered under `name`, or `undefined` for a free name.
   * @example
   * ```ts
   * const pid = rt.whereis('Test1');
   * ```
   */
  whereis(name: Name): Pid | undefined {
    assertName(name, 'whereis');
    return this.names.resolve(name)?.pid;
  }

  /**
   * Registers `pid` under `name` in the local name table (or a Registry, for a via
   * name). The name is freed when the process exits.
   *
   * @throws AlreadyRegisteredError (with `.pid` of the holder) when the name is
   * taken or the process already has a name; NoProcError when `pid` is dead.
   * @example
   * ```ts
   * rt.register('printer', pid);
   * ```
   */
  register(name: Name, pid: Pid): void {
    assertName(name, 'register');
    if (!(pid instanceof Pid))
      throw new TypeError(`register: expected \`pid\` to be a pid, got ${describeValue(pid, 100)}`);
    const proc = pid.node === this ? pid.proc : undefined;
    if (proc === undefined) throw new NoProcError(`register of ${describeValue(name, 100)}`, pid);
    this.names.register(name, proc, 'register');
  }

  /**
   * Frees `name`.
   * @returns `true` if a process held it.
   * @example
   * ```ts
   * rt.unregister('printer');
   * ```
   */
  unregister(name: Name): boolean {
    assertName(name, 'unregister');
    return this.names.unregister(name);
  }

  /**
   * The names in the local name table.
   * @example
   * ```ts
   * rt.registered(); // ['Store.Supervisor', 'Test1', 'Test2']
   * ```
   */
  registered(): string[] {
    return this.names.localNames();
  }

  /**
   * Whether `pid` is a live process of this runtime.
   * @example
   * ```ts
   * rt.isAlive(pid);
   * ```
   */
  isAlive(pid: Pid): boolean {
    return pid instanceof Pid && pid.node === this && pid.proc !== undefined;
  }

  /**
   * The pids of every live process, oldest first.
   * @example
   * ```ts
   * rt.processes().length;
   * ```
   */
  processes(): Pid[] {
    // Each process record is its own pid.
    return this.#procs.toArray();
  }

  /**
   * What the runtime knows of a live process, or `undefined` if it is dead.
   * @example
   * ```ts
   * rt.info(pid)?.messageQueueLen;
   * ```
   */
  info(pid: Pid): ProcessInfo | undefined {
    if (!this.isAlive(pid)) return undefined;
    const proc = pid.proc!;
    const monitoredBy: Pid[] = [];
    for (const watcher of proc.monitoredBy?.values() ?? [])
      if (watcher instanceof Self) monitoredBy.push(watcher.pid);
    return {
      pid,
      name: proc.name,
      status: proc.status,
      messageQueueLen: proc.messageQueueLen,
      links: [...(proc.links ?? [])].map((p) => p.pid),
      monitors: [...(proc.monitors?.values() ?? [])].map((p) => p.pid),
      monitoredBy,
      trapExit: proc.trapping,
      messagesHandled: proc.handled,
      behaviour: proc.behaviour,
    };
  }

  /**
   * A promise of `pid`'s exit reason; `'noproc'` at once if it is already dead.
   * @example
   * ```ts
   * rt.exit(pid, 'kill');
   * await rt.awaitExit(pid); // 'killed'
   * ```
   */
  awaitExit(pid: Pid): Promise<ExitReason> {
    if (!(pid instanceof Pid)) {
      return Promise.reject(
        new TypeError(`awaitExit: expected \`pid\` to be a pid, got ${describeValue(pid, 100)}`),
      );
    }
    const proc = pid.node === this ? pid.proc : undefined;
    if (proc === undefined) return Promise.resolve('noproc');
    return new Promise((resolve) => {
      const watcher: ListedWatcher = {
        prevWatcher: undefined,
        nextWatcher: undefined,
        watched: undefined,
        down: (_ref, _pid, reason) => resolve(reason),
      };
      attachWatcher(proc, watcher);
    });
  }

  /** Calls `watcher.down` when `proc` exits (the watch lasts until then). @internal */
  watch(proc: Self, watcher: ExitWatcher): Ref {
    const ref = this.makeRef();
    (proc.monitoredBy ??= new Map()).set(ref, watcher);
    return ref;
  }

  /**
   * Sends `message` to `dest` after `ms` milliseconds (Erlang's `send_after`). A name
   * is resolved when the timer fires; if nobody holds it then, the message is dropped.
   *
   * @returns A ref for `cancelTimer`.
   * @throws TypeError for a bad `dest`; RangeError when `ms` is negative or not finite.
   * @example
   * ```ts
   * const ref = rt.sendAfter(pid, 'tick', 1000);
   * ```
   */
  sendAfter(dest: Dest, message: unknown, ms: number): Ref {
    assertDest(dest, 'sendAfter');
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
      throw new (typeof ms === 'number' ? RangeError : TypeError)(
        `sendAfter: expected \`ms\` to be a finite number >= 0, got ${describeValue(ms, 100)}`,
      );
    }
    const ref = this.makeRef();
    const entry: TimerEntry = {
      deadline: this.timers.now() + ms,
      cancelled: false,
      fire: () => {
        ref.timer = undefined;
        const proc =
          dest instanceof Pid
            ? dest.node === this
              ? dest.proc
              : undefined
            : safeResolve(this.names, dest);
        proc?.deliver(message);
      },
    };
    ref.timer = entry;
    this.timers.add(entry);
    return ref;
  }

  /**
   * Cancels a `sendAfter` timer.
   * @returns The ms that were left, or `false` if the timer had fired or was cancelled.
   * @example
   * ```ts
   * const left = rt.cancelTimer(ref);
   * ```
   */
  cancelTimer(ref: Ref): number | false {
    if (!(ref instanceof Ref))
      throw new TypeError(
        `cancelTimer: expected \`ref\` to be a ref from sendAfter, got ${describeValue(ref, 100)}`,
      );
    const entry = ref.timer;
    if (entry === undefined || entry.cancelled) return false;
    ref.timer = undefined;
    this.timers.cancel(entry);
    return Math.max(0, Math.round(entry.deadline - this.timers.now()));
  }

  /**
   * Stops every process, then resolves: top-level processes get an exit signal
   * `'shutdown'` (supervisors stop their children in reverse start order), and
   * whatever is still alive after `timeout` ms is killed. Timers are cleared, so a
   * script exits by itself afterwards. Calling it again returns the same promise.
   *
   * @param opts - `timeout` in ms. @defaultValue `{ timeout: 5000 }`
   * @example
   * ```ts
   * await rt.shutdown();
   * ```
   */
  shutdown(opts?: { timeout?: number }): Promise<void> {
    if (this.#shutdown === undefined) {
      const timeout = opts?.timeout ?? DEFAULT_SHUTDOWN_TIMEOUT;
      if (typeof timeout !== 'number' || Number.isNaN(timeout) || timeout < 0) {
        return Promise.reject(
          new (typeof timeout === 'number' ? RangeError : TypeError)(
            `shutdown: expected \`timeout\` to be a number >= 0, got ${describeValue(timeout, 100)}`,
          ),
        );
      }
      this.#shutdown = this.#stopAll(timeout);
    }
    return this.#shutdown;
  }

  async #stopAll(timeout: number): Promise<void> {
    const roots = this.#procs
      .toArray()
      .filter((p) => p.parent === undefined || p.parent.proc === undefined)
      .reverse();
    const exits = roots.map((p) => this.awaitExit(p.pid));
    for (const proc of roots) this.sendExit(proc.pid, 'shutdown', this.rootPid);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(exits),
      new Promise((resolve) => {
        // No timer for Infinity: Node.js fires a timer past its limit after 1 ms.
        if (Number.isFinite(timeout)) timer = setTimeout(resolve, Math.min(timeout, 2_147_483_647));
      }),
    ]);
    clearTimeout(timer);
    for (const proc of this.#procs.toArray().reverse()) this.terminate(proc, 'killed', false);
    this.#stopped = true;
    this.timers.stop();
    this.scheduler.stop();
  }

  /** @internal */
  makeRef(): Ref {
    return new Ref(this.#nextRef++);
  }

  /** The live process behind `dest`, if any. @internal */
  resolveProcess(dest: Dest, operation: string): Self | undefined {
    if (dest instanceof Pid) return dest.node === this ? dest.proc : undefined;
    assertDest(dest, operation);
    return this.names.resolve(dest);
  }

  /** The pid behind `dest`; throws NoProcError for a free name unless `quiet`. @internal */
  resolvePid(dest: Dest, operation: string, quiet = false): Pid | undefined {
    if (dest instanceof Pid) return dest;
    const proc = this.resolveProcess(dest, operation);
    if (proc === undefined && !quiet) throw new NoProcError(operation, dest);
    return proc?.pid;
  }

  /**
   * Ends `proc` with `reason`. Exits that follow (links) are processed in a loop,
   * not by recursion, so a chain of 100,000 linked processes cannot overflow the
   * stack. `selfInflicted` exits (a throw, `self.exit`, a behaviour's stop) get a
   * crash report when abnormal; exits caused by a signal do not, as in OTP. @internal
   */
  terminate(proc: Self, reason: ExitReason, selfInflicted: boolean): void {
    if (!proc.alive) return;
    proc.alive = false;
    proc.selfInflicted = selfInflicted;
    if (this.#finalizing) {
      this.#dying.push(proc, reason);
      return;
    }
    this.#finalizing = true;
    try {
      finalizeExit(this, this.#procs, proc, reason);
      // Exits caused by this one (links), queued meanwhile: only they need the array.
      const dying = this.#dying;
      for (let i = 0; i < dying.length; i += 2) {
        finalizeExit(this, this.#procs, dying[i] as Self, dying[i + 1] as ExitReason);
      }
    } finally {
      if (this.#dying.length > 0) this.#dying = [];
      this.#finalizing = false;
    }
  }

  /** Counts for leak checks: processes, names, timers. @internal */
  get stats(): { processes: number; names: number; timers: number; runQueue: number } {
    return {
      processes: this.#procs.size,
      names: this.names.size,
      timers: this.timers.size,
      runQueue: this.scheduler.length,
    };
  }

  /** @internal */
  mailboxOverflow(proc: Self): void {
    const length = proc.messageQueueLen;
    try {
      this.logger.warn(`process ${proc.pid} has ${length} messages in its mailbox`);
    } catch {
      // A throwing logger must not make the sender fail.
    }
    this.emitSafely('mailbox_overflow', proc.pid, length);
  }

  /**
   * Emits an event; a listener that throws is reported through the logger, so it
   * can neither break the scheduler nor escape as an uncaught exception. @internal
   */
  emitSafely<E extends keyof RuntimeEvents>(event: E, ...args: RuntimeEvents[E]): void {
    if (this.listenerCount(event) === 0) return;
    // Each listener is called on its own (`emit` would skip the rest after a throw), so
    // one that throws cannot keep the event from the others.
    for (const listener of this.listeners(event)) {
      // What `emit` does first: drop the listener if it was added with `once` (only then).
      this.removeListener(event, listener, undefined, true);
      try {
        (listener as (...args: RuntimeEvents[E]) => void).apply(this, args);
      } catch (error) {
        try {
          this.logger.error(`otp-ts: a listener of the '${String(event)}' event threw:`, error);
        } catch {
          // Nothing more can be done for a logger that throws.
        }
      }
    }
  }
}

function safeResolve(names: NameTable, name: Name): Self | undefined {
  try {
    return names.resolve(name);
  } catch {
    return undefined;
  }
}

function isLogger(value: unknown): value is Logger {
  if (typeof value !== 'object' || value === null) return false;
  const l = value as Record<string, unknown>;
  return (
    typeof l.error === 'function' &&
    typeof l.warn === 'function' &&
    typeof l.info === 'function' &&
    typeof l.debug === 'function'
  );
}
