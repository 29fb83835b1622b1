import type { Pid } from '../../core/pid.js';
import { isInstance, type Self } from '../../core/process.js';
import { Exit, isNormalExit } from '../../core/signals.js';
import { describeProcess, describeReasonBriefly, describeValue } from '../../describe.js';
import { InvalidChildSpecError, SupervisorError } from '../../errors.js';
import type { Dest, ExitReason } from '../../types.js';
import { type Caller, type From, request } from '../gen.js';
import { type Awaitable, GenServer } from '../gen-server.js';
import { IgnoreResult, reply, StopResult, stop } from '../results.js';
import { engineCallbacks, formatState, type ServerCallbacks } from '../server-engine.js';
import type { ChildInput, ChildSpec, ChildType, NormalizedChildSpec } from './child-spec.js';
import { checkIntensity, normalizeChild } from './child-spec-check.js';
import {
  childStartError,
  shutdownChild,
  startChild,
  startChildProcess,
  startFailure,
} from './child-start.js';
import { RestartIntensity } from './intensity.js';

/** How a supervisor restarts its children when one dies. */
export type Strategy = 'one_for_one' | 'one_for_all' | 'rest_for_one';

/**
 * What a supervisor's `init` returns (or what `rt.start(Supervisor, ...)` takes).
 *
 * @example
 * ```ts
 * const spec: SupervisorSpec = { children: [Worker, [Cache, 100]], strategy: 'one_for_one', maxRestarts: 3, maxSeconds: 5 };
 * ```
 */
export interface SupervisorSpec {
  /** The children, started in this order. */
  children: readonly ChildInput[];
  /** @defaultValue `'one_for_one'` */
  strategy?: Strategy;
  /** How many restarts are allowed within `maxSeconds` before the supervisor gives up. @defaultValue 3 */
  maxRestarts?: number;
  /** The window of `maxRestarts`, in seconds (fractions allowed). @defaultValue 5 */
  maxSeconds?: number;
}

/**
 * One entry of `whichChildren`: `pid` is `undefined` for a child not running and
 * `'restarting'` while a failed restart waits to be tried again.
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

const STRATEGIES = new Set(['one_for_one', 'one_for_all', 'rest_for_one']);

interface ChildRecord {
  spec: NormalizedChildSpec;
  pid: Pid | undefined | 'restarting';
  /**
   * From its group's restart until it starts again, what its restart event reports:
   * the exit behind it and its pid then (`'noproc'` and none for a child of the
   * group that was not running). Kept here, the cause survives failed attempts.
   */
  exitReason: ExitReason;
  exitPid: Pid | undefined;
}

function newRecord(spec: NormalizedChildSpec): ChildRecord {
  return { spec, pid: undefined, exitReason: 'noproc', exitPid: undefined };
}

type Request =
  | { op: 'which_children' }
  | { op: 'count_children' }
  | { op: 'start_child'; spec: NormalizedChildSpec }
  | { op: 'terminate_child'; id: unknown }
  | { op: 'restart_child'; id: unknown }
  | { op: 'delete_child'; id: unknown };

/** The answer of a management request: the client rejects with `error`. @internal */
export type Answer<T> = { ok: T } | { error: Error };

/** A failed restart waiting to be tried again, as OTP's `{try_again_restart, Id}`. */
class TryAgain {
  constructor(readonly record: ChildRecord) {}
}

/**
 * The supervisor's state as the engine keeps it: its real state lives in
 * SupervisorCore, and Sys and crash reports get a view of it built when they ask
 * (`formatState`), not after every message.
 */
const CURRENT: unique symbol = Symbol('the supervisor state');

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

