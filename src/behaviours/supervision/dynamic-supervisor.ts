import { defaultInitArg, type Pid, type Self } from '../../core/kernel.js';
import { describeValue } from '../../describe.js';
import { MaxChildrenError, SupervisorError } from '../../errors.js';
import type { Dest } from '../../types.js';
import type { Caller } from '../gen.js';
import { type Awaitable, GenServer } from '../gen-server.js';
import { optionError } from '../option-error.js';
import type { IgnoreResult } from '../results.js';
import { engineCallbacks, type ServerCallbacks } from '../server-callbacks.js';
import type { CheckedChild, ChildInput, ChildSpec } from './child-spec.js';
import { checkIntensity } from './child-spec-check.js';
import { childStartError, startChildProcess } from './child-start.js';
import {
  type Answer,
  type ChildCount,
  type ChildInfo,
  type ChildRecord,
  type CommonRequest,
  manage,
  manageStartChild,
  newRecord,
  SupervisorCore,
} from './supervisor-core.js';

/**
 * What `rt.start(DynamicSupervisor, ...)` takes (or a subclass's `init` returns).
 *
 * @example
 * ```ts
 * await rt.start(DynamicSupervisor, { maxChildren: 100 }, { name: 'Workers' });
 * ```
 */
export interface DynamicSupervisorSpec {
  /** The most children it holds at once, counting any waiting to be restarted, as Elixir does. @defaultValue Infinity */
  maxChildren?: number;
  /** @defaultValue 3 */
  maxRestarts?: number;
  /** @defaultValue 5 */
  maxSeconds?: number;
}

type Request = CommonRequest | { op: 'terminate_child'; pid: unknown };

/**
 * A supervisor that starts with no children and starts them on demand, each from
 * its own spec, one_for_one, like Elixir's `DynamicSupervisor`. Stopping it stops
 * every child concurrently, each bounded by its shutdown time.
 *
 * @example
 * ```ts
 * import { DynamicSupervisor, Runtime } from 'otp-ts';
 *
 * const rt = new Runtime();
 * await rt.start(DynamicSupervisor, { maxChildren: 1000 }, { name: 'Stores' });
 * const pid = await DynamicSupervisor.startChild(rt, 'Stores', [CoreStore, new Store('Test3', 1)]);
 * await DynamicSupervisor.terminateChild(rt, 'Stores', pid!);
 * ```
 *
 * **Restarts** follow each child's `restart` type, within the supervisor's restart
 * intensity (more than `maxRestarts` in `maxSeconds` shuts it down). A restart that
 * fails is tried again through the supervisor's own mailbox, as Elixir's does, so it
 * keeps answering calls meanwhile; each attempt counts as a restart, and
 * `whichChildren` shows the child's pid as `'restarting'` until it starts.
 *
 * **Backoff** (beyond OTP): a child spec with a {@link Backoff} is restarted after a
 * delay that grows with its failures in a row, a failed restart included, and its
 * restarts are not counted by `maxRestarts`; while it waits it is `'restarting'`, and
 * `terminateChild` with the pid it crashed as cancels the wait.
 *
 * **When not to use it**: for a fixed set of children known at start, use `Supervisor`.
 */
export class DynamicSupervisor extends GenServer<DynamicSupervisorSpec, never, never, never> {
  /** What `rt.start(DynamicSupervisor, arg)` takes, since `init` takes `unknown` for subclasses' sake. */
  declare readonly [defaultInitArg]?: DynamicSupervisorSpec;

  /** @internal */
  static override readonly behaviourName: string = 'DynamicSupervisor';

  /**
   * Like GenServer's, with `type: 'supervisor'` and `shutdown: 'infinity'`.
   * @example
   * ```ts
   * const spec = DynamicSupervisor.childSpec({ maxChildren: 10 });
   * ```
   */
  static override childSpec(arg?: unknown): ChildSpec {
    // biome-ignore lint/complexity/noThisInStatic: `super` keeps `this`, so a subclass gets its own name as id.
    return { ...super.childSpec(arg), type: 'supervisor', shutdown: 'infinity' };
  }

