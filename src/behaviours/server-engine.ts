import {
  addTimer,
  cancelTimer,
  Exit,
  exitProcess,
  isThenable,
  loggerOf,
  type MessageHandler,
  now,
  type Pid,
  type Process,
  prototypeOf,
  type Runtime,
  rootPid,
  type Self,
  selfOf,
  Timeout,
  type TimerEntry,
  type Trace,
  traceProcess,
  traceSend,
} from '../core/kernel.js';
import { describeDest, describeProcess, describeValue } from '../describe.js';
import type { ExitReason } from '../types.js';
import type { From, SystemRequest } from './gen.js';
import type { StartRequest } from './proc-lib.js';
import {
  type NoReplyResult,
  type OkResult,
  type ReplyResult,
  type ResultKind,
  type ResultOptions,
  resultKind,
  type StopResult,
} from './results.js';
import {
  adoptState,
  CastMessage,
  engineCallbacks,
  formatState,
  type ServerCallbacks,
  type SysRequest,
  type SysStatistics,
  type SysStatus,
} from './server-callbacks.js';
import { CALL_TAG, CAST_TAG, IDLE_TAG, START_TAG, SYSTEM_TAG, tagClass, tagOf } from './tags.js';

/**
 * The instance side of a behaviour the engine runs (GenServer, GenStatem, and so
 * Supervisor and Registry): given the engine that will run it, before its process takes
 * a message, it keeps it, for its `self`. A class whose prototype has it is a class
 * `rt.start` and supervisors can start.
 * @internal
 */
export const hostEngine: unique symbol = Symbol('otp-ts.hostEngine');

/** An instance of a behaviour class the engine runs. @internal */
export interface EngineHost {
  [hostEngine](engine: ServerEngine): void;
  [engineCallbacks]?(): ServerCallbacks;
}

/** A class the engine can run: what `rt.start`, `startLink` and child specs accept. @internal */
export type EngineHostClass = (new () => EngineHost) & {
  readonly name: string;
  readonly behaviourName: string;
  childSpec(arg?: unknown): unknown;
};

/** Whether `value` is a class the engine can run; false for anything unreadable (a hostile Proxy). @internal */
export function isEngineHostClass(value: unknown): value is EngineHostClass {
  if (typeof value !== 'function') return false;
  try {
    const proto: unknown = value.prototype;
    return (
      typeof proto === 'object' &&
      proto !== null &&
      typeof (proto as Partial<EngineHost>)[hostEngine] === 'function'
    );
  } catch {
    return false;
  }
}

/** The idle timeout set by a result's `timeout` option, as a message to itself. */
class IdleTimeout {}

const NO_MESSAGE: unique symbol = Symbol('no message');

type Step = undefined | Promise<unknown>;

type Callback = 'handleCall' | 'handleCast' | 'handleInfo' | 'handleContinue';

/**
 * The receive loop of a GenServer, kept apart from user code: it takes each message
 * from the core, calls the matching callback, and applies what it returns. Sync
 * callbacks run with no promise at all; an async one blocks the process (it takes
 * no other message) until it settles.
 * @internal
 */
export class ServerEngine implements MessageHandler {
  state: unknown = undefined;
  lastMessage: unknown = NO_MESSAGE;
  suspended = false;
  #deferred: unknown[] | undefined;
  #idle: IdleTimeout | undefined;
  #idleTimer: TimerEntry | undefined;
  #proc!: Process;
  #runtime!: Runtime;
  readonly #server: ServerCallbacks;
  readonly #module: string;
  readonly #behaviour: string;
  /**
   * The async callback the process waits for, and its caller. The process takes no
   * other message meanwhile, so there is one at a time, and a settled callback needs
   * no closure of its own.
   */
  #awaited: Callback = 'handleInfo';
  #awaitedFrom: From | undefined = undefined;
  /** Their continuations, made at the first async callback: many servers have none. */
  #resolved: ((result: unknown) => Step) | undefined = undefined;
  #rejected: ((error: unknown) => Step) | undefined = undefined;

  /** The process that started it: its parent's exit ends it through terminate. */
  #parent: Pid | undefined = undefined;
  /** The server's own handle, made the first time something asks for it. */
  #self: Self | undefined = undefined;
  /** When it started, for `Sys.statistics`. */
  #startedAt = 0;
  /** The trace of its sends and calls while `Sys.trace` is on: then it logs every event. */
  #debug: Trace | undefined = undefined;

