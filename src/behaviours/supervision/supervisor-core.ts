import {
  addTimer,
  cancelTimer,
  Exit,
  emit,
  isInstance,
  isNormalExit,
  isQuiet,
  loggerOf,
  nameOf,
  now,
  type Pid,
  type Process,
  processOfSelf,
  randomOf,
  type Self,
  type TimerEntry,
} from '../../core/kernel.js';
import { describeProcess, describeReasonBriefly, describeValue } from '../../describe.js';
import type { Dest, ExitReason } from '../../types.js';
import { type Caller, type From, request } from '../gen.js';
import { optionError } from '../option-error.js';
import { IgnoreResult, reply, StopResult, stop } from '../results.js';
import { formatState, type ServerCallbacks } from '../server-callbacks.js';
import { backoffDelay } from './backoff.js';
import type { ChildInput, ChildType, NormalizedChildSpec } from './child-spec.js';
import { normalizeChild } from './child-spec-check.js';
import { shutdownChild, startChild, startFailure } from './child-start.js';
import { RestartIntensity } from './intensity.js';

/**
 * One entry of `whichChildren`: `pid` is `undefined` for a child not running and
 * `'restarting'` while a failed restart waits to be tried again, or a child with a
 * `backoff` waits for its delay.
 */
export interface ChildInfo {
  /** The child's id (`undefined` under a DynamicSupervisor). */
  id: unknown;
  /** Its pid, `undefined` when not running, or `'restarting'`. */
  pid: Pid | undefined | 'restarting';
  /** `'worker'` or `'supervisor'`. */
  type: ChildType;
}

/** What `countChildren` gives. */
export interface ChildCount {
  /** Child specs the supervisor holds. */
  specs: number;
  /** Children running. */
  active: number;
  /** Children of type `'supervisor'`. */
  supervisors: number;
  /** Children of type `'worker'`. */
  workers: number;
}

/** One child as a supervisor keeps it. @internal */
export interface ChildRecord {
  readonly spec: NormalizedChildSpec;
  /**
   * The pid it runs as; `undefined` when it is not running (also while a restart
   * starts it again); `'restarting'` while a failed restart waits to be tried again,
   * or while it waits for its backoff (then `waiting` is set).
   */
  pid: Pid | undefined | 'restarting';
  /**
   * From its restart until it starts again, what its restart event reports: the exit
   * behind it and its pid then (`'noproc'` and none for a child of a restarted group
   * that was not running). Kept here, the cause survives failed attempts.
   */
  exitReason: ExitReason;
  exitPid: Pid | undefined;
  /**
   * For a child with a `backoff` only: its consecutive failures (the `n` of its next
   * delay), when the core last started it again (to tell whether it ran `resetAfter`
   * ms), and the wait it is in, if any. `crashes` is 0 whenever the child was started
   * other than by a restart, so `startedAt` is read only when it was set.
   */
  crashes: number;
  startedAt: number;
  waiting: BackoffWait | undefined;
}

/** A record for a child of `spec`, running as `pid`. @internal */
export function newRecord(spec: NormalizedChildSpec, pid?: Pid): ChildRecord {
  return {
    spec,
    pid,
    exitReason: 'noproc',
    exitPid: undefined,
    crashes: 0,
    startedAt: 0,
    waiting: undefined,
  };
}

/** The requests both supervisors answer, in the same shape. @internal */
export type CommonRequest =
  | { op: 'which_children' }
  | { op: 'count_children' }
  | { op: 'start_child'; spec: NormalizedChildSpec };

/** The answer of a management request: the client rejects with `error`. @internal */
export type Answer<T> = { ok: T } | { error: Error };

const CALL = Number.POSITIVE_INFINITY;