  /**
   * Returns the supervisor's flags; the default returns its argument. May return `ignore()`.
   * @example
   * ```ts
   * override init(): DynamicSupervisorSpec { return { maxChildren: 10 }; }
   * ```
   */
  override init(arg: unknown): Awaitable<DynamicSupervisorSpec | IgnoreResult> {
    // Checked where the engine reads it; typed for `rt.start` by `[defaultInitArg]`.
    return (arg as DynamicSupervisorSpec | undefined) ?? {};
  }

  /** @internal */
  [engineCallbacks](): ServerCallbacks {
    return new DynamicCore(this);
  }

  /**
   * Starts a child from `spec` (a child spec, a class, or `[Class, arg]`).
   * @returns Its pid, or `undefined` if its init returned `ignore()`.
   * @throws (as rejections) MaxChildrenError when `maxChildren` run already;
   * InvalidChildSpecError for a bad spec; StartError when the child fails to start.
   * @example
   * ```ts
   * const pid = await DynamicSupervisor.startChild(rt, 'Stores', { id: 'any', start: [CoreStore, store] });
   * ```
   */
  static startChild<const S extends ChildInput>(
    caller: Caller,
    sup: Dest,
    spec: CheckedChild<S>,
  ): Promise<Pid | undefined> {
    return manageStartChild(caller, sup, spec, 'DynamicSupervisor.startChild');
  }

  /**
   * Stops the child `pid`; it is not restarted. A child waiting for a failed restart to
   * be tried again is found under the pid it exited as, and its retry is cancelled.
   * @throws SupervisorError `'not_found'` (as a rejection) when `pid` is not its child.
   * @example
   * ```ts
   * await DynamicSupervisor.terminateChild(rt, 'Stores', pid);
   * ```
   */
  static terminateChild(caller: Caller, sup: Dest, pid: Pid): Promise<void> {
    return manage(caller, sup, { op: 'terminate_child', pid }, 'DynamicSupervisor.terminateChild');
  }

  /**
   * The children in start order (a restarted child counts as started when it restarted);
   * `pid` is `'restarting'` for one whose restart failed and waits to be tried again.
   * @example
   * ```ts
   * await DynamicSupervisor.whichChildren(rt, 'Stores');
   * ```
   */
  static whichChildren(caller: Caller, sup: Dest): Promise<ChildInfo[]> {
    return manage(caller, sup, { op: 'which_children' }, 'DynamicSupervisor.whichChildren');
  }

  /**
   * Counts the children; one waiting to be restarted is a spec, not active.
   * @example
   * ```ts
   * const { active } = await DynamicSupervisor.countChildren(rt, 'Stores');
   * ```
   */
  static countChildren(caller: Caller, sup: Dest): Promise<ChildCount> {
    return manage(caller, sup, { op: 'count_children' }, 'DynamicSupervisor.countChildren');
  }
}

/**
 * The dynamic supervisor's engine-facing callbacks, hidden from subclasses: its
 * children by pid, on the core both supervisors share. @internal
 */
export class DynamicCore extends SupervisorCore {
  /**
   * Children by the pid they last ran as, in start order (a Map keeps insertion
   * order). A child being restarted keeps its old pid's entry until its new pid takes
   * it over, as in Elixir: a map emptied and refilled at each restart of a lone child
   * would reallocate its table.
   */
  readonly #children = new Map<Pid, ChildRecord>();
  #maxChildren = Number.POSITIVE_INFINITY;
  protected readonly flagsShape = '{ maxChildren?, maxRestarts?, maxSeconds? }';

  /** `behaviour` names it in reports: a TaskSupervisor runs on this core too. */
  constructor(
    owner: { readonly self: Self; init(arg: never): unknown },
    behaviour = 'DynamicSupervisor',
  ) {
    super(owner, behaviour);
  }