/**
 * A process that starts, watches and restarts other processes, exactly as OTP's
 * `supervisor`: children start in order; strategies `one_for_one`, `one_for_all`
 * and `rest_for_one`; restart types `permanent`, `transient` and `temporary`; more
 * than `maxRestarts` restarts within `maxSeconds` ends the supervisor with
 * `'shutdown'`, and its own supervisor then applies its strategy.
 *
 * @example
 * ```ts
 * import { Runtime, Supervisor } from 'otp-ts';
 *
 * const rt = new Runtime();
 * await rt.start(Supervisor, {
 *   children: [
 *     { id: 'Test1', start: [CoreStore, new Store('Test1', 2), { name: 'Test1' }] },
 *     { id: 'Test2', start: [CoreStore, new Store('Test2', 2), { name: 'Test2' }] },
 *   ],
 *   strategy: 'one_for_one',
 * }, { name: 'Store.Supervisor' });
 *
 * rt.exit(rt.whereis('Test1')!, 'kill');  // the supervisor starts a new Test1
 * ```
 *
 * Or as a module of its own, like Elixir's `use Supervisor`:
 *
 * ```ts
 * class StoreSupervisor extends Supervisor {
 *   override init(): SupervisorSpec {
 *     return { children: [[CoreStore, test1], [CoreStore, test2]], strategy: 'one_for_one' };
 *   }
 * }
 * await rt.start(StoreSupervisor, undefined, { name: 'Store.Supervisor' });
 * ```
 *
 * **Children** are child specs `{ id, start, restart?, shutdown?, type? }`, behaviour
 * classes, or `[Class, arg]`; the last two go through the class's `static
 * childSpec(arg)` (id: the class name).
 *
 * **Strategies**: `one_for_one` restarts the child that died; `one_for_all` stops
 * the others in reverse start order, then starts all of them in start order;
 * `rest_for_one` does the same for the children started after the one that died.
 * As in OTP, that includes a child of the group that was not running (terminated
 * by `terminateChild`, or ignored its start); a temporary one is dropped instead.
 *
 * **Stopping**: a child is stopped with an exit signal `'shutdown'`, then killed
 * after its `shutdown` ms; a supervisor stops its children in reverse start order.
 *
 * **When not to use it**: for many children of one kind started on demand, use a
 * `DynamicSupervisor`.
 */
export class Supervisor extends GenServer<SupervisorSpec, never, never, never> {
  /** @internal */
  static override readonly behaviourName: string = 'Supervisor';

  /**
   * The child spec of this supervisor class under another supervisor: like
   * GenServer's, with `type: 'supervisor'` and `shutdown: 'infinity'`.
   * @example
   * ```ts
   * const spec = StoreSupervisor.childSpec(undefined); // { id: 'StoreSupervisor', type: 'supervisor', ... }
   * ```
   */
  static override childSpec(arg?: unknown): ChildSpec {
    // biome-ignore lint/complexity/noThisInStatic: `super` keeps `this`, so a subclass gets its own name as id.
    return { ...super.childSpec(arg), type: 'supervisor', shutdown: 'infinity' };
  }

  /**
   * Returns the supervisor's children and flags. The default returns its argument,
   * so `rt.start(Supervisor, { children, ... })` works as it is. May be async; may
   * return `ignore()`.
   * @example
   * ```ts
   * override init(): SupervisorSpec { return { children: [Worker], strategy: 'one_for_all' }; }
   * ```
   */
  override init(arg: SupervisorSpec): Awaitable<SupervisorSpec | IgnoreResult> {
    return arg;
  }

  /** @internal */
  [engineCallbacks](): ServerCallbacks {
    return new SupervisorCore(this);
  }

  /**
   * The supervisor's children in start order.
   * @example
   * ```ts
   * await Supervisor.whichChildren(rt, 'Store.Supervisor');
   * // [{ id: 'Test1', pid: <0.12.0>, type: 'worker' }, { id: 'Test2', ... }]
   * ```
   */
  static whichChildren(caller: Caller, sup: Dest): Promise<ChildInfo[]> {
    return manage(caller, sup, { op: 'which_children' }, 'Supervisor.whichChildren');
  }

  /**
   * Counts the supervisor's children.
   * @example
   * ```ts
   * await Supervisor.countChildren(rt, 'Store.Supervisor'); // { specs: 2, active: 2, supervisors: 0, workers: 2 }
   * ```
   */
  static countChildren(caller: Caller, sup: Dest): Promise<ChildCount> {
    return manage(caller, sup, { op: 'count_children' }, 'Supervisor.countChildren');
  }

