import type { Pid } from '../../core/pid.js';
import { isInstance, type Self } from '../../core/process.js';
import { Exit, isNormalExit } from '../../core/signals.js';
import { describeProcess, describeReasonBriefly, describeValue } from '../../describe.js';
import { InvalidChildSpecError, MaxChildrenError, SupervisorError } from '../../errors.js';
import type { Dest, ExitReason } from '../../types.js';
import type { Caller, From } from '../gen.js';
import { type Awaitable, GenServer } from '../gen-server.js';
import { IgnoreResult, reply, StopResult, stop } from '../results.js';
import { engineCallbacks, formatState, type ServerCallbacks } from '../server-engine.js';
import type { ChildInput, ChildSpec, NormalizedChildSpec } from './child-spec.js';
import { checkIntensity, normalizeChild } from './child-spec-check.js';
import {
  childStartError,
  shutdownChild,
  startChild,
  startChildProcess,
  startFailure,
} from './child-start.js';
import { RestartIntensity } from './intensity.js';
import { type Answer, type ChildCount, type ChildInfo, manage } from './supervisor-core.js';

/**
 * What `rt.start(DynamicSupervisor, ...)` takes (or a subclass's `init` returns).
 *
 * @example
 * ```ts
 * await rt.start(DynamicSupervisor, { maxChildren: 100 }, { name: 'Workers' });
 * ```
 */
export interface DynamicSupervisorSpec {
  /** The most children it runs at once. @defaultValue Infinity */
  maxChildren?: number;
  /** @defaultValue 3 */
  maxRestarts?: number;
  /** @defaultValue 5 */
  maxSeconds?: number;
}

type Request =
  | { op: 'start_child'; spec: NormalizedChildSpec }
  | { op: 'terminate_child'; pid: unknown }
  | { op: 'which_children' }
  | { op: 'count_children' };

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
 * intensity (more than `maxRestarts` in `maxSeconds` shuts it down).
 *
 * **When not to use it**: for a fixed set of children known at start, use `Supervisor`.
 */
export class DynamicSupervisor extends GenServer<DynamicSupervisorSpec, never, never, never> {
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
  override init(arg: DynamicSupervisorSpec): Awaitable<DynamicSupervisorSpec | IgnoreResult> {
    return arg ?? {};
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
  static startChild(caller: Caller, sup: Dest, spec: ChildInput): Promise<Pid | undefined> {
    let normalized: NormalizedChildSpec;
    try {
      normalized = normalizeChild(spec, 'DynamicSupervisor.startChild');
    } catch (error) {
      return Promise.reject(error);
    }
    return manage(
      caller,
      sup,
      { op: 'start_child', spec: normalized },
      'DynamicSupervisor.startChild',
    );
  }

  /**
   * Stops the child `pid`; it is not restarted.
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
   * The children in start order (a restarted child counts as started when it restarted).
   * @example
   * ```ts
   * await DynamicSupervisor.whichChildren(rt, 'Stores');
   * ```
   */
  static whichChildren(caller: Caller, sup: Dest): Promise<ChildInfo[]> {
    return manage(caller, sup, { op: 'which_children' }, 'DynamicSupervisor.whichChildren');
  }

  /**
   * Counts the children.
   * @example
   * ```ts
   * const { active } = await DynamicSupervisor.countChildren(rt, 'Stores');
   * ```
   */
  static countChildren(caller: Caller, sup: Dest): Promise<ChildCount> {
    return manage(caller, sup, { op: 'count_children' }, 'DynamicSupervisor.countChildren');
  }
}

/** The state as the engine keeps it: Sys and crash reports get a view built when they ask. */
const CURRENT: unique symbol = Symbol('the dynamic supervisor state');

class DynamicCore implements ServerCallbacks {
  readonly #owner: DynamicSupervisor;
  #self!: Self;
  /** Children by pid, in start order (a Map keeps insertion order). */
  readonly #children = new Map<Pid, NormalizedChildSpec>();
  #maxChildren = Number.POSITIVE_INFINITY;
  #intensity = new RestartIntensity(3, 5);
  /**
   * The child being restarted, its exit reason and its old pid, which keeps its entry
   * until the new pid takes it over: a map emptied and refilled at each restart of a
   * lone child would reallocate its table. The supervisor waits for the start, so
   * there is one at a time.
   */
  #restarting: NormalizedChildSpec | undefined = undefined;
  #exitReason: ExitReason = undefined;
  #exitPid: Pid | undefined = undefined;

