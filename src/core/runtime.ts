import { nanoid } from 'nanoid';
import { describeValue } from '../describe.js';
import { NoProcError, OtpError } from '../errors.js';
import { type CrashReport, type Logger, silentLogger, stderrLogger } from '../logger.js';
import type { BehaviourRef, Dest, ExitReason, Name, RemoteName } from '../types.js';
import { CallTimeouts } from './call-timeouts.js';
import { copyMessage } from './copy.js';
import { finalizeExit } from './exits.js';
import { HandlerProcess } from './handler-process.js';
import { exitSignal, link } from './links.js';
import { assertDest, assertName, isRemoteName, NameTable } from './names.js';
import { LOCAL_NODE, markLocalNode, Pid, Ref } from './pid.js';
import {
  type MessageHandler,
  type Process,
  ProcessState,
  processInfo,
  processOf,
} from './process.js';
import { ProcessTable } from './process-table.js';
import { RawProcess } from './raw-process.js';
import {
  createRouter,
  type DistributionOptions,
  type NodeService,
  type Peer,
  type PeerOptions,
} from './remote.js';
import { RuntimeEmitter } from './runtime-emitter.js';
import { emitToEach, mailboxOverflow } from './runtime-events.js';
import { connect, startDistribution, startPeer } from './runtime-nodes.js';
import { checkRuntimeOptions } from './runtime-options.js';
import { shutdownTimeout, stopAll } from './runtime-shutdown.js';
import { start } from './runtime-start.js';
import { trace, traceWith } from './runtime-trace.js';
import type {
  BehaviourClass,
  InitArg,
  ProcessInfo,
  RuntimeEvents,
  RuntimeOptions,
  StartOptions,
} from './runtime-types.js';
import { NodeScheduler, type RunQueue, Scheduler } from './scheduler.js';
import { assertPid, checkSpawnOptions, SelfHandle, type SpawnOptions } from './self.js';
import { cancelTimer, SendTimers, sendAfter } from './send-timers.js';
import { exitReasonOf } from './signals.js';
import { Timers } from './timers.js';
import type { Trace, TraceEvent, TraceOptions, Tracer } from './trace.js';

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
export class Runtime extends RuntimeEmitter {
  /** The runtime's name. */
  readonly name: string;
  /** How messages travel between its processes: by reference, or copied (`new Runtime({ messages })`). */
  readonly messages: 'share' | 'copy';
  /** Whether messages are copied: read on every send. @internal */
  readonly copying: boolean;
  /** The node's name: `'nonode@nohost'` for a runtime that is not distributed. */
  readonly node: string;
  /** The node's incarnation, carried by its pids and refs (0 when not distributed). */
  readonly creation: number;
  /** The node layer, for a runtime with a node name. @internal */
  readonly router: NodeService<Process> | undefined;
  /** @internal */ readonly logger: Logger;
  /** Whether reports go nowhere (`logger: false`): callers can skip formatting them. @internal */
  readonly quiet: boolean;
  /** @internal */ readonly scheduler: RunQueue;
  /** @internal */ readonly timers: Timers;
  /** The timeouts of the calls and task awaits made here, batched over `timers`. @internal */
  readonly callTimeouts: CallTimeouts;
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
  /**
   * The traces, while at least one runs; `undefined` otherwise, so that the send sites
   * that test it pay one branch when nothing is traced. @internal
   */
  tracer: Tracer | undefined = undefined;
  #shutdown: Promise<void> | undefined;