  /**
   * Adds a child and starts it. Resolves with its pid (`undefined` if its init
   * returned `ignore()`; the spec is kept).
   * @throws (as rejections) InvalidChildSpecError for a bad spec; SupervisorError
   * `'already_started'` (with `.pid`) or `'already_present'` for a taken id;
   * StartError (with `childId`) when the child fails to start.
   * @example
   * ```ts
   * const pid = await Supervisor.startChild(rt, sup, { id: 'Test3', start: [CoreStore, test3] });
   * ```
   */
  static startChild(caller: Caller, sup: Dest, spec: ChildInput): Promise<Pid | undefined> {
    let normalized: NormalizedChildSpec;
    try {
      normalized = normalizeChild(spec, 'Supervisor.startChild');
    } catch (error) {
      return Promise.reject(error);
    }
    return manage(caller, sup, { op: 'start_child', spec: normalized }, 'Supervisor.startChild');
  }

  /**
   * Stops a child and keeps its spec (a temporary child's spec is dropped).
   * @throws SupervisorError `'not_found'` (as a rejection).
   * @example
   * ```ts
   * await Supervisor.terminateChild(rt, sup, 'Test1');
   * ```
   */
  static terminateChild(caller: Caller, sup: Dest, id: unknown): Promise<void> {
    return manage(caller, sup, { op: 'terminate_child', id }, 'Supervisor.terminateChild');
  }

  /**
   * Starts again a child that was terminated.
   * @throws SupervisorError `'not_found'`, `'running'` or `'restarting'`; StartError (as rejections).
   * @example
   * ```ts
   * await Supervisor.restartChild(rt, sup, 'Test1');
   * ```
   */
  static restartChild(caller: Caller, sup: Dest, id: unknown): Promise<Pid | undefined> {
    return manage(caller, sup, { op: 'restart_child', id }, 'Supervisor.restartChild');
  }

  /**
   * Removes the spec of a child that is not running.
   * @throws SupervisorError `'not_found'`, `'running'` or `'restarting'` (as rejections).
   * @example
   * ```ts
   * await Supervisor.terminateChild(rt, sup, 'Test1');
   * await Supervisor.deleteChild(rt, sup, 'Test1');
   * ```
   */
  static deleteChild(caller: Caller, sup: Dest, id: unknown): Promise<void> {
    return manage(caller, sup, { op: 'delete_child', id }, 'Supervisor.deleteChild');
  }
}

/** The supervisor's engine-facing callbacks: its real work, hidden from subclasses. */
class SupervisorCore implements ServerCallbacks {
  readonly #owner: Supervisor;
  #self!: Self;
  #children: ChildRecord[] = [];
  #strategy: Strategy = 'one_for_one';
  #intensity = new RestartIntensity(3, 5);
  /** The child being started again: the supervisor waits for it, so there is one at a time. */
  #starting: ChildRecord | undefined = undefined;

  constructor(owner: Supervisor) {
    this.#owner = owner;
  }