  constructor(owner: DynamicSupervisor) {
    this.#owner = owner;
  }

  get #who(): string {
    const self = this.#self;
    return `DynamicSupervisor ${describeProcess(self.name, self.pid)}`;
  }

  async init(arg: unknown): Promise<unknown> {
    this.#self = this.#owner.self;
    this.#self.trapExit(true);
    const flags: unknown = await this.#owner.init(arg as DynamicSupervisorSpec);
    if (flags instanceof IgnoreResult || flags instanceof StopResult) return flags;
    const where = `${this.#who} init`;
    if (typeof flags !== 'object' || flags === null) {
      throw new InvalidChildSpecError(
        `${where}: expected { maxChildren?, maxRestarts?, maxSeconds? }, got ${describeValue(flags, 100)}`,
        'spec',
      );
    }
    const record = flags as Record<string, unknown>;
    const maxChildren = record.maxChildren ?? Number.POSITIVE_INFINITY;
    if (
      typeof maxChildren !== 'number' ||
      !(maxChildren >= 0) ||
      (!Number.isInteger(maxChildren) && maxChildren !== Number.POSITIVE_INFINITY)
    ) {
      throw new InvalidChildSpecError(
        `${where}: expected \`maxChildren\` to be an integer >= 0 or Infinity, got ${describeValue(maxChildren, 100)}`,
        'maxChildren',
      );
    }
    const { maxRestarts, maxSeconds } = checkIntensity(record, where);
    this.#maxChildren = maxChildren;
    this.#intensity = new RestartIntensity(maxRestarts, maxSeconds);
    return CURRENT;
  }