/** Sends a management request and unwraps its answer. @internal */
export async function manage<T>(
  caller: Caller,
  sup: Dest,
  req: unknown,
  operation: string,
): Promise<T> {
  const answer = await request<Answer<T>>(caller, sup, req, CALL, operation, false);
  if (typeof answer !== 'object' || answer === null || !('ok' in answer || 'error' in answer)) {
    throw new TypeError(
      `${operation}: ${describeValue(sup, 100)} answered ${describeValue(answer, 100)}; is it a supervisor?`,
    );
  }
  if ('error' in answer) throw answer.error;
  return answer.ok;
}

/** `startChild` of either supervisor: checks the spec here, then asks the supervisor. @internal */
export function manageStartChild(
  caller: Caller,
  sup: Dest,
  input: ChildInput,
  operation: string,
): Promise<Pid | undefined> {
  let spec: NormalizedChildSpec;
  try {
    spec = normalizeChild(input, operation);
  } catch (error) {
    return Promise.reject(error);
  }
  return manage(caller, sup, { op: 'start_child', spec }, operation);
}

/**
 * A failed restart waiting to be tried again, as OTP's `{try_again_restart, Id}` and
 * Elixir's `{:"$gen_restart", pid}`: the supervisor sends it to itself, so the calls
 * and exits that arrived meanwhile are handled between two attempts.
 */
class TryAgain {
  constructor(readonly record: ChildRecord) {}
}

/**
 * A child's backoff delay: the timer that ends it, and the message that timer puts in
 * the supervisor's own mailbox, so that the restart happens between two messages like
 * any other and the supervisor stays a sequential server. The child's record names
 * the one wait it is in; a wait it no longer names (cancelled by a stop, its message
 * already queued) is stale and ignored. Delivered as is, not sent: a copy (`messages:
 * 'copy'`) would refuse this private class, and nothing but the supervisor sees it.
 */
class BackoffWait implements TimerEntry {
  cancelled = false;
  constructor(
    readonly record: ChildRecord,
    public deadline: number,
    readonly supervisor: Process,
  ) {}

  fire(): void {
    this.supervisor.deliver(this);
  }
}

/**
 * The supervisor's state as the engine keeps it: its real state lives in the core,
 * and Sys and crash reports get a view of it built when they ask (`formatState`),
 * not after every message. @internal
 */
export const CURRENT: unique symbol = Symbol('the supervisor state');

/** The user's instance: its `init` gives the flags. */
interface Owner {
  readonly self: Self;
  init(arg: never): unknown;
}

/**
 * What Supervisor and DynamicSupervisor share, as OTP's `supervisor.erl` serves
 * static and simple_one_for_one supervisors alike: the start prelude, what to do
 * when a child exits, the restart intensity and giving up, starting a child again
 * (a failed attempt retried through the supervisor's own mailbox), reporting each
 * restart once, stopping children, and the warnings. A subclass keeps its children
 * and answers its management requests; Supervisor adds its strategies.
 *
 * The calls the supervisors make into the process model are here and in
 * child-start.ts, and nowhere else.
 * @internal
 */
export abstract class SupervisorCore implements ServerCallbacks {
  readonly #owner: Owner;
  /** `'Supervisor'` or `'DynamicSupervisor'`, as reports name it. */
  readonly #behaviour: string;
  /** The supervisor's process, from init on. */
  protected self!: Self;
  protected intensity = new RestartIntensity(3, 5);
  /** The child being started again: the supervisor waits for it, so there is one at a time. */
  #starting: ChildRecord | undefined = undefined;
  /**
   * The backoff waits armed, to cancel them all if the supervisor dies without
   * stopping its children (killed): none then holds the event loop open. Made at the
   * first wait, with the listener that does it.
   */
  #waits: Set<BackoffWait> | undefined = undefined;

  constructor(owner: Owner, behaviour: string) {
    this.#owner = owner;
    this.#behaviour = behaviour;
  }

  /** How reports and errors name the supervisor: `Supervisor "name" (<0.42.0>)`. */
  protected get who(): string {
    const self = this.self;
    return `${this.#behaviour} ${describeProcess(nameOf(self), self.pid)}`;
  }

