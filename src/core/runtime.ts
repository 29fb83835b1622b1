import { EventEmitter } from 'eventemitter3';
import { nanoid } from 'nanoid';
import { describeValue } from '../describe.js';
import { NoProcError, OtpError } from '../errors.js';
import { type CrashReport, type Logger, silentLogger, stderrLogger } from '../logger.js';
import type { Dest, ExitReason, Name } from '../types.js';
import { copyMessage } from './copy.js';
import { finalizeExit } from './exits.js';
import { HandlerProcess } from './handler-process.js';
import { exitSignal, link } from './links.js';
import { assertDest, assertName, NameTable } from './names.js';
import { LOCAL_NODE, Pid, Ref } from './pid.js';
import {
  type MessageHandler,
  type Process,
  ProcessState,
  processInfo,
  processOf,
} from './process.js';
import { ProcessTable } from './process-table.js';
import { RawProcess } from './raw-process.js';
import { checkRuntimeOptions } from './runtime-options.js';
import {
  type BehaviourClass,
  type InitArg,
  type ProcessInfo,
  type RuntimeEvents,
  type RuntimeOptions,
  type StartOptions,
  startBehaviour,
} from './runtime-types.js';
import { type RunQueue, Scheduler } from './scheduler.js';
import { assertPid, SelfHandle, type SpawnOptions } from './self.js';
import { SendTimers } from './send-timers.js';
import { attachWatcher, type ListedWatcher } from './signals.js';
import { type TimerEntry, Timers } from './timers.js';