  constructor(server: ServerCallbacks, module: string, behaviour: string) {
    this.#server = server;
    this.#module = module;
    this.#behaviour = behaviour;
  }

  attach(proc: Process, runtime: Runtime, parent: Pid): void {
    this.#proc = proc;
    this.#runtime = runtime;
    this.#parent = parent;
    this.#startedAt = Date.now();
  }

  /** The behaviour it runs, for `info` and reports. */
  get behaviour(): string {
    return this.#behaviour;
  }

  /** The server's `Self`, made on first use: many servers never ask for it. */
  get self(): Self {
    this.#self ??= selfOf(this.#runtime, this.#proc);
    return this.#self;
  }

  /** What the server's crash report adds: its last message and its state. */
  reportContext(): { lastMessage?: unknown; state: unknown } {
    return this.lastMessage === NO_MESSAGE
      ? { state: this.#statusState() }
      : { lastMessage: this.lastMessage, state: this.#statusState() };
  }

  /** The state as `Sys.getStatus` and crash reports show it: through the user's `formatStatus`. */
  #statusState(): unknown {
    const shown = this.#shownState();
    const server = this.#server;
    if (typeof server.formatStatus !== 'function') return shown;
    try {
      return server.formatStatus(shown);
    } catch (error) {
      return `<formatStatus threw: ${describeValue(error, 200)}>`;
    }
  }

  /** The state as Sys and crash reports show it. */
  #shownState(): unknown {
    const server = this.#server;
    return server[formatState] === undefined ? this.state : server[formatState](this.state);
  }

  /** Handles one message of the process (the engine is the process's MessageHandler). */
  handle(message: unknown): Step {
    if (this.#debug !== undefined) return this.#debugged(message, false);
    return this.#handle(message);
  }

  /**
   * Handles a cast, delivered as a tagged message (no wrapper object); a cast that
   * comes while the server is suspended waits, wrapped, with the other deferred messages.
   */
  handleTagged(request: unknown): Step {
    if (this.#debug !== undefined) return this.#debugged(request, true);
    return this.#handleCast(request);
  }

  #handle(message: unknown): Step {
    if (typeof message !== 'object' || message === null) {
      // A primitive is a plain message: none of our classes, nothing to look up.
      if (this.#idleTimer !== undefined) this.#cancelIdle();
      if (this.suspended) return this.#defer(message);
      this.lastMessage = message;
      return this.#info(message);
    }
    // One read of the tag our own message classes carry tells them from user messages.
    const tag = tagOf(message);
    if (tag === CALL_TAG) {
      if (this.#idleTimer !== undefined) this.#cancelIdle();
      if (this.suspended) return this.#defer(message);
      const from = message as From;
      this.lastMessage = from.request;
      return this.#call(from);
    }
    // A Sys request is the one message that does not end the idle wait, as in gen_server.
    if (tag === SYSTEM_TAG) return this.#system(message as SystemRequest);
    if (this.#idleTimer !== undefined && message !== this.#idle) this.#cancelIdle();
    if (tag === CAST_TAG) return this.#handleCast((message as CastMessage).request);
    if (tag === START_TAG) return this.#init(message as StartRequest);
    const proc = this.#proc;
    // Exit is the core's class: told by its prototype, and only by a server that traps exits.
    if (
      proc.trapping &&
      prototypeOf(message) === Exit.prototype &&
      (message as Exit).from === this.#parent
    ) {
      // An exit from the parent ends the server through terminate, as in gen_server,
      // even while suspended (as sys's suspend loop also takes the parent's EXIT).
      this.lastMessage = message;
      return this.#stop((message as Exit).reason, false);
    }
    if (this.suspended) return this.#defer(message);
    if (tag === IDLE_TAG) {
      if (message !== this.#idle) return undefined;
      this.#idle = undefined;
      this.#idleTimer = undefined;
      this.lastMessage = Timeout;
      return this.#info(Timeout);
    }
    this.lastMessage = message;
    return this.#info(message);
  }

  #handleCast(request: unknown): Step {
    if (this.#idleTimer !== undefined) this.#cancelIdle();
    if (this.suspended) return this.#defer(new CastMessage(request));
    this.lastMessage = request;
    return this.#cast(request);
  }

  /** The name the server goes by in messages: its class and name or pid. */
  get who(): string {
    const proc = this.#proc;
    return `${this.#module} ${describeProcess(proc.name, proc.pid)}`;
  }

  #init(start: StartRequest): Step {
    let result: unknown;
    try {
      result = this.#server.init(start.arg);
    } catch (error) {
      return this.#initFailed(start, error, error, true);
    }
    if (isThenable(result)) {
      return Promise.resolve(result).then(
        (value) => this.#initReturned(start, value),
        (error: unknown) => this.#initFailed(start, error, error, true),
      );
    }
    return this.#initReturned(start, result);
  }

  #initReturned(start: StartRequest, result: unknown): Step {
    if (start.settled) return undefined; // The start timed out meanwhile and the process is gone.
    const kind = resultKind(result);
    if (kind === 'ignore') return this.#initFailed(start, 'ignore', undefined, false);
    if (kind === 'stop') {
      const { reason } = result as StopResult<unknown>;
      return this.#initFailed(start, reason, reason, true);
    }
    let opts: ResultOptions | undefined;
    if (kind === 'ok') {
      this.state = (result as OkResult<unknown>).state;
      opts = (result as OkResult<unknown>).opts;
    } else if (result === undefined || kind !== undefined) {
      return this.#initFailed(
        start,
        this.#badReturn('init', result, 'a state, ok(state), stop(reason) or ignore()'),
        undefined,
        true,
      );
    } else {
      this.state = result;
    }
    start.succeed();
    return this.#options(opts);
  }

  #initFailed(start: StartRequest, reason: unknown, cause: unknown, report: boolean): Step {
    start.initFailed(reason, cause, report);
    return undefined;
  }

  // One method per callback, each calling its own: no dispatch on the callback's name
  // per message.

  #call(from: From): Step {
    let result: unknown;
    try {
      result = this.#server.handleCall(from.request, from, this.state);
    } catch (error) {
      return this.#stop(error, true);
    }
    return this.#result('handleCall', from, result);
  }