  get #who(): string {
    const self = this.#self;
    return `Supervisor ${describeProcess(self.name, self.pid)}`;
  }

  async init(arg: unknown): Promise<unknown> {
    this.#self = this.#owner.self;
    this.#self.trapExit(true);
    const spec: unknown = await this.#owner.init(arg as SupervisorSpec);
    if (spec instanceof IgnoreResult || spec instanceof StopResult) return spec;
    this.#configure(spec);
    const started: ChildRecord[] = [];
    for (const record of [...this.#children]) {
      const outcome = await startChildProcess(this.#self, record.spec);
      if (!outcome.ok) {
        for (const done of started.reverse()) await this.#stopChild(done);
        throw childStartError(this.#who, record.spec.id, outcome);
      }
      // As OTP, a temporary child that ignores its start is forgotten: it would never run.
      if (outcome.pid === undefined && record.spec.restart === 'temporary') {
        this.#remove(record);
        continue;
      }
      record.pid = outcome.pid;
      started.push(record);
    }
    return CURRENT;
  }

  #configure(spec: unknown): void {
    const where = `${this.#who} init`;
    if (typeof spec !== 'object' || spec === null) {
      throw new InvalidChildSpecError(
        `${where}: expected { children, strategy?, maxRestarts?, maxSeconds? }, got ${describeValue(spec, 200)}`,
        'spec',
      );
    }
    const flags = spec as Record<string, unknown>;
    const strategy = flags.strategy ?? 'one_for_one';
    if (typeof strategy !== 'string' || !STRATEGIES.has(strategy)) {
      throw new InvalidChildSpecError(
        `${where}: expected \`strategy\` to be 'one_for_one', 'one_for_all' or 'rest_for_one', got ${describeValue(strategy, 100)}`,
        'strategy',
      );
    }
    const { maxRestarts, maxSeconds } = checkIntensity(flags, where);
    if (!Array.isArray(flags.children)) {
      throw new InvalidChildSpecError(
        `${where}: expected \`children\` to be an array, got ${describeValue(flags.children, 100)}`,
        'children',
      );
    }
    const ids = new Set<unknown>();
    this.#children = flags.children.map((input: unknown) => {
      const normalized = normalizeChild(input, where);
      if (ids.has(normalized.id)) {
        throw new InvalidChildSpecError(
          `${where}: two children have the id ${describeValue(normalized.id, 100)}`,
          'id',
          normalized.id,
        );
      }
      ids.add(normalized.id);
      return newRecord(normalized);
    });
    this.#strategy = strategy as Strategy;
    this.#intensity = new RestartIntensity(maxRestarts, maxSeconds);
  }

  /** What Sys and crash reports show: a fresh view of the state, unless Sys replaced it. */
  [formatState](state: unknown): unknown {
    if (state !== CURRENT) return state;
    return {
      strategy: this.#strategy,
      maxRestarts: this.#intensity.maxRestarts,
      maxSeconds: this.#intensity.maxSeconds,
      children: this.#children.map((r) => ({
        id: r.spec.id,
        pid: r.pid,
        restart: r.spec.restart,
        type: r.spec.type,
      })),
    };
  }

  /**
   * The child running as `pid`. A scan, as in OTP: a supervisor has few children,
   * and a map by pid would reallocate its table (in the old generation, where a
   * long-lived map lives) each time its one child died and came back.
   */
  #childOf(pid: Pid): ChildRecord | undefined {
    const children = this.#children;
    for (let i = 0; i < children.length; i++) if (children[i]!.pid === pid) return children[i];
    return undefined;
  }

  async handleCall(req: unknown, _from: From, _state: unknown): Promise<unknown> {
    const answer = await this.#manage(req as Request);
    return reply(answer, CURRENT);
  }

  async #manage(req: Request): Promise<Answer<unknown>> {
    switch (req.op) {
      case 'which_children':
        return {
          ok: this.#children.map(
            (r): ChildInfo => ({ id: r.spec.id, pid: r.pid, type: r.spec.type }),
          ),
        };
      case 'count_children': {
        const count: ChildCount = {
          specs: this.#children.length,
          active: 0,
          supervisors: 0,
          workers: 0,
        };
        for (const r of this.#children) {
          if (r.pid !== undefined && r.pid !== 'restarting') count.active++;
          if (r.spec.type === 'supervisor') count.supervisors++;
          else count.workers++;
        }
        return { ok: count };
      }
      case 'start_child': {
        const existing = this.#find(req.spec.id);
        if (existing !== undefined) {
          return typeof existing.pid === 'object'
            ? {
                error: this.#error(
                  'Supervisor.startChild',
                  req.spec.id,
                  'already_started',
                  existing.pid,
                ),
              }
            : { error: this.#error('Supervisor.startChild', req.spec.id, 'already_present') };
        }
        const outcome = await startChildProcess(this.#self, req.spec);
        if (!outcome.ok) return { error: childStartError(this.#who, req.spec.id, outcome) };
        if (outcome.pid === undefined && req.spec.restart === 'temporary') return { ok: undefined };
        const record = newRecord(req.spec);
        this.#children.push(record);
        record.pid = outcome.pid;
        return { ok: outcome.pid };
      }
      case 'terminate_child': {
        const record = this.#find(req.id);
        if (record === undefined)
          return { error: this.#error('Supervisor.terminateChild', req.id, 'not_found') };
        await this.#stopChild(record);
        if (record.spec.restart === 'temporary') this.#remove(record);
        return { ok: undefined };
      }
      case 'restart_child': {
        const record = this.#find(req.id);
        if (record === undefined)
          return { error: this.#error('Supervisor.restartChild', req.id, 'not_found') };
        if (record.pid === 'restarting')
          return { error: this.#error('Supervisor.restartChild', req.id, 'restarting') };
        if (record.pid !== undefined)
          return { error: this.#error('Supervisor.restartChild', req.id, 'running') };
        const outcome = await startChildProcess(this.#self, record.spec);
        if (!outcome.ok) return { error: childStartError(this.#who, req.id, outcome) };
        record.pid = outcome.pid;
        return { ok: outcome.pid };
      }
      case 'delete_child': {
        const record = this.#find(req.id);
        if (record === undefined)
          return { error: this.#error('Supervisor.deleteChild', req.id, 'not_found') };
        if (record.pid === 'restarting')
          return { error: this.#error('Supervisor.deleteChild', req.id, 'restarting') };
        if (record.pid !== undefined)
          return { error: this.#error('Supervisor.deleteChild', req.id, 'running') };
        this.#remove(record);
        return { ok: undefined };
      }
      default:
        return {
          error: new TypeError(`${this.#who} got an unknown request ${describeValue(req, 100)}`),
        };
    }
  }

  #find(id: unknown): ChildRecord | undefined {
    return this.#children.find((r) => r.spec.id === id);
  }

  #remove(record: ChildRecord): void {
    this.#children = this.#children.filter((r) => r !== record);
  }

  #error(
    operation: string,
    id: unknown,
    reason: SupervisorError['reason'],
    pid?: Pid,
  ): SupervisorError {
    const text = {
      already_started: `a child with this id is already running as ${pid}`,
      already_present:
        'a child with this id is already present (not running); restart or delete it',
      running: 'the child is running; terminate it first',
      restarting: 'the child is being restarted',
      not_found: 'no child has this id',
    }[reason];
    return new SupervisorError(
      `${operation} on ${this.#who} for ${describeValue(id, 100)}: ${text} (${reason})`,
      reason,
      pid,
    );
  }

  handleCast(request: unknown, state: unknown): unknown {
    this.#self.runtime.logger.warn(
      `${this.#who} received an unexpected cast: ${describeValue(request, 200)}`,
    );
    return state;
  }

  /**
   * Sync but for a restart, which resolves once the child's start settles: the
   * common case, one child of a one_for_one supervisor, is one promise of the
   * child's start and one `.then`.
   */
  handleInfo(message: unknown, state: unknown): unknown {
    // isInstance: a hostile message (a Proxy that throws) is only unexpected, not a crash.
    if (!isInstance(message, Exit)) {
      if (isInstance(message, TryAgain)) return this.#tryAgain(message.record, state);
      this.#self.runtime.logger.warn(
        `${this.#who} received an unexpected message: ${describeValue(message, 200)}`,
      );
      return state;
    }
    const record = this.#childOf(message.from);
    if (record === undefined) return state; // An exit from a child already stopped, or from a stranger.
    const oldPid = message.from;
    record.pid = undefined;
    const { restart } = record.spec;
    if (restart === 'temporary') {
      this.#remove(record);
      return CURRENT;
    }
    if (restart === 'transient' && isNormalExit(message.reason)) return CURRENT;
    if (!this.#intensity.add()) return this.#giveUp();
    if (this.#strategy !== 'one_for_one') return this.#restart(record, message.reason, oldPid);
    record.exitReason = message.reason;
    record.exitPid = oldPid;
    return this.#startAgain(record);
  }

  /** Too many restarts: stop every child (terminate does it) and exit with 'shutdown'. */
  #giveUp(): StopResult<unknown> {
    this.#self.runtime.logger.error(
      `${this.#who} reached its maximum restart intensity (more than ${this.#intensity.maxRestarts} restarts in ${this.#intensity.maxSeconds} s) and shuts down`,
    );
    return stop('shutdown', CURRENT);
  }

  /**
   * Applies a one_for_all or rest_for_one strategy after `record` died with
   * `reason`: stops the rest of its group in reverse start order, then starts the
   * whole group in start order. As OTP's `restart_multiple_children`, that includes
   * a child of the group that was not running (terminated, or ignored its start);
   * its event has no old pid.
   */
  async #restart(record: ChildRecord, reason: ExitReason, oldPid: Pid): Promise<unknown> {
    const group = this.#group(record);
    record.exitReason = reason;
    record.exitPid = oldPid;
    for (const other of [...group].reverse()) {
      if (other === record) continue;
      other.exitPid = typeof other.pid === 'object' ? other.pid : undefined;
      other.exitReason = await this.#stopChild(other);
    }
    for (const member of group) {
      if (member.spec.restart === 'temporary' && member !== record) {
        this.#remove(member); // A temporary child stopped with its group is not restarted.
        continue;
      }
      await this.#startAgain(member);
      if (member.pid === 'restarting') break; // The rest waits for the retry.
    }
    return CURRENT;
  }

  /** The children a death affects under the strategy, in start order. */
  #group(record: ChildRecord): ChildRecord[] {
    switch (this.#strategy) {
      case 'one_for_one':
        return [record];
      case 'one_for_all':
        return [...this.#children];
      case 'rest_for_one':
        return this.#children.slice(this.#children.indexOf(record));
    }
  }

  /**
   * Starts a child again, reporting the exit its record holds; on failure marks it
   * restarting and tries again later through the mailbox, as OTP does. Resolves
   * once the start has settled, either way.
   */
  #startAgain(record: ChildRecord): Promise<unknown> {
    this.#starting = record;
    return startChild(this.#self, record.spec).then(this.#started, this.#notStarted);
  }

  // Bound once: a restart allocates no closures for its continuation.
  readonly #started = (pid: Pid): unknown => this.#restarted(pid);

  readonly #notStarted = (error: unknown): unknown => {
    const failure = startFailure(error);
    if (failure === undefined) return this.#restarted(undefined); // Its init returned ignore().
    const record = this.#starting!;
    this.#starting = undefined;
    this.#self.runtime.logger.error(
      `${this.#who} could not restart child ${describeValue(record.spec.id, 100)}: ${describeReasonBriefly(failure.reason)}; trying again`,
    );
    record.pid = 'restarting';
    this.#self.deliver(new TryAgain(record));
    return CURRENT;
  };

  #restarted(pid: Pid | undefined): unknown {
    const record = this.#starting!;
    this.#starting = undefined;
    const { exitReason: reason, exitPid: oldPid } = record;
    record.exitReason = 'noproc';
    record.exitPid = undefined;
    record.pid = pid;
    const runtime = this.#self.runtime;
    if (!runtime.quiet)
      runtime.logger.info(
        `${this.#who} restarted child ${describeValue(record.spec.id, 100)} (reason: ${describeReasonBriefly(reason)}) ${oldPid ?? 'none'} -> ${pid ?? 'ignored'}`,
      );
    runtime.emitSafely('restart', this.#self.pid, record.spec.id, reason, oldPid, pid);
    return CURRENT;
  }

  async #tryAgain(record: ChildRecord, state: unknown): Promise<unknown> {
    if (record.pid !== 'restarting' || !this.#children.includes(record)) return state;
    if (!this.#intensity.add()) return this.#giveUp();
    for (const member of this.#group(record)) {
      if (member !== record && member.pid !== undefined) continue;
      await this.#startAgain(member);
      if (member.pid === 'restarting') break;
    }
    return CURRENT;
  }

  async #stopChild(record: ChildRecord): Promise<ExitReason> {
    const pid = record.pid;
    if (typeof pid !== 'object') {
      if (pid === 'restarting') record.pid = undefined;
      return 'noproc';
    }
    record.pid = undefined;
    return shutdownChild(this.#self, pid, record.spec.shutdown);
  }

  handleContinue(_arg: unknown, state: unknown): unknown {
    return state;
  }

  async terminate(_reason: ExitReason, _state: unknown): Promise<void> {
    if (this.#self === undefined) return;
    for (const record of [...this.#children].reverse()) await this.#stopChild(record);
  }
}