export type {
  BehaviourClass,
  InitArg,
  ProcessInfo,
  RuntimeEvents,
  RuntimeOptions,
  SpawnOptions,
  StartOptions,
};

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
  /** How messages travel between its processes: by reference, or copied (`new Runtime({ messages })`). */
  readonly messages: 'share' | 'copy';
  /** Whether messages are copied: read on every send. @internal */
  readonly copying: boolean;
  /** The node's name: `'nonode@nohost'` for a runtime that is not distributed. */
  readonly node: string = LOCAL_NODE;
  /** The node's incarnation, carried by its pids and refs. */
  readonly creation: number = 0;
  /** @internal */ readonly logger: Logger;
  /** Whether reports go nowhere (`logger: false`): callers can skip formatting them. @internal */
  readonly quiet: boolean;
  /** @internal */ readonly scheduler: RunQueue;
  /** @internal */ readonly timers: Timers;
  /** The runtime's source of randomness in [0, 1) (backoff jitter): seeded in a TestRuntime. @internal */
  readonly random: () => number;
  /** @internal */ readonly names = new NameTable();
  /** @internal */ readonly mailboxWarning: number;
  /** The pid exit signals from outside any process come from (`<0.0.0>`, never alive). @internal */
  readonly rootPid: Pid;

  /** The live processes, oldest first. @internal */
  readonly table = new ProcessTable();
  #nextPid = 1;
  #nextRef = 1;
  /** The pending `sendAfter` timers, by their refs. */
  readonly #sendTimers: SendTimers;
  /** Exits caused while one is being finalized, as process, reason, selfInflicted... */
  #dying: unknown[] = [];
  /** Makes the handle of a new process: one function per runtime, not a closure per spawn. */
  readonly #makeSelf = (proc: Process): Self => new Self(this, this, proc);
  #finalizing = false;
  #stopped = false;
  #shutdown: Promise<void> | undefined;

  /**
   * @param opts - name, logger, scheduler budget and mailbox warning threshold.
   * @throws TypeError or RangeError for an option of the wrong type or range.
   */
  constructor(opts: RuntimeOptions = {}) {
    super();
    const { name, logger, budget, mailboxWarning, messages, engine } = checkRuntimeOptions(opts);
    this.messages = messages;
    this.copying = messages === 'copy';
    this.name = name ?? `otp-${nanoid(8)}`;
    this.logger = logger === false ? silentLogger : (logger ?? stderrLogger);
    this.quiet = logger === false;
    this.mailboxWarning = mailboxWarning;
    this.rootPid = new Pid(this.node, 0, this.creation);
    const onError = (error: unknown) => this.#internalError(error);
    if (engine === undefined) {
      this.timers = new Timers(onError);
      this.scheduler = new Scheduler(budget, onError);
      this.random = Math.random;
    } else {
      this.timers = engine.timers(onError);
      this.scheduler = engine.scheduler(budget, onError);
      this.random = engine.random;
    }
    this.#sendTimers = new SendTimers(this.timers);
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
    const parent = this.#checkSpawn(opts, 'spawn');
    const proc = new RawProcess<Self>(this.#newPid(), this, body, this.#makeSelf);
    this.#admit(proc, opts, parent, 'spawn');
    if (proc.alive) this.scheduler.enqueue(proc);
    return proc.pid;
  }

  /**
   * `spawn` for a `Self`, whose methods cannot name the runtime's `Self` type (the
   * handle's class is generic over its runtime, so the core has no import cycle).
   * @internal
   */
  spawnFor(body: unknown, opts: SpawnOptions | undefined): Pid {
    return this.spawn(body as (self: Self) => unknown, opts);
  }

  /**
   * Starts a process that runs `handler` once per message (a behaviour's engine),
   * and returns its record; the kernel hands it to behaviours. @internal
   */
  spawnHandler(
    handler: MessageHandler,
    opts: SpawnOptions | undefined,
    operation: string,
  ): HandlerProcess {
    const parent = this.#checkSpawn(opts, operation);
    const proc = new HandlerProcess(this.#newPid(), this, handler);
    this.#admit(proc, opts, parent, operation);
    return proc;
  }

  /** The handle a process's own code acts through. @internal */
  selfOf(proc: Process): Self {
    return this.#makeSelf(proc);
  }

  #newPid(): Pid {
    return new Pid(this.node, this.#nextPid++, this.creation);
  }

  /** Checks spawn options before anything starts; returns the parent to link to. */
  #checkSpawn(opts: SpawnOptions | undefined, operation: string): Pid | undefined {
    if (this.#stopped) throw new OtpError(`${operation}: runtime ${this.name} is shut down`);
    if (opts === undefined) return undefined;
    if (typeof opts !== 'object' || opts === null) {
      throw new TypeError(
        `${operation}: expected options to be an object, got ${describeValue(opts, 100)}`,
      );
    }
    if (opts.name !== undefined) assertName(opts.name, operation, 'opts.name');
    if (opts.link !== undefined) assertPid(opts.link, operation, 'opts.link');
    if (opts.trapExit !== undefined && typeof opts.trapExit !== 'boolean') {
      throw new TypeError(
        `${operation}: expected \`opts.trapExit\` to be a boolean, got ${describeValue(opts.trapExit, 100)}`,
      );
    }
    return opts.link;
  }

  /** Registers the name, binds the pid, enters the table, links to the parent. */
  #admit(
    proc: Process,
    opts: SpawnOptions | undefined,
    parent: Pid | undefined,
    operation: string,
  ): void {
    if (opts?.name !== undefined) this.names.register(opts.name, proc, operation);
    // From now on the pid reaches the process.
    proc.bind();
    if (opts?.trapExit === true) proc.trapping = true;
    this.table.add(proc);
    this.emitSafely('spawn', proc.pid);
    if (parent !== undefined) {
      proc.more().parent = parent;
      link(proc, processOf(parent), parent);
    }
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
    let proc: Process | undefined;
    if (dest instanceof Pid) {
      proc = this.processOf(dest);
    } else {
      assertDest(dest, 'send');
      proc = this.names.resolve(dest);
      if (proc === undefined) throw new NoProcError('send', dest);
    }
    // The message is copied (or refused) even for a dead pid: a send that works only
    // while its receiver lives would hide a message that cannot travel.
    if (this.copying) message = copyMessage(message, 'send');
    proc?.deliver(message);
  }

  /**
   * Sends an exit signal to `pid` from outside any process, like Erlang's
   * `exit/2`: a process that does not trap exits dies with `reason` (unless it is
   * `'normal'`); one that traps gets an `Exit` message. `'kill'` cannot be
   * trapped: the process ends with `'killed'`.
   *
   * @throws TypeError when `pid` is not a pid.
   * @example
   * ```ts
   * rt.exit(pid, 'kill');
   * ```
   */
  exit(pid: Pid, reason: ExitReason): void {
    assertPid(pid, 'exit');
    const target = this.processOf(pid);
    if (target !== undefined) exitSignal(target, this.rootPid, reason, false);
  }

  /** The live process of this runtime that `pid` names. @internal */
  processOf(pid: Pid): Process | undefined {
    const proc = processOf(pid);
    return proc !== undefined && proc.host === this ? proc : undefined;
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
    let start: unknown;
    try {
      start =
        typeof Behaviour === 'function'
          ? (Behaviour as unknown as Record<symbol, unknown>)[startBehaviour]
          : undefined;
    } catch {
      start = undefined; // A class whose statics cannot be read (a Proxy that throws).
    }
    if (typeof start !== 'function') {
      return Promise.reject(
        new TypeError(
          `start: expected a GenServer class (or Supervisor, Registry...), got ${describeValue(Behaviour, 100)}`,
        ),
      );
    }
    return (start as StartFunction).call(Behaviour, this, arg, opts);
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
    assertPid(pid, 'register');
    const proc = this.processOf(pid);
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
    assertPid(pid, 'isAlive');
    return this.processOf(pid) !== undefined;
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
    return this.table.toArray().map((proc) => proc.pid);
  }

  /**
   * What the runtime knows of a live process, or `undefined` if it is dead.
   * @example
   * ```ts
   * rt.info(pid)?.messageQueueLen;
   * ```
   */
  info(pid: Pid): ProcessInfo | undefined {
    assertPid(pid, 'info');
    const proc = this.processOf(pid);
    return proc === undefined ? undefined : processInfo(proc);
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
    const proc = this.processOf(pid);
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
    if (this.copying) message = copyMessage(message, 'sendAfter');
    return this.#sendTimers.add(this.makeRef(), ms, () => {
      const proc = dest instanceof Pid ? this.processOf(dest) : safeResolve(this.names, dest);
      proc?.deliver(message);
    });
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
    return this.#sendTimers.cancel(ref);
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
    const roots = this.table
      .toArray()
      .filter((p) => p.parent === undefined || this.processOf(p.parent) === undefined)
      .reverse();
    const exits = roots.map((p) => this.awaitExit(p.pid));
    for (const proc of roots) exitSignal(proc, this.rootPid, 'shutdown', false);
    // On the runtime's own timers, so that a virtual clock (otp-ts/testing) runs it too.
    let timer: TimerEntry | undefined;
    await Promise.race([
      Promise.all(exits),
      new Promise((resolve) => {
        if (timeout === Number.POSITIVE_INFINITY) return;
        timer = { deadline: this.timers.now() + timeout, cancelled: false, fire: resolve };
        this.timers.add(timer);
      }),
    ]);
    if (timer !== undefined) this.timers.cancel(timer);
    for (const proc of this.table.toArray().reverse()) this.terminate(proc, 'killed', false);
    this.#sendTimers.clear();
    this.#stopped = true;
    this.timers.stop();
    this.scheduler.stop();
  }

  /** @internal */
  makeRef(): Ref {
    return new Ref(this.node, this.#nextRef++, this.creation);
  }

  /** The live process behind `dest`, if any. @internal */
  resolveProcess(dest: Dest, operation: string, argument = 'dest'): Process | undefined {
    if (dest instanceof Pid) return this.processOf(dest);
    assertDest(dest, operation, argument);
    return this.names.resolve(dest);
  }

  /**
   * Ends `proc` with `reason`. Exits that follow (links) are processed in a loop,
   * not by recursion, so a chain of 100,000 linked processes cannot overflow the
   * stack. `selfInflicted` exits (a throw, `self.exit`, a behaviour's stop) get a
   * crash report when abnormal; exits caused by a signal do not, as in OTP. @internal
   */
  terminate(proc: Process, reason: ExitReason, selfInflicted: boolean): void {
    if (!proc.alive) return;
    proc.state = ProcessState.Exiting;
    if (this.#finalizing) {
      this.#dying.push(proc, reason, selfInflicted);
      return;
    }
    this.#finalizing = true;
    try {
      finalizeExit(this, proc, reason, selfInflicted);
      // Exits caused by this one (links), queued meanwhile: only they need the array.
      const dying = this.#dying;
      for (let i = 0; i < dying.length; i += 3) {
        finalizeExit(
          this,
          dying[i] as Process,
          dying[i + 1] as ExitReason,
          dying[i + 2] as boolean,
        );
      }
    } finally {
      if (this.#dying.length > 0) this.#dying = [];
      this.#finalizing = false;
    }
  }

  /** @internal */
  emitExit(pid: Pid, reason: ExitReason): void {
    this.emitSafely('exit', pid, reason);
  }

  /** @internal */
  emitCrash(report: CrashReport): void {
    this.emitSafely('crash', report);
  }

  /** Counts for leak checks: processes, names, timers. @internal */
  get stats(): { processes: number; names: number; timers: number; runQueue: number } {
    return {
      processes: this.table.size,
      names: this.names.size,
      timers: this.timers.size,
      runQueue: this.scheduler.length,
    };
  }

  /** @internal */
  mailboxOverflow(proc: Process): void {
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

function safeResolve(names: NameTable, name: Name): Process | undefined {
  try {
    return names.resolve(name);
  } catch {
    return undefined;
  }
}

type StartFunction = (
  runtime: Runtime,
  arg: unknown,
  opts: StartOptions | undefined,
) => Promise<Pid>;

/**
 * The context of a running process: the `self` its body receives, with everything a
 * process can do as itself and to others. Only the process's own code holds it; its
 * {@link Pid} names it and can do nothing to it.
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
export class Self extends SelfHandle<Runtime> {}