  #cast(request: unknown): Step {
    let result: unknown;
    try {
      result = this.#server.handleCast(request, this.state);
    } catch (error) {
      return this.#stop(error, true);
    }
    return this.#result('handleCast', undefined, result);
  }

  #info(message: unknown): Step {
    let result: unknown;
    try {
      result = this.#server.handleInfo(message, this.state);
    } catch (error) {
      return this.#stop(error, true);
    }
    return this.#result('handleInfo', undefined, result);
  }

  #continue(arg: unknown): Step {
    let result: unknown;
    try {
      result = this.#server.handleContinue(arg, this.state);
    } catch (error) {
      return this.#stop(error, true);
    }
    return this.#result('handleContinue', undefined, result);
  }

  /** Applies what a callback returned: at once when it is a value, once settled when it is a promise. */
  #result(callback: Callback, from: From | undefined, result: unknown): Step {
    // The common cases first, with nothing allocated and nothing looked up twice: a
    // result made by reply/noreply/stop, or a bare state from handleCast/handleInfo.
    if (typeof result === 'object' && result !== null) {
      const kind = resultKind(result);
      if (kind !== undefined) return this.#apply(callback, from, result, kind);
      if (callback !== 'handleCall' && !isThenable(result)) {
        if (this.#proc.alive) this.state = result;
        return undefined;
      }
    } else if (result !== undefined && typeof result !== 'function' && callback !== 'handleCall') {
      // A primitive state (a function may be a thenable; undefined is a forgotten return).
      if (this.#proc.alive) this.state = result;
      return undefined;
    }
    if (isThenable(result)) {
      this.#awaited = callback;
      this.#awaitedFrom = from;
      this.#resolved ??= (value) => this.#applyAwaited(value);
      this.#rejected ??= (error: unknown) => this.#failAwaited(error);
      return Promise.resolve(result).then(this.#resolved, this.#rejected);
    }
    return this.#apply(callback, from, result, undefined);
  }

  /** An async callback's result, applied as a sync one's to what `#awaited` holds. */
  #applyAwaited(result: unknown): Step {
    const from = this.#awaitedFrom;
    this.#awaitedFrom = undefined;
    return this.#apply(this.#awaited, from, result, resultKind(result));
  }

  #failAwaited(error: unknown): Step {
    this.#awaitedFrom = undefined;
    return this.#stop(error, true);
  }

  /** Applies a callback's `result`, a callback result of `kind` or (undefined) a bare value. */
  #apply(
    callback: Callback,
    from: From | undefined,
    result: unknown,
    kind: ResultKind | undefined,
  ): Step {
    if (!this.#proc.alive) return undefined;
    if (kind === 'reply' && from !== undefined) {
      const replied = result as ReplyResult<unknown, unknown>;
      this.state = replied.state;
      from.settle(replied.value);
      this.#replied(from, replied.value);
      return replied.opts === undefined ? undefined : this.#options(replied.opts);
    }
    if (kind === 'noreply') {
      const kept = result as NoReplyResult<unknown>;
      this.state = kept.state;
      return kept.opts === undefined ? undefined : this.#options(kept.opts);
    }
    if (kind === 'stop') {
      const stopped = result as StopResult<unknown>;
      if (stopped.state !== undefined) this.state = stopped.state;
      if (from !== undefined && stopped.hasReply) {
        from.settle(stopped.reply);
        this.#replied(from, stopped.reply);
      }
      return this.#stop(stopped.reason, true);
    }
    if (callback === 'handleCall') {
      return this.#stop(
        this.#badReturn(
          callback,
          result,
          'reply(value, state), noreply(state) or stop(reason, state)',
        ),
        true,
      );
    }
    // reply(), ok() or ignore() from a callback that cannot return them, or a forgotten return.
    if (result === undefined || kind !== undefined) {
      return this.#stop(
        this.#badReturn(callback, result, 'a new state, noreply(state) or stop(reason, state)'),
        true,
      );
    }
    this.state = result;
    return undefined;
  }

  /** Counts a reply as a message out, and traces it as a send when the process is traced. */
  #replied(from: From, value: unknown): void {
    const proc = this.#proc;
    proc.sent++;
    if (proc.traced) traceSend(this.#runtime, proc, from.pid ?? rootPid(this.#runtime), value);
  }

  /** `Sys.trace` is on: logs the message, handles it, then logs the state if it changed. */
  #debugged(message: unknown, cast: boolean): Step {
    const tag = cast
      ? CAST_TAG
      : typeof message === 'object' && message !== null
        ? tagOf(message)
        : undefined;
    if (tag !== SYSTEM_TAG) {
      let got: string;
      if (cast) got = `cast ${describeValue(message, 500)}`;
      else if (tag === CALL_TAG) {
        const from = message as From;
        got = `call ${describeValue(from.request, 500)} from ${from.pid === undefined ? 'outside any process' : String(from.pid)}`;
      } else if (tag === CAST_TAG)
        got = `cast ${describeValue((message as CastMessage).request, 500)}`;
      else got = describeValue(message, 500);
      this.#log(`got ${got}`);
    }
    const before = this.state;
    const step = cast ? this.#handleCast(message) : this.#handle(message);
    const after = (): void => {
      if (this.#debug !== undefined && this.#proc.alive && this.state !== before) {
        this.#log(`new state ${describeValue(this.#statusState(), 500)}`);
      }
    };
    if (step === undefined) {
      after();
      return undefined;
    }
    return step.then(after);
  }

  /** Logs one `Sys.trace` line, as `:sys.trace` prints `*DBG*` lines; a throwing logger is ignored. */
  #log(text: string): void {
    try {
      loggerOf(this.#runtime).info(`*DBG* ${this.who} ${text}`);
    } catch {
      // The server goes on whatever the logger does.
    }
  }

  #setTrace(on: boolean): void {
    if (!on) {
      this.#debug?.stop();
      this.#debug = undefined;
      return;
    }
    if (this.#debug !== undefined) return;
    this.#debug = traceProcess(this.#runtime, this.#proc, ['send', 'call'], (event) => {
      if (event.type === 'send') {
        this.#log(`sent ${describeValue(event.message, 500)} to ${describeDest(event.to)}`);
      } else if (event.type === 'call') {
        this.#log(`called ${describeDest(event.dest)} with ${describeValue(event.request, 500)}`);
      }
    });
  }

  #options(opts: ResultOptions | undefined): Step {
    if (opts === undefined) return undefined;
    if (opts.continue !== undefined) {
      this.lastMessage = { continue: opts.continue };
      return this.#continue(opts.continue);
    }
    const timeout = opts.timeout;
    if (timeout !== undefined) {
      if (typeof timeout !== 'number' || Number.isNaN(timeout) || timeout < 0) {
        return this.#stop(
          new RangeError(
            `${this.who}: expected the result option \`timeout\` to be a number of ms >= 0, got ${describeValue(timeout, 100)}`,
          ),
          true,
        );
      }
      if (timeout !== Number.POSITIVE_INFINITY) this.#armIdle(timeout);
    }
    return undefined;
  }

  #armIdle(timeout: number): void {
    const idle = new IdleTimeout();
    const proc = this.#proc;
    const entry: TimerEntry = {
      deadline: now(this.#runtime) + timeout,
      cancelled: false,
      fire: () => proc.deliver(idle),
    };
    this.#idle = idle;
    this.#idleTimer = entry;
    addTimer(this.#runtime, entry);
  }

  #cancelIdle(): void {
    cancelTimer(this.#runtime, this.#idleTimer!);
    this.#idleTimer = undefined;
    this.#idle = undefined;
  }

  /** Runs `terminate`, then ends the process with `reason`. */
  #stop(reason: ExitReason, selfInflicted: boolean, beforeExit?: () => void): Step {
    const proc = this.#proc;
    if (!proc.alive) return undefined;
    const exit = (): void => {
      beforeExit?.();
      exitProcess(proc, reason, selfInflicted);
    };
    // The crash report shows the state as it was before terminate (a supervisor stops its children there).
    this.state = this.#shownState();
    let result: unknown;
    try {
      result = this.#server.terminate(reason, this.state);
    } catch (error) {
      this.#terminateFailed(error);
    }
    if (isThenable(result)) {
      return Promise.resolve(result).then(exit, (error: unknown) => {
        this.#terminateFailed(error);
        exit();
      });
    }
    exit();
    return undefined;
  }

  #terminateFailed(error: unknown): void {
    try {
      loggerOf(this.#runtime).error(
        `${this.who}: terminate threw; exiting with the original reason.`,
        error,
      );
    } catch {
      // A logger that throws must not keep the server from exiting.
    }
  }

  #badReturn(callback: string, value: unknown, expected: string): Error {
    return new TypeError(
      `${this.who}: ${callback} returned ${describeValue(value, 300)}; expected ${expected}`,
    );
  }

  #defer(message: unknown): Step {
    (this.#deferred ??= []).push(message);
    return undefined;
  }

  /** Handles the messages that arrived while suspended, in order, before any newer one. */
  #replay(): Step {
    const deferred = this.#deferred;
    while (deferred !== undefined && deferred.length > 0 && !this.suspended && this.#proc.alive) {
      const step = this.handle(deferred.shift());
      if (step !== undefined) return step.then(() => this.#replay());
    }
    return undefined;
  }

  #system(from: SystemRequest): Step {
    const request = from.request as SysRequest;
    switch (request.kind) {
      case 'get_state':
        from.settle(this.#shownState());
        return undefined;
      case 'replace_state': {
        const server = this.#server;
        let next: unknown;
        let kept: unknown;
        try {
          next = request.fn(this.#shownState());
          kept = server[adoptState] === undefined ? next : server[adoptState](next);
        } catch (error) {
          from.fail(error);
          return undefined;
        }
        this.state = kept;
        from.settle(next);
        return undefined;
      }
      case 'statistics': {
        const proc = this.#proc;
        const statistics: SysStatistics = {
          messagesIn: proc.handled,
          messagesOut: proc.sent,
          startedAt: this.#startedAt,
        };
        from.settle(statistics);
        return undefined;
      }
      case 'trace':
        this.#setTrace(request.on);
        from.settle(undefined);
        return undefined;
      case 'get_status': {
        const proc = this.#proc;
        const status: SysStatus = {
          pid: proc.pid,
          name: proc.name,
          behaviour: this.#behaviour,
          module: this.#module,
          status: this.suspended ? 'suspended' : 'running',
          parent: this.#parent,
          state: this.#statusState(),
          messageQueueLen: proc.messageQueueLen + (this.#deferred?.length ?? 0),
        };
        from.settle(status);
        return undefined;
      }
      case 'suspend':
        this.suspended = true;
        from.settle(undefined);
        return undefined;
      case 'resume':
        this.suspended = false;
        from.settle(undefined);
        return this.#replay();
      case 'terminate': {
        this.lastMessage = { sys: 'terminate', reason: request.reason };
        // Answer just before exiting: the caller resumes only after the exit is done.
        return this.#stop(request.reason, true, () => from.settle(undefined));
      }
    }
  }
}

tagClass(CastMessage, CAST_TAG);
tagClass(IdleTimeout, IDLE_TAG);