  /** The supervisor as a destination: its name, else its pid. */
  protected get dest(): Dest {
    return nameOf(this.self) ?? this.self.pid;
  }

  // ── What a subclass provides ───────────────────────────────────────────────

  /** The shape of the flags, for the error on flags that are not an object. */
  protected abstract readonly flagsShape: string;

  /**
   * Checks and keeps the flags `init` returned (an object), throwing
   * InvalidChildSpecError naming a bad one; returns the intensity flags, which it
   * checks with `checkIntensity` in its own order.
   */
  protected abstract configure(
    flags: Record<string, unknown>,
    where: string,
  ): { maxRestarts: number; maxSeconds: number };

  /** Starts the children the flags name, once configured; throws to fail the start. */
  protected startChildren(): Promise<void> | undefined {
    return undefined;
  }

  /** Answers a management request. */
  protected abstract manage(req: unknown): Answer<unknown> | Promise<Answer<unknown>>;

  /** The child running as `pid`, if any. */
  protected abstract childOf(pid: Pid): ChildRecord | undefined;

  /** Whether `record` is still one of the children (a retry of one since dropped is void). */
  protected abstract holds(record: ChildRecord): boolean;

  /**
   * Forgets that a child runs, as OTP's `del_child`: a child that will not be restarted,
   * or whose restarts made the supervisor give up.
   */
  protected abstract forget(record: ChildRecord): void;

  /** Puts a child started again as `pid` (`undefined`: its init returned `ignore()`) in its place. */
  protected abstract place(record: ChildRecord, pid: Pid | undefined): void;

  /** How reports name a child: `child "A"`, or `a child` where ids mean nothing. */
  protected abstract describeChild(record: ChildRecord): string;

  /** What Sys and crash reports show of the supervisor. */
  protected abstract view(): unknown;

  /** Stops every child, as the supervisor ends. */
  protected abstract stopChildren(): Promise<void>;

  /**
   * Restarts a child that died, once the intensity allowed it; its exit is in its
   * record. One_for_one by default: Supervisor applies its strategy.
   */
  protected restart(record: ChildRecord): unknown {
    return this.startAgain(record);
  }

  /** Tries again a restart that failed, once the intensity allowed it, or at the end of a backoff. */
  protected retry(record: ChildRecord): unknown {
    return this.startAgain(record);
  }

  /**
   * A child with a backoff died: makes it wait for its delay. One_for_one by default:
   * Supervisor also stops the rest of its group, to start with it after the delay.
   */
  protected backOff(record: ChildRecord): unknown {
    this.#wait(record);
    return CURRENT;
  }

  // ── The engine's callbacks ─────────────────────────────────────────────────