  protected configure(
    flags: Record<string, unknown>,
    where: string,
  ): { maxRestarts: number; maxSeconds: number } {
    const maxChildren = flags.maxChildren ?? Number.POSITIVE_INFINITY;
    if (
      typeof maxChildren !== 'number' ||
      !(maxChildren >= 0) ||
      (!Number.isInteger(maxChildren) && maxChildren !== Number.POSITIVE_INFINITY)
    ) {
      throw optionError(
        typeof maxChildren !== 'number',
        `${where}: expected \`maxChildren\` to be an integer >= 0 or Infinity, got ${describeValue(maxChildren, 100)}`,
      );
    }
    const intensity = checkIntensity(flags, where);
    this.#maxChildren = maxChildren;
    return intensity;
  }

  /** Its running children are counted, not listed: a dynamic supervisor may have many. */
  protected view(): unknown {
    return { maxChildren: this.#maxChildren, children: this.#running() };
  }

  #running(): number {
    let running = 0;
    for (const record of this.#children.values()) if (typeof record.pid === 'object') running++;
    return running;
  }

  /** The pid its entry is under: its own, or while it is restarted, the one it exited as. */
  #keyOf(record: ChildRecord): Pid {
    return typeof record.pid === 'object' ? record.pid : record.exitPid!;
  }

  protected childOf(pid: Pid): ChildRecord | undefined {
    const record = this.#children.get(pid);
    return record !== undefined && record.pid === pid ? record : undefined;
  }

  protected holds(record: ChildRecord): boolean {
    return this.#children.get(this.#keyOf(record)) === record;
  }

  /** As Elixir's `delete_child`: a dynamic child that does not run is not kept. */
  protected forget(record: ChildRecord): void {
    this.#children.delete(this.#keyOf(record));
  }

  protected place(record: ChildRecord, pid: Pid | undefined): void {
    const oldPid = this.#keyOf(record);
    record.pid = pid;
    // The new entry first: the map is never emptied on the way.
    if (pid !== undefined) this.#children.set(pid, record);
    this.#children.delete(oldPid);
  }

  protected describeChild(_record: ChildRecord): string {
    return 'a child';
  }

  protected async manage(req: Request): Promise<Answer<unknown>> {
    switch (req.op) {
      case 'start_child': {
        if (this.#children.size >= this.#maxChildren)
          return { error: new MaxChildrenError(this.dest, this.#maxChildren) };
        const outcome = await startChildProcess(this.self, req.spec);
        if (!outcome.ok) return { error: childStartError(this.who, req.spec, outcome) };
        if (outcome.pid !== undefined)
          this.#children.set(outcome.pid, newRecord(req.spec, outcome.pid));
        return { ok: outcome.pid };
      }
      case 'terminate_child': {
        // A child waiting to be restarted is found under the pid it exited as, as in Elixir.
        const record = this.#children.get(req.pid as Pid);
        if (record === undefined) {
          return {
            error: new SupervisorError(
              `DynamicSupervisor.terminateChild on ${this.who}: ${describeValue(req.pid, 100)} is not one of its children (not_found)`,
              'not_found',
            ),
          };
        }
        this.#children.delete(req.pid as Pid);
        await this.stopChild(record);
        return { ok: undefined };
      }
      case 'which_children':
        return {
          ok: Array.from(
            this.#children.values(),
            (r): ChildInfo => ({ id: undefined, pid: r.pid, type: r.spec.type }),
          ),
        };
      case 'count_children': {
        const count: ChildCount = {
          specs: this.#children.size,
          active: 0,
          supervisors: 0,
          workers: 0,
        };
        for (const r of this.#children.values()) {
          if (typeof r.pid === 'object') count.active++;
          if (r.spec.type === 'supervisor') count.supervisors++;
          else count.workers++;
        }
        return { ok: count };
      }
      default:
        return this.unknownRequest(req);
    }
  }

  /** All at once, each bounded by its shutdown time, as Elixir's DynamicSupervisor. */
  protected async stopChildren(): Promise<void> {
    const children = [...this.#children.values()];
    this.#children.clear();
    await Promise.all(children.map((record) => this.stopChild(record)));
  }
}
