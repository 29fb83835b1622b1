import { defaultInitArg, type Pid } from '../../core/kernel.js';
import { describeValue } from '../../describe.js';
import { InvalidChildSpecError, SupervisorError } from '../../errors.js';
import type { Dest } from '../../types.js';
import type { Caller } from '../gen.js';
import { type Awaitable, GenServer } from '../gen-server.js';
import { optionError } from '../option-error.js';
import type { IgnoreResult } from '../results.js';
import { engineCallbacks, type ServerCallbacks } from '../server-callbacks.js';
import type { CheckedChild, CheckedChildren, ChildInput, ChildSpec } from './child-spec.js';
import { checkIntensity, normalizeChild } from './child-spec-check.js';
import { childStartError, startChildProcess } from './child-start.js';
import {
  type Answer,
  type ChildCount,
  type ChildInfo,
  type ChildRecord,
  type CommonRequest,
  CURRENT,
  manage,
  manageStartChild,
  newRecord,
  SupervisorCore,
} from './supervisor-core.js';

/** How a supervisor restarts its children when one dies. */
export type Strategy = 'one_for_one' | 'one_for_all' | 'rest_for_one';

/**
 * How a supervisor restarts its children, as OTP's `sup_flags`: the part of a
 * {@link SupervisorSpec} besides its children.
 *
 * @example
 * ```ts
 * const flags: SupervisorFlags = { strategy: 'one_for_all', maxRestarts: 3, maxSeconds: 5 };
 * ```
 */
export interface SupervisorFlags {
  /** @defaultValue `'one_for_one'` */
  strategy?: Strategy;
  /** How many restarts are allowed within `maxSeconds` before the supervisor gives up. @defaultValue 3 */
  maxRestarts?: number;
  /** The window of `maxRestarts`, in seconds (fractions allowed). @defaultValue 5 */
  maxSeconds?: number;
}

/**
 * What a supervisor's `init` returns (or what `rt.start(Supervisor, ...)` takes).
 * Build it with {@link Supervisor.init} to have each child's `arg` type-checked.
 *
 * @example
 * ```ts
 * const spec: SupervisorSpec = { children: [Worker, [Cache, 100]], strategy: 'one_for_one', maxRestarts: 3, maxSeconds: 5 };
 * ```
 */
export interface SupervisorSpec extends SupervisorFlags {
  /** The children, started in this order. */
  children: readonly ChildInput[];
}

const STRATEGIES = new Set(['one_for_one', 'one_for_all', 'rest_for_one']);