  async init(arg: unknown): Promise<unknown> {
    const self = (this.self = this.#owner.self);
    self.trapExit(true);
    const flags: unknown = await this.#owner.init(arg as never);
    if (flags instanceof IgnoreResult || flags instanceof StopResult) return flags;
    const where = `${this.who} init`;
    if (typeof flags !== 'object' || flags === null) {
      throw optionError(
        true,
        `${where}: expected ${this.flagsShape}, got ${describeValue(flags, 200)}`,
      );
    }
    const { maxRestarts, maxSeconds } = this.configure(flags as Record<string, unknown>, where);
    this.intensity = new RestartIntensity(maxRestarts, maxSeconds);
    await this.startChildren();
    return CURRENT;
  }

  /** What Sys and crash reports show: a fresh view of the state, unless Sys replaced it. */
  [formatState](state: unknown): unknown {
    return state === CURRENT ? this.view() : state;
  }

  async handleCall(req: unknown, _from: From, _state: unknown): Promise<unknown> {
    return reply(await this.manage(req), CURRENT);
  }

  /** The answer to a request neither supervisor knows. */
  protected unknownRequest(req: unknown): Answer<never> {
    return {
      error: new TypeError(`${this.who} got an unknown request ${describeValue(req, 100)}`),
    };
  }

  handleCast(request: unknown, state: unknown): unknown {
    loggerOf(this.self.runtime).warn(
      `${this.who} received an unexpected cast: ${describeValue(request, 200)}`,
    );
    return state;
  }

  /**
   * Sync but for a restart, which resolves once the child's start settles: the
   * common case, one child restarted one_for_one, is one promise of the child's
   * start and one `.then`.
   */
  handleInfo(message: unknown, state: unknown): unknown {
    // isInstance: a hostile message (a Proxy that throws) is only unexpected, not a crash.
    if (isInstance(message, Exit)) return this.#exited(message, state);
    if (isInstance(message, TryAgain)) return this.#tryAgain(message.record, state);
    if (isInstance(message, BackoffWait)) return this.#waited(message, state);
    loggerOf(this.self.runtime).warn(
      `${this.who} received an unexpected message: ${describeValue(message, 200)}`,
    );
    return state;
  }

  handleContinue(_arg: unknown, state: unknown): unknown {
    return state;
  }

  async terminate(_reason: ExitReason, _state: unknown): Promise<void> {
    if (this.self === undefined) return; // init never ran
    await this.stopChildren();
  }

  // ── Restarts ───────────────────────────────────────────────────────────────

  /** A child (or a stranger) exited: restart it as its restart type says, within the intensity. */
  #exited(exit: Exit, state: unknown): unknown {
    const record = this.childOf(exit.from);
    if (record === undefined) return state; // A child already stopped, or a stranger.
    const { restart, backoff } = record.spec;
    if (restart === 'temporary' || (restart === 'transient' && isNormalExit(exit.reason))) {
      record.crashes = 0;
      this.forget(record);
      return CURRENT;
    }
    if (backoff !== undefined) {
      // Not counted by the intensity: the delay already bounds the rate of these restarts.
      if (record.crashes > 0 && now(this.self.runtime) - record.startedAt >= backoff.resetAfter)
        record.crashes = 0;
      record.exitReason = exit.reason;
      record.exitPid = exit.from;
      return this.backOff(record);
    }
    if (!this.intensity.add(now(this.self.runtime))) return this.#giveUp(record);
    record.pid = undefined;
    record.exitReason = exit.reason;
    record.exitPid = exit.from;
    return this.restart(record);
  }