  /**
   * @param opts - name, logger, scheduler budget and mailbox warning threshold.
   * @throws TypeError or RangeError for an option of the wrong type or range.
   */
  constructor(opts: RuntimeOptions = {}) {
    super();
    const { name, node, creation, logger, budget, mailboxWarning, messages, engine } =
      checkRuntimeOptions(opts);
    this.node = node ?? LOCAL_NODE;
    this.creation =
      node === undefined ? 0 : (creation ?? 1 + Math.floor(Math.random() * 0xffff_fffe));
    markLocalNode(this.node);
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
      this.scheduler =
        node === undefined ? new Scheduler(budget, onError) : new NodeScheduler(budget, onError);
      this.random = Math.random;
    } else {
      this.timers = engine.timers(onError);
      this.scheduler = engine.scheduler(budget, onError);
      this.random = engine.random;
    }
    this.#sendTimers = new SendTimers(this.timers);
    this.callTimeouts = new CallTimeouts(this.timers);
    this.router = node === undefined ? undefined : createRouter<Process>(this);
    const scheduler = this.scheduler;
    if (this.router !== undefined && scheduler instanceof NodeScheduler) {
      scheduler.setOutbox(this.router);
    }
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
    return this.#spawnRaw(body, opts, undefined);
  }

  #spawnRaw(
    body: (self: Self) => unknown,
    opts: SpawnOptions | undefined,
    spawner: Process | undefined,
  ): Pid {
    const parent = this.#checkSpawn(opts, 'spawn');
    const proc = new RawProcess<Self>(this.#newPid(), this, body, this.#makeSelf);
    this.#admit(proc, opts, parent, 'spawn', spawner);
    if (proc.alive) this.scheduler.enqueue(proc);
    return proc.pid;
  }

  /**
   * `spawn` for a `Self`, whose methods cannot name the runtime's `Self` type (the
   * handle's class is generic over its runtime, so the core has no import cycle).
   * @internal
   */
  spawnFor(body: unknown, opts: SpawnOptions | undefined, spawner: Process): Pid {
    if (typeof body !== 'function') return this.spawn(body as (self: Self) => unknown, opts);
    return this.#spawnRaw(body as (self: Self) => unknown, opts, spawner);
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
    this.#admit(proc, opts, parent, operation, undefined);
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
    return checkSpawnOptions(opts, operation);
  }

  /** Registers the name, binds the pid, enters the table, links to the parent. */
  #admit(
    proc: Process,
    opts: SpawnOptions | undefined,
    parent: Pid | undefined,
    operation: string,
    spawner: Process | undefined,
  ): void {
    if (opts?.name !== undefined) this.names.register(opts.name, proc, operation);
    // From now on the pid reaches the process.
    proc.bind();
    if (opts?.trapExit === true) proc.trapping = true;
    this.table.add(proc);
    const tracer = this.tracer;
    if (tracer !== undefined) {
      tracer.spawned(proc, spawner ?? (parent === undefined ? undefined : this.processOf(parent)));
    }
    if (this.spawnHeard) emitToEach(this, 'spawn', [proc.pid]);
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
      // Only a pid with no live local process can be another node's.
      if (proc === undefined && dest.node !== this.node) {
        this.router?.send(undefined, dest, message, 'send');
        return;
      }
    } else {
      assertDest(dest, 'send');
      if (isRemoteName(dest)) {
        if (dest.node !== this.node) {
          this.router?.sendNamed(undefined, dest, message, 'send');
          return;
        }
        proc = this.names.resolve(dest.name);
      } else {
        proc = this.names.resolve(dest);
      }
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
    else if (pid.node !== this.node) this.router?.exit(this.rootPid, pid, reason);
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
  start<B extends BehaviourClass>(Behaviour: B, arg: InitArg<B>, opts?: StartOptions): Promise<Pid>;
  /**
   * Starts the behaviour class that `ref.module` exports as `ref.export`, on
   * `opts.node` (this node by default): Erlang's remote spawn of `{M, F, A}`. The
   * target node imports the module, starts the class with `arg` (copied), and
   * resolves with the pid of the new process.
   *
   * @throws (as rejections) NodeError when `opts.node` cannot be reached (`'noconnection'`)
   * or this runtime has no node name (`'not_alive'`); StartError naming the module and
   * export when they do not resolve to a behaviour class, or when `init` fails.
   * @example
   * ```ts
   * const ref = { module: new URL('./counter.ts', import.meta.url).href, export: 'Counter' };
   * const pid = await rt.start(ref, 0, { node: 'w1@localhost', name: 'counter' });
   * ```
   */
  start(ref: BehaviourRef, arg: unknown, opts?: StartOptions): Promise<Pid>;
  start(Behaviour: BehaviourClass | BehaviourRef, arg: unknown, opts?: StartOptions): Promise<Pid> {
    return start(this, Behaviour, arg, opts);
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
    return this.names.whereis(name);
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
    return proc === undefined ? Promise.resolve('noproc') : exitReasonOf(proc);
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
    return sendAfter(this, this.#sendTimers, dest, message, ms);
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
    return cancelTimer(this.#sendTimers, ref);
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
      let timeout: number;
      try {
        timeout = shutdownTimeout(opts);
      } catch (error) {
        return Promise.reject(error); // Not kept: a later call with a good timeout shuts down.
      }
      const stopped = () => {
        this.#sendTimers.clear();
        this.#stopped = true;
      };
      this.#shutdown = stopAll(this, timeout, (error) => this.#internalError(error), stopped);
    }
    return this.#shutdown;
  }

  /** @internal */
  makeRef(): Ref {
    return new Ref(this.node, this.#nextRef++, this.creation);
  }

  /** The live process behind `dest`, if any. @internal */
  resolveProcess(dest: Dest, operation: string, argument = 'dest'): Process | undefined {
    if (dest instanceof Pid) return this.processOf(dest);
    assertDest(dest, operation, argument);
    if (isRemoteName(dest)) {
      return dest.node === this.node ? this.names.resolve(dest.name) : undefined;
    }
    return this.names.resolve(dest);
  }

  /**
   * Whether `dest` names a process of another node: a pid of another node, or a
   * `{ name, node }` whose node is not this one. @internal
   */
  isRemote(dest: unknown): dest is Pid | RemoteName {
    if (dest instanceof Pid) return dest.node !== this.node;
    return isRemoteName(dest) && dest.node !== this.node;
  }

  /**
   * Starts a node on a new worker thread of this Node.js process and connects it
   * (and every other node of this process) to it. Its `entry` module's default export
   * `(rt, arg)` boots it. Resolves once it has booted. A peer whose thread fails (its
   * code throws outside any process, calls `process.exit`, runs out of memory) is a
   * node that went down: its links fire with `'noconnection'`, and this runtime goes on.
   *
   * @param opts - the peer's node name, entry module and its argument.
   * @returns The {@link Peer}, to stop it.
   * @throws (as rejections) NodeError `'not_alive'` when this runtime has no node
   * name, `'not_allowed'` when the name is taken or this runtime is itself a peer,
   * `'boot_failed'` when the entry cannot be loaded or its boot throws; TypeError for
   * malformed options.
   * @example
   * ```ts
   * const rt = new Runtime({ node: 'main@localhost' });
   * const peer = await rt.startPeer({ name: 'w1@localhost', entry: new URL('./w1.ts', import.meta.url) });
   * await GenServer.call(rt, { name: 'Pool', node: 'w1@localhost' }, 'status');
   * await peer.stop();
   * ```
   * @see {@link Runtime.nodes}
   */
  startPeer(opts: PeerOptions): Promise<Peer> {
    return startPeer(this, opts);
  }

  /**
   * Makes this node reachable over TCP, by other otp-ts nodes and by Erlang and
   * Elixir nodes (as a hidden node): it listens on a port and registers its name with
   * the host's epmd, or with a port mapper of otp-ts's own, started detached, when no
   * epmd runs. From then on, a send, call, link or monitor to a process of any node
   * `name@host` connects to it over TCP if no other carrier reaches it.
   *
   * @param opts - the cookie (default `~/.erlang.cookie`), port, epmd port, tick time.
   * @returns Resolves once the node is listening and registered.
   * @throws (as rejections) NodeError `'not_alive'` when this runtime has no node
   * name, `'already_started'` when it is distributed already, `'not_allowed'` when the
   * port cannot be listened on or the name is taken; TypeError for malformed options.
   * @example
   * ```ts
   * const rt = new Runtime({ node: 'store@localhost' });
   * await rt.startDistribution({ cookie: 'secret' });
   * // From Elixir: GenServer.call({:Test1, :"store@localhost"}, :store)
   * ```
   */
  startDistribution(opts: DistributionOptions = {}): Promise<void> {
    return startDistribution(this, opts);
  }

  /**
   * Connects to `node`, as Erlang's `net_kernel:connect_node`: resolves `true` once
   * connected (at once if already), `false` when it cannot be reached. A send, call,
   * link or monitor to a process of a node not yet connected connects first by itself.
   * @throws (as a rejection) NodeError `'not_alive'` when this runtime has no node name.
   * @example
   * ```ts
   * if (await rt.connect('w1@localhost')) console.log(rt.nodes());
   * ```
   */
  connect(node: string): Promise<boolean> {
    return connect(this, node);
  }

  /**
   * The nodes this one is connected to (not itself), as Erlang's `nodes()`.
   * @example
   * ```ts
   * rt.nodes(); // ['w1@localhost', 'w2@localhost']
   * ```
   */
  nodes(): string[] {
    return this.router?.nodes() ?? [];
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
    const tracer = this.tracer;
    if (tracer !== undefined) tracer.exited(pid, reason);
    if (this.exitHeard) emitToEach(this, 'exit', [pid, reason]);
  }

  /**
   * Traces a process, or every process (`'all'`): its sends, receives, calls, spawns,
   * exit, links and (for a supervisor) restarts, as typed events. A trace always ends by
   * itself, as recon_trace's do, so that tracing a busy node cannot take it down: after
   * `opts.limit` events (1,000 by default), as soon as more than `opts.rate.max` events
   * come within `opts.rate.ms`, when the traced process exits, or at `trace.stop()`.
   * With no trace running, the runtime pays nothing measurable for the feature (one test
   * of a flag the hot paths have at hand; bench/RESULTS.md).
   *
   * @param target - a pid, a name, or `'all'` (every process, those spawned later too).
   * @param opts - `events` to follow (all by default), `limit`, `rate`.
   * @returns The {@link Trace}: an `AsyncIterable` of {@link TraceEvent}s, with `stop()`.
   * @throws NoProcError when `target` names no live process; TypeError or RangeError for
   * a bad option.
   * @example
   * ```ts
   * const trace = rt.trace('store', { events: ['receive', 'send'], limit: 100 });
   * for await (const event of trace) {
   *   if (event.type === 'receive') console.log(`${event.pid} got`, event.message);
   * }
   * ```
   * @see {@link Trace}
   */
  trace(target: Pid | Name | 'all', opts?: TraceOptions): Trace {
    return trace(this, target, opts);
  }

  /**
   * A trace whose events go to `listener` as they come, for `Sys.trace`: it ends only
   * when stopped or when its process exits. @internal
   */
  traceWith(
    proc: Process,
    events: TraceOptions['events'],
    listener: (event: TraceEvent) => void,
  ): Trace {
    return traceWith(this, proc, events, listener);
  }

  /** @internal */
  traceReceive(proc: Process, message: unknown): void {
    this.tracer?.received(proc, message);
  }

  /** @internal */
  traceSend(proc: Process, dest: Dest, message: unknown): void {
    this.tracer?.sent(proc, dest, message);
  }

  /** @internal */
  traceCall(proc: Process, dest: Dest, request: unknown): void {
    this.tracer?.called(proc, dest, request);
  }

  /** @internal */
  traceLink(proc: Process, other: Process, linked: boolean): void {
    this.tracer?.linked(proc, other, linked);
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
    mailboxOverflow(this, proc);
  }

  /**
   * Emits an event; a listener that throws is reported through the logger, so it
   * can neither break the scheduler nor escape as an uncaught exception. @internal
   */
  emitSafely<E extends keyof RuntimeEvents>(event: E, ...args: RuntimeEvents[E]): void {
    // Tested here, not in emitToEach: the reports come this way, mostly unheard.
    if (this.listenerCount(event) === 0) return;
    emitToEach(this, event, args);
  }
}

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