type Request =
  | CommonRequest
  | { op: 'terminate_child'; id: unknown }
  | { op: 'restart_child'; id: unknown }
  | { op: 'delete_child'; id: unknown };

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
 * **Children** are child specs `{ id, start, restart?, shutdown?, type?, backoff? }`,
 * behaviour classes, or `[Class, arg]`; the last two go through the class's `static
 * childSpec(arg)` (id: the class name).
 *
 * **Backoff** (beyond OTP): a child spec's {@link Backoff} makes the supervisor wait,
 * longer after each failure in a row, before restarting that child; such restarts
 * are not counted by `maxRestarts`. While it waits the child's pid is `'restarting'`.
 *
 * ```ts
 * const client: ChildSpec = { id: 'client', start: [Client, port], backoff: { min: 100, max: 10_000 } };
 * ```
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
  /** What `rt.start(Supervisor, arg)` takes, since `init` takes `unknown` for subclasses' sake. */
  declare readonly [defaultInitArg]?: SupervisorSpec;

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
   * A supervisor spec of `children` and `flags`, as Elixir's `Supervisor.init/2`, with
   * each child type-checked: the `arg` of every `[Class, arg]` and `{ start: [Class,
   * arg, opts?] }` must be what `Class` takes (see {@link CheckedChild}). A spec written
   * as a plain object is not checked so: TypeScript can tie an `arg` to its class only
   * through a call like this one.
   *
   * @param children - the children, started in this order.
   * @param flags - the strategy and restart intensity.
   * @returns `{ ...flags, children }`.
   * @example
   * ```ts
   * class App extends Supervisor {
   *   override init() {
   *     return Supervisor.init([{ id: 'c', start: [Counter, 0, { name: 'c' }] }, [Cache, 100]], {
   *       strategy: 'one_for_all',
   *     });
   *   }
   * }
   * // @ts-expect-error: Counter's init takes a number
   * Supervisor.init([{ id: 'c', start: [Counter, 'zero'] }]);
   * ```
   */
  static init<const C extends readonly ChildInput[]>(
    children: CheckedChildren<C>,
    flags: SupervisorFlags = {},
  ): SupervisorSpec {
    // Checked here, where the mistake is made; the fields themselves are checked
    // where the supervisor reads them, as for a spec written as an object.
    if (!Array.isArray(children)) {
      throw new TypeError(
        `Supervisor.init: expected \`children\` to be an array, got ${describeValue(children, 100)}`,
      );
    }
    if (typeof flags !== 'object' || flags === null || Array.isArray(flags)) {
      throw new TypeError(
        `Supervisor.init: expected \`flags\` to be an object, got ${describeValue(flags, 100)}`,
      );
    }
    return { ...flags, children };
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
  override init(arg: unknown): Awaitable<SupervisorSpec | IgnoreResult> {
    // Checked where the engine reads it; typed for `rt.start` by `[defaultInitArg]`.
    return arg as SupervisorSpec;
  }

  /** @internal */
  [engineCallbacks](): ServerCallbacks {
    return new StaticCore(this);
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
  static startChild<const S extends ChildInput>(
    caller: Caller,
    sup: Dest,
    spec: CheckedChild<S>,
  ): Promise<Pid | undefined> {
    return manageStartChild(caller, sup, spec, 'Supervisor.startChild');
  }

  /**
   * Stops a child and keeps its spec (a temporary child's spec is dropped). A child
   * waiting for its restart (a backoff, or a failed restart) is not restarted.
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
   * Starts again a child that was terminated. As OTP, a child waiting for its restart
   * (`'restarting'`, a backoff) is not started early: terminate it first.
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

/**
 * The supervisor's engine-facing callbacks, hidden from subclasses: its children in
 * start order and its strategy, on the core both supervisors share.
 */
class StaticCore extends SupervisorCore {
  #children: ChildRecord[] = [];
  #strategy: Strategy = 'one_for_one';
  protected readonly flagsShape = '{ children, strategy?, maxRestarts?, maxSeconds? }';

  constructor(owner: Supervisor) {
    super(owner, 'Supervisor');
  }

  protected configure(
    flags: Record<string, unknown>,
    where: string,
  ): { maxRestarts: number; maxSeconds: number } {
    const strategy = flags.strategy ?? 'one_for_one';
    if (typeof strategy !== 'string' || !STRATEGIES.has(strategy)) {
      throw optionError(
        true,
        `${where}: expected \`strategy\` to be 'one_for_one', 'one_for_all' or 'rest_for_one', got ${describeValue(strategy, 100)}`,
      );
    }
    const intensity = checkIntensity(flags, where);
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
    return intensity;
  }

  /** Starts the children in order; if one fails, stops those started in reverse order. */
  protected override async startChildren(): Promise<void> {
    const started: ChildRecord[] = [];
    for (const record of [...this.#children]) {
      const outcome = await startChildProcess(this.self, record.spec);
      if (!outcome.ok) {
        for (const done of started.reverse()) await this.stopChild(done);
        throw childStartError(this.who, record.spec, outcome);
      }
      // As OTP, a temporary child that ignores its start is forgotten: it would never run.
      if (outcome.pid === undefined && record.spec.restart === 'temporary') {
        this.#remove(record);
        continue;
      }
      record.pid = outcome.pid;
      started.push(record);
    }
  }

  protected view(): unknown {
    return {
      strategy: this.#strategy,
      maxRestarts: this.intensity.maxRestarts,
      maxSeconds: this.intensity.maxSeconds,
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
  protected childOf(pid: Pid): ChildRecord | undefined {
    const children = this.#children;
    for (let i = 0; i < children.length; i++) if (children[i]!.pid === pid) return children[i];
    return undefined;
  }

  protected holds(record: ChildRecord): boolean {
    return this.#children.includes(record);
  }

  /** As OTP's `del_child`: a temporary child is dropped, any other kept, not running. */
  protected forget(record: ChildRecord): void {
    record.pid = undefined;
    if (record.spec.restart === 'temporary') this.#remove(record);
  }

  protected place(record: ChildRecord, pid: Pid | undefined): void {
    record.pid = pid;
  }

  protected describeChild(record: ChildRecord): string {
    return `child ${describeValue(record.spec.id, 100)}`;
  }

  protected async manage(req: Request): Promise<Answer<unknown>> {
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
        const outcome = await startChildProcess(this.self, req.spec);
        if (!outcome.ok) return { error: childStartError(this.who, req.spec, outcome) };
        if (outcome.pid === undefined && req.spec.restart === 'temporary') return { ok: undefined };
        this.#children.push(newRecord(req.spec, outcome.pid));
        return { ok: outcome.pid };
      }
      case 'terminate_child': {
        const record = this.#find(req.id);
        if (record === undefined)
          return { error: this.#error('Supervisor.terminateChild', req.id, 'not_found') };
        await this.stopChild(record);
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
        const outcome = await startChildProcess(this.self, record.spec);
        if (!outcome.ok) return { error: childStartError(this.who, record.spec, outcome) };
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
        return this.unknownRequest(req);
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
      `${operation} on ${this.who} for ${describeValue(id, 100)}: ${text} (${reason})`,
      reason,
      pid,
    );
  }

  /** one_for_one restarts the child alone; the other strategies restart its group. */
  protected override restart(record: ChildRecord): unknown {
    if (this.#strategy === 'one_for_one') return this.startAgain(record);
    return this.#restartGroup(record);
  }

  /**
   * Applies a one_for_all or rest_for_one strategy after `record` died: stops the
   * rest of its group in reverse start order, then starts the whole group in start
   * order. As OTP's `restart_multiple_children`, that includes a child of the group
   * that was not running (terminated, or ignored its start); its event has no old pid.
   */
  async #restartGroup(record: ChildRecord): Promise<unknown> {
    const group = this.#group(record);
    await this.#stopGroup(record, group);
    for (const member of group) {
      if (member.spec.restart === 'temporary' && member !== record) continue;
      await this.startAgain(member);
      if (member.pid === 'restarting') break; // The rest waits for the retry.
    }
    return CURRENT;
  }

  /**
   * Stops the rest of the group of `record` in reverse start order, and drops its
   * temporary children: one stopped with its group is not restarted.
   */
  async #stopGroup(record: ChildRecord, group: ChildRecord[]): Promise<void> {
    for (const other of [...group].reverse()) {
      if (other === record) continue;
      other.exitPid = typeof other.pid === 'object' ? other.pid : undefined;
      other.exitReason = await this.stopChild(other);
    }
    for (const member of group) {
      if (member.spec.restart === 'temporary' && member !== record) this.#remove(member);
    }
  }

  /**
   * A child with a backoff died: under one_for_all or rest_for_one the rest of its
   * group is stopped at once, as the strategy says, and waits with it; `retry` starts
   * them all when the delay is over.
   */
  protected override backOff(record: ChildRecord): unknown {
    super.backOff(record);
    if (this.#strategy === 'one_for_one') return CURRENT;
    return this.#stopGroup(record, this.#group(record)).then(() => CURRENT);
  }

  /** Tries `record` again (a failed restart, or the end of its backoff), then starts the rest of its group that waited for it. */
  protected override async retry(record: ChildRecord): Promise<unknown> {
    for (const member of this.#group(record)) {
      if (member !== record && member.pid !== undefined) continue;
      await this.startAgain(member);
      if (member.pid === 'restarting') break;
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

  /** In reverse start order, each waited for, as OTP. */
  protected async stopChildren(): Promise<void> {
    for (const record of [...this.#children].reverse()) await this.stopChild(record);
  }
}