  /** What Sys and crash reports show: a fresh view of the state, unless Sys replaced it. */
  [formatState](state: unknown): unknown {
    if (state !== CURRENT) return state;
    const restarting = this.#restarting === undefined ? 0 : 1; // Its old pid still holds an entry.
    return { maxChildren: this.#maxChildren, children: this.#children.size - restarting };
  }

  async handleCall(req: unknown, _from: From, _state: unknown): Promise<unknown> {
    return reply(await this.#manage(req as Request), CURRENT);
  }

  async #manage(req: Request): Promise<Answer<unknown>> {
    switch (req.op) {
      case 'start_child': {
        if (this.#children.size >= this.#maxChildren)
          return {
            error: new MaxChildrenError(this.#self.name ?? this.#self.pid, this.#maxChildren),
          };
        const outcome = await startChildProcess(this.#self, req.spec);
        if (!outcome.ok) return { error: childStartError(this.#who, req.spec.id, outcome) };
        if (outcome.pid !== undefined) this.#children.set(outcome.pid, req.spec);
        return { ok: outcome.pid };
      }
      case 'terminate_child': {
        const pid = req.pid as Pid;
        const spec = this.#children.get(pid);
        if (spec === undefined) {
          return {
            error: new SupervisorError(
              `DynamicSupervisor.terminateChild on ${this.#who}: ${describeValue(req.pid, 100)} is not one of its children (not_found)`,
              'not_found',
            ),
          };
        }
        this.#children.delete(pid);
        await shutdownChild(this.#self, pid, spec.shutdown);
        return { ok: undefined };
      }
      case 'which_children':
        return {
          ok: [...this.#children].map(
            ([pid, spec]): ChildInfo => ({ id: undefined, pid, type: spec.type }),
          ),
        };
      case 'count_children': {
        const count: ChildCount = {
          specs: this.#children.size,
          active: this.#children.size,
          supervisors: 0,
          workers: 0,
        };
        for (const spec of this.#children.values()) {
          if (spec.type === 'supervisor') count.supervisors++;
          else count.workers++;
        }
        return { ok: count };
      }
      default:
        return {
          error: new TypeError(`${this.#who} got an unknown request ${describeValue(req, 100)}`),
        };
    }
  }

  handleCast(request: unknown, state: unknown): unknown {
    this.#self.runtime.logger.warn(
      `${this.#who} received an unexpected cast: ${describeValue(request, 200)}`,
    );
    return state;
  }

  /** Sync but for a restart, which resolves once the child's start settles. */
  handleInfo(message: unknown, state: unknown): unknown {
    // isInstance: a hostile message (a Proxy that throws) is only unexpected, not a crash.
    if (!isInstance(message, Exit)) {
      this.#self.runtime.logger.warn(
        `${this.#who} received an unexpected message: ${describeValue(message, 200)}`,
      );
      return state;
    }
    const spec = this.#children.get(message.from);
    if (spec === undefined) return state;
    if (
      spec.restart === 'temporary' ||
      (spec.restart === 'transient' && isNormalExit(message.reason))
    ) {
      this.#children.delete(message.from);
      return CURRENT;
    }
    this.#restarting = spec;
    this.#exitReason = message.reason;
    this.#exitPid = message.from;
    return this.#restart();
  }

  /** Starts `#restarting` again, until it starts or the restart intensity runs out. */
  #restart(): unknown {
    if (!this.#intensity.add()) {
      this.#children.delete(this.#exitPid!);
      this.#restarting = undefined;
      this.#self.runtime.logger.error(
        `${this.#who} reached its maximum restart intensity (more than ${this.#intensity.maxRestarts} restarts in ${this.#intensity.maxSeconds} s) and shuts down`,
      );
      return stop('shutdown', CURRENT);
    }
    return startChild(this.#self, this.#restarting!).then(this.#started, this.#notStarted);
  }

  // Bound once: a restart allocates no closures for its continuation.
  readonly #started = (pid: Pid): unknown => this.#restarted(pid);

  readonly #notStarted = (error: unknown): unknown => {
    const failure = startFailure(error);
    if (failure === undefined) return this.#restarted(undefined); // Its init returned ignore().
    this.#self.runtime.logger.error(
      `${this.#who} could not restart a child: ${describeReasonBriefly(failure.reason)}; trying again`,
    );
    return this.#restart();
  };

  #restarted(pid: Pid | undefined): unknown {
    const spec = this.#restarting!;
    const reason = this.#exitReason;
    const oldPid = this.#exitPid!;
    this.#restarting = undefined;
    this.#exitReason = undefined;
    this.#exitPid = undefined;
    // The new entry first: the map is never emptied on the way.
    if (pid !== undefined) this.#children.set(pid, spec);
    this.#children.delete(oldPid);
    const runtime = this.#self.runtime;
    if (!runtime.quiet)
      runtime.logger.info(
        `${this.#who} restarted a child (reason: ${describeReasonBriefly(reason)}) ${oldPid} -> ${pid ?? 'ignored'}`,
      );
    runtime.emitSafely('restart', this.#self.pid, spec.id, reason, oldPid, pid);
    return CURRENT;
  }

  handleContinue(_arg: unknown, state: unknown): unknown {
    return state;
  }

  async terminate(_reason: ExitReason, _state: unknown): Promise<void> {
    if (this.#self === undefined) return;
    const children = [...this.#children];
    this.#children.clear();
    await Promise.all(children.map(([pid, spec]) => shutdownChild(this.#self, pid, spec.shutdown)));
  }
}