  /** Each retry counts as a restart, as in OTP: a child that never starts ends the supervisor. */
  #tryAgain(record: ChildRecord, state: unknown): unknown {
    if (record.pid !== 'restarting' || !this.holds(record)) return state;
    if (!this.intensity.add(now(this.self.runtime))) return this.#giveUp(record);
    return this.retry(record);
  }

  /** A backoff is over: start the child again, unless it was stopped meanwhile. */
  #waited(wait: BackoffWait, state: unknown): unknown {
    this.#waits?.delete(wait);
    const record = wait.record;
    if (record.waiting !== wait || !this.holds(record)) return state;
    record.waiting = undefined;
    // Not running, as the rest of a group that waited with it: a group retry starts it.
    record.pid = undefined;
    return this.retry(record);
  }

  /** Arms the backoff of a child that died or failed to start again: it shows as restarting. */
  #wait(record: ChildRecord): void {
    const n = ++record.crashes;
    const self = this.self;
    const runtime = self.runtime;
    const delay = backoffDelay(record.spec.backoff!, n, randomOf(runtime));
    const wait = new BackoffWait(record, now(runtime) + delay, processOfSelf(self));
    record.pid = 'restarting';
    record.waiting = wait;
    if (this.#waits === undefined) {
      const waits = (this.#waits = new Set());
      self.signal.addEventListener('abort', () => {
        for (const armed of waits) cancelTimer(runtime, armed);
        waits.clear();
      });
    }
    this.#waits.add(wait);
    addTimer(runtime, wait);
    if (!isQuiet(runtime))
      loggerOf(runtime).info(
        `${this.who} restarts ${this.describeChild(record)} in ${Math.round(delay)} ms (failure ${n} in a row)`,
      );
  }

  /** Cancels the backoff a child waits in, if any. */
  #cancelWait(record: ChildRecord): void {
    const wait = record.waiting;
    if (wait === undefined) return;
    record.waiting = undefined;
    this.#waits?.delete(wait);
    cancelTimer(this.self.runtime, wait);
  }

  /** Too many restarts: stop every child (terminate does it) and exit with 'shutdown'. */
  #giveUp(record: ChildRecord): StopResult<unknown> {
    this.forget(record);
    loggerOf(this.self.runtime).error(
      `${this.who} reached its maximum restart intensity (more than ${this.intensity.maxRestarts} restarts in ${this.intensity.maxSeconds} s) and shuts down`,
    );
    return stop('shutdown', CURRENT);
  }

  /**
   * Starts a child again, reporting the exit its record holds; on failure marks it
   * restarting and tries again later through the mailbox. Resolves once the start
   * has settled, either way.
   */
  protected startAgain(record: ChildRecord): Promise<unknown> {
    this.#starting = record;
    return startChild(this.self, record.spec).then(this.#started, this.#notStarted);
  }

  // Bound once: a restart allocates no closures for its continuation.
  readonly #started = (pid: Pid): unknown => this.#restarted(pid);

  readonly #notStarted = (error: unknown): unknown => {
    const failure = startFailure(error);
    if (failure === undefined) return this.#restarted(undefined); // Its init returned ignore().
    const record = this.#starting!;
    this.#starting = undefined;
    loggerOf(this.self.runtime).error(
      `${this.who} could not restart ${this.describeChild(record)}: ${describeReasonBriefly(failure.reason)}; trying again`,
    );
    // A child with a backoff waits longer after each failed start, uncounted, as after a crash.
    if (record.spec.backoff !== undefined) {
      this.#wait(record);
      return CURRENT;
    }
    record.pid = 'restarting';
    // Delivered, not sent: a copy (`messages: 'copy'`) would refuse this private class.
    processOfSelf(this.self).deliver(new TryAgain(record));
    return CURRENT;
  };

  /** Reports a restart: an info report, and the runtime's 'restart' event, once. */
  #restarted(pid: Pid | undefined): unknown {
    const record = this.#starting!;
    this.#starting = undefined;
    const { exitReason: reason, exitPid: oldPid } = record;
    this.place(record, pid);
    record.exitReason = 'noproc';
    record.exitPid = undefined;
    const self = this.self;
    const runtime = self.runtime;
    if (record.spec.backoff !== undefined) {
      record.startedAt = now(runtime);
      if (pid === undefined) record.crashes = 0; // It chose not to run: the series ends.
    }
    if (!isQuiet(runtime))
      loggerOf(runtime).info(
        `${this.who} restarted ${this.describeChild(record)} (reason: ${describeReasonBriefly(reason)}) ${oldPid ?? 'none'} -> ${pid ?? 'ignored'}`,
      );
    emit(runtime, 'restart', self.pid, record.spec.id, reason, oldPid, pid);
    return CURRENT;
  }

  /**
   * Stops a child (`'shutdown'`, then `'kill'` after its shutdown time) and marks it
   * not running; a restart waiting for its retry or its backoff is cancelled, and a
   * stop ends its series of failures. Resolves with its exit reason (`'noproc'` for
   * one not running).
   */
  protected stopChild(record: ChildRecord): Promise<ExitReason> {
    const pid = record.pid;
    record.pid = undefined;
    record.crashes = 0;
    this.#cancelWait(record);
    if (typeof pid !== 'object') return Promise.resolve('noproc');
    return shutdownChild(this.self, pid, record.spec.shutdown);
  }
}
