import {
  assertPid,
  attachWatcher,
  defaultInitArg,
  detachWatcher,
  isViaName,
  type ListedWatcher,
  linkOnBehalf,
  lookup,
  type Pid,
  type Process,
  processOfSelf,
  type Ref,
  Runtime,
  type Self,
  setViaTable,
  unlinkOnBehalf,
  type ViaTable,
  watchExit,
} from '../core/kernel.js';
import { describeDest, describeProcess, describeValue } from '../describe.js';
import { AlreadyRegisteredError, NoProcError } from '../errors.js';
import type { Dest, ExitReason } from '../types.js';
import { type Caller, type From, resolveCaller } from './gen.js';
import { type Awaitable, GenServer } from './gen-server.js';
import { optionError } from './option-error.js';
import { canonicalKey } from './registry-key.js';
import { IgnoreResult, reply, StopResult } from './results.js';
import { engineCallbacks, type ServerCallbacks } from './server-callbacks.js';

/** Whether a key maps to one process or to many. */
export type RegistryKeys = 'unique' | 'duplicate';

/**
 * What `rt.start(Registry, ...)` takes.
 *
 * @example
 * ```ts
 * await rt.start(Registry, { keys: 'unique' }, { name: 'Stores' });
 * ```
 */
export interface RegistrySpec {
  /** `'unique'`: one process per key (and via names); `'duplicate'`: many, for pub/sub. */
  keys: RegistryKeys;
  /** Registry-wide metadata to start with, read with `Registry.meta`. */
  meta?: Record<string, unknown>;
}

/** One registration: the process and the value it registered with. */
export type RegistryEntry<V = unknown> = [pid: Pid, value: V];

/**
 * A registry's table. It lives beside the registry process and is read and written
 * directly by the `Registry` functions, so lookups never queue behind the
 * registry's mailbox. Each registering process is watched once, however many keys
 * it holds; its entries go the moment it exits.
 */
class RegistryTable implements ViaTable {
  readonly kind: RegistryKeys;
  readonly owner: Process;
  /** unique: key → [process, value]. */
  readonly #unique = new Map<unknown, { proc: Process; value: unknown }>();
  /** duplicate: key → pid → values (a process may register a key more than once). */
  readonly #duplicate = new Map<unknown, Map<Pid, unknown[]>>();
  /**
   * Each registered process: its keys (in order, each with its number of entries), the
   * watch on it, and the key of the via name it holds here, if any.
   */
  readonly #byPid = new Map<Pid, Owned>();
  #size = 0;
  readonly #runtime: Runtime;
  /** Registry-wide metadata (`meta`, `putMeta`), by canonical key. */
  readonly meta = new Map<unknown, unknown>();

  constructor(owner: Process, kind: RegistryKeys, runtime: Runtime) {
    this.owner = owner;
    this.kind = kind;
    this.#runtime = runtime;
  }

  /**
   * A registering process is linked to the registry, as in Elixir: if the registry
   * dies, its registrants get the exit signal, so a supervision tree restarts them and
   * they register again, instead of living on unregistered. The registry traps exits,
   * so a registrant's death only removes its entries.
   */
  #linked(proc: Process): void {
    linkOnBehalf(this.#runtime, proc, this.owner.pid);
  }

  get size(): number {
    return this.#size;
  }

  register(proc: Process, key: unknown, value: unknown, operation: string): void {
    // Code that outlives its process (an async body after a kill) can still hold its
    // `self`: as `self.send` does, registering then does nothing. A watch on a dead
    // process would never fire, and the entry would stay forever.
    const canon = canonicalKey(key, operation);
    if (!proc.alive) return;
    if (this.kind === 'unique') {
      const holder = this.#unique.get(canon);
      if (holder !== undefined)
        throw new AlreadyRegisteredError(
          `${operation} in ${this.describe()}`,
          key,
          holder.proc.pid,
        );
      this.#unique.set(canon, { proc, value });
    } else {
      let byProc = this.#duplicate.get(canon);
      if (byProc === undefined) this.#duplicate.set(canon, (byProc = new Map()));
      const values = byProc.get(proc.pid);
      if (values === undefined) byProc.set(proc.pid, [value]);
      else values.push(value);
    }
    this.#size++;
    const owned = this.#byPid.get(proc.pid);
    if (owned === undefined) {
      const first = new Owned(proc, this, key, canon);
      attachWatcher(proc, first);
      this.#byPid.set(proc.pid, first);
      this.#linked(proc);
    } else {
      owned.keys.push(key);
      owned.canon.push(canon);
    }
  }

  unregister(pid: Pid, key: unknown, operation: string): void {
    const canon = canonicalKey(key, operation);
    if (this.kind === 'unique') {
      const holder = this.#unique.get(canon);
      if (holder === undefined || holder.proc.pid !== pid) return;
      this.#unique.delete(canon);
      this.#size--;
    } else {
      const byPid = this.#duplicate.get(canon);
      const values = byPid?.get(pid);
      if (values === undefined) return;
      byPid!.delete(pid);
      if (byPid!.size === 0) this.#duplicate.delete(canon);
      this.#size -= values.length;
    }
    const owned = this.#byPid.get(pid);
    if (owned === undefined) return;
    owned.remove(canon);
    if (sameKey(owned.viaKey, canon)) dropViaName(owned);
    if (owned.keys.length === 0) {
      detachWatcher(owned);
      this.#byPid.delete(pid);
      // Its last key gone, the process is no longer the registry's concern.
      unlinkOnBehalf(this.#runtime, owned.proc, this.owner.pid);
    }
  }

  lookup(key: unknown, operation: string): RegistryEntry[] {
    const canon = canonicalKey(key, operation);
    if (this.kind === 'unique') {
      const holder = this.#unique.get(canon);
      return holder === undefined ? [] : [[holder.proc.pid, holder.value]];
    }
    const out: RegistryEntry[] = [];
    const byPid = this.#duplicate.get(canon);
    if (byPid !== undefined)
      for (const [pid, values] of byPid) for (const value of values) out.push([pid, value]);
    return out;
  }

  keysOf(pid: Pid): unknown[] {
    const owned = this.#byPid.get(pid);
    if (owned === undefined) return [];
    // As Elixir's Registry.keys: a key registered twice (duplicate keys) is listed twice.
    return owned.keys.slice();
  }

  updateValue(
    proc: Process,
    key: unknown,
    fn: (value: unknown) => unknown,
  ): [unknown, unknown] | undefined {
    const holder = this.#unique.get(canonicalKey(key, 'Registry.updateValue'));
    if (holder === undefined || holder.proc !== proc) return undefined;
    const old = holder.value;
    holder.value = fn(old);
    return [holder.value, old];
  }

  /** Drops every entry and every watch: the registry is gone. */
  clear(): void {
    for (const owned of this.#byPid.values()) {
      detachWatcher(owned);
      // Its via name went with the table: the process is left free to take another.
      dropViaName(owned);
    }
    this.#byPid.clear();
    this.#unique.clear();
    this.#duplicate.clear();
    this.#size = 0;
  }

  /** A registered process exited: its entries go at once. */
  processExited(pid: Pid): void {
    const owned = this.#byPid.get(pid);
    if (owned === undefined) return;
    this.#byPid.delete(pid); // Its watch is gone with the process.
    for (const key of owned.canon) {
      if (this.kind === 'unique') {
        this.#unique.delete(key);
        this.#size--;
      } else {
        // A key registered more than once is listed more than once: the first does it all.
        const byPid = this.#duplicate.get(key);
        const values = byPid?.get(pid);
        if (values === undefined) continue;
        this.#size -= values.length;
        byPid!.delete(pid);
        if (byPid!.size === 0) this.#duplicate.delete(key);
      }
    }
  }

  describe(): string {
    const name = this.owner.name;
    return `Registry ${describeProcess(name, this.owner.pid)}`;
  }

  // ── ViaTable: `{ via: registry, key }` names ─────────────────────────────

  whereis(key: unknown): Process | undefined {
    this.#assertUnique('a via name');
    return this.#unique.get(canonicalKey(key, 'resolving a via name'))?.proc;
  }

  registerName(key: unknown, proc: Process): void {
    this.#assertUnique('a via name');
    this.register(proc, key, undefined, 'registering a via name');
    const owned = this.#byPid.get(proc.pid);
    // undefined only for a process already exited
    if (owned !== undefined) owned.viaKey = canonicalKey(key, 'registering a via name');
  }

  unregisterName(key: unknown, proc: Process): void {
    this.unregister(proc.pid, key, 'unregistering a via name');
  }

  #assertUnique(use: string): void {
    if (this.kind !== 'unique') {
      throw new TypeError(
        `${this.describe()} has duplicate keys, so it cannot be used as ${use}: start it with { keys: 'unique' }`,
      );
    }
  }
}

const NO_VIA_NAME: unique symbol = Symbol('no via name');

/**
 * A registered process, as its registry's table keeps it. It is also the watch on the
 * process (one per process, in the process's O(1) watcher list), so registering costs
 * no ref and no map on the process.
 */
class Owned implements ListedWatcher {
  prevWatcher: ListedWatcher | undefined = undefined;
  nextWatcher: ListedWatcher | undefined = undefined;
  watched: { listed: ListedWatcher | undefined } | undefined = undefined;
  /**
   * Each key it holds, once per entry (a key is listed more than once only with
   * duplicate keys), in registration order. An array rather than a Map: a process
   * holds a key or two, and registering is the hot path.
   */
  readonly keys: unknown[];
  /** The canonical form of each of `keys`, at the same index. */
  readonly canon: unknown[];
  /** The canonical key of the via name `{ via: registry, key }` the process holds here. */
  viaKey: unknown = NO_VIA_NAME;

  constructor(
    readonly proc: Process,
    readonly table: RegistryTable,
    firstKey: unknown,
    firstCanon: unknown,
  ) {
    // Literals: arrays of exactly one slot, where a push onto [] would reserve 17.
    this.keys = [firstKey];
    this.canon = [firstCanon];
  }

  /** Forgets every entry under the canonical key `canon`, keeping the others in order. */
  remove(canon: unknown): void {
    let kept = 0;
    for (let i = 0; i < this.canon.length; i++) {
      if (sameKey(this.canon[i], canon)) continue;
      this.keys[kept] = this.keys[i];
      this.canon[kept++] = this.canon[i];
    }
    this.keys.length = kept;
    this.canon.length = kept;
  }

  down(_ref: Ref | undefined, pid: Pid, _reason: ExitReason): void {
    this.table.processExited(pid);
  }
}

/** Whether two canonical keys are one, as Map keys compare (SameValueZero). */
function sameKey(a: unknown, b: unknown): boolean {
  return a === b || (Number.isNaN(a) && Number.isNaN(b));
}

/**
 * Forgets the via name `owned` holds in this table, once its entry is gone (unregistered,
 * or the registry stopped): otherwise the process would keep a name that resolves to
 * nobody, and could take no other.
 */
function dropViaName(owned: Owned): void {
  if (owned.viaKey === NO_VIA_NAME) return;
  const name = owned.proc.name;
  if (isViaName(name) && sameKey(canonicalKey(name.key, 'dropping a via name'), owned.viaKey)) {
    owned.proc.name = undefined;
  }
  owned.viaKey = NO_VIA_NAME;
}

/** The table of the registry at `registry`; throws a typed error naming it otherwise. */
function tableOf(caller: unknown, registry: unknown, operation: string): RegistryTable {
  return tableIn(resolveCaller(caller, operation), registry, operation);
}

/** The table of the registry at `registry`, reached from `context`. */
function tableIn(context: Runtime | Self, registry: unknown, operation: string): RegistryTable {
  const runtime = context instanceof Runtime ? context : context.runtime;
  const target = lookup(runtime, registry as Dest, operation, 'registry');
  if (target === undefined) throw new NoProcError(operation, registry);
  const table = target.extras?.viaTable;
  if (!(table instanceof RegistryTable)) {
    throw new TypeError(
      `${operation}: ${describeDest(registry)} is ${target.pid}, which is not a Registry`,
    );
  }
  return table;
}

/** The process that registers: the functions that register the caller need one. */
function registrant(context: Runtime | Self, operation: string): Process {
  if (context instanceof Runtime) {
    throw new TypeError(
      `${operation} registers the calling process, so it must be called with a process's self (or a GenServer), not the Runtime`,
    );
  }
  return processOfSelf(context);
}

/**
 * A local key-value process registry, like Elixir's `Registry`: processes register
 * themselves under keys (unique or duplicate), entries go away when their process
 * exits, and a unique registry provides names `{ via: registry, key }` usable
 * wherever a name is. Every function reads or writes the table directly, with no
 * round trip through the registry's mailbox.
 *
 * @example
 * ```ts
 * import { Registry, Runtime, GenServer } from 'otp-ts';
 *
 * const rt = new Runtime();
 * await rt.start(Registry, { keys: 'unique' }, { name: 'Stores' });
 * await rt.start(CoreStore, new Store('test1', 2), { name: { via: 'Stores', key: 'test1' } });
 * await GenServer.call(rt, { via: 'Stores', key: 'test1' }, 'store');
 * Registry.lookup(rt, 'Stores', 'test1'); // [[<0.5.0>, undefined]]
 * ```
 *
 * **Pub/sub** with duplicate keys:
 *
 * ```ts
 * await rt.start(Registry, { keys: 'duplicate' }, { name: 'Topics' });
 * // in each subscriber: Registry.register(self, 'Topics', 'news', undefined);
 * Registry.dispatch(rt, 'Topics', 'news', (entries) => {
 *   for (const [pid] of entries) rt.send(pid, { type: 'news', text: 'hello' });
 * });
 * ```
 */
export class Registry extends GenServer<RegistrySpec, never, never, never> {
  /** What `rt.start(Registry, arg)` takes, since `init` takes `unknown` for subclasses' sake. */
  declare readonly [defaultInitArg]?: RegistrySpec;

  /** @internal */
  static override readonly behaviourName: string = 'Registry';

  /**
   * Returns the registry's options; the default returns its argument.
   * @example
   * ```ts
   * class Topics extends Registry { override init() { return { keys: 'duplicate' as const }; } }
   * ```
   */
  override init(arg: unknown): Awaitable<RegistrySpec | IgnoreResult> {
    // Checked where the engine reads it; typed for `rt.start` by `[defaultInitArg]`.
    return arg as RegistrySpec;
  }

  /** @internal */
  [engineCallbacks](): ServerCallbacks {
    return new RegistryCore(this);
  }

  /**
   * Registers the calling process under `key` with `value`.
   * @throws AlreadyRegisteredError (with the holder's `.pid`) when a unique key is
   * taken; TypeError when called from outside a process or `registry` is not a
   * Registry; NoProcError when no registry runs at `registry`. From a process that has
   * already exited (its code still running after a kill), it does nothing, as `self.send`.
   * @example
   * ```ts
   * Registry.register(self, 'Topics', 'news', { since: Date.now() });
   * ```
   */
  static register(
    self: Self | { readonly self: Self },
    registry: Dest,
    key: unknown,
    value?: unknown,
  ): void {
    const context = resolveCaller(self, 'Registry.register', 'self');
    const table = tableIn(context, registry, 'Registry.register');
    table.register(registrant(context, 'Registry.register'), key, value, 'Registry.register');
  }

  /**
   * Removes the calling process's entries under `key`.
   * @example
   * ```ts
   * Registry.unregister(self, 'Topics', 'news');
   * ```
   */
  static unregister(self: Self | { readonly self: Self }, registry: Dest, key: unknown): void {
    const context = resolveCaller(self, 'Registry.unregister', 'self');
    const table = tableIn(context, registry, 'Registry.unregister');
    table.unregister(registrant(context, 'Registry.unregister').pid, key, 'Registry.unregister');
  }

  /**
   * The entries under `key`: `[pid, value]` pairs (at most one for a unique registry).
   * @example
   * ```ts
   * const [[pid, value]] = Registry.lookup(rt, 'Stores', 'test1');
   * ```
   */
  static lookup<V = unknown>(caller: Caller, registry: Dest, key: unknown): RegistryEntry<V>[] {
    return tableOf(caller, registry, 'Registry.lookup').lookup(
      key,
      'Registry.lookup',
    ) as RegistryEntry<V>[];
  }

  /**
   * The keys `pid` holds in the registry, in registration order. As in Elixir, a key it
   * registered more than once (duplicate keys) is listed once per registration.
   * @example
   * ```ts
   * Registry.keys(rt, 'Topics', pid); // ['news', 'sport']
   * ```
   */
  static keys(caller: Caller, registry: Dest, pid: Pid): unknown[] {
    const table = tableOf(caller, registry, 'Registry.keys');
    assertPid(pid, 'Registry.keys');
    return table.keysOf(pid);
  }

  /**
   * The entries under `key` whose value `pattern` accepts (Elixir's `Registry.match/4`,
   * with a predicate for the match spec).
   *
   * @throws TypeError for a bad caller, registry or key, or a `pattern` that is not a function.
   * @example
   * ```ts
   * Registry.match(rt, 'Topics', 'news', (value) => (value as { lang: string }).lang === 'en');
   * ```
   */
  static match<V = unknown>(
    caller: Caller,
    registry: Dest,
    key: unknown,
    pattern: (value: V) => boolean,
  ): RegistryEntry<V>[] {
    const table = tableOf(caller, registry, 'Registry.match');
    if (typeof pattern !== 'function') {
      throw new TypeError(
        `Registry.match: expected \`pattern\` to be a function, got ${describeValue(pattern, 100)}`,
      );
    }
    const entries = table.lookup(key, 'Registry.match') as RegistryEntry<V>[];
    return entries.filter(([, value]) => pattern(value));
  }

  /**
   * The registry-wide metadata under `key`, or `undefined` (set with the `meta` start
   * option or `putMeta`; keys compare by value, as registration keys do).
   *
   * @throws TypeError for a bad caller, registry or key.
   * @example
   * ```ts
   * await rt.start(Registry, { keys: 'unique', meta: { region: 'eu' } }, { name: 'Reg' });
   * Registry.meta(rt, 'Reg', 'region'); // 'eu'
   * ```
   */
  static meta<V = unknown>(caller: Caller, registry: Dest, key: unknown): V | undefined {
    const table = tableOf(caller, registry, 'Registry.meta');
    return table.meta.get(canonicalKey(key, 'Registry.meta')) as V | undefined;
  }

  /**
   * Sets the registry-wide metadata under `key`.
   *
   * @throws TypeError for a bad caller, registry or key.
   * @example
   * ```ts
   * Registry.putMeta(rt, 'Reg', 'region', 'us');
   * ```
   */
  static putMeta(caller: Caller, registry: Dest, key: unknown, value: unknown): void {
    const table = tableOf(caller, registry, 'Registry.putMeta');
    table.meta.set(canonicalKey(key, 'Registry.putMeta'), value);
  }

  /**
   * How many entries the registry holds.
   * @example
   * ```ts
   * Registry.count(rt, 'Topics');
   * ```
   */
  static count(caller: Caller, registry: Dest): number {
    return tableOf(caller, registry, 'Registry.count').size;
  }

  /**
   * Calls `fn` with the entries under `key`, if there are any: the fan-out of a
   * pub/sub. `fn` runs in the caller, synchronously.
   * @example
   * ```ts
   * Registry.dispatch(rt, 'Topics', 'news', (entries) => { for (const [pid] of entries) rt.send(pid, msg); });
   * ```
   */
  static dispatch<V = unknown>(
    caller: Caller,
    registry: Dest,
    key: unknown,
    fn: (entries: RegistryEntry<V>[]) => void,
  ): void {
    if (typeof fn !== 'function')
      throw new TypeError(`Registry.dispatch: expected \`fn\` to be a function, got ${typeof fn}`);
    const entries = tableOf(caller, registry, 'Registry.dispatch').lookup(
      key,
      'Registry.dispatch',
    ) as RegistryEntry<V>[];
    if (entries.length > 0) fn(entries);
  }

  /**
   * Replaces the value of a unique `key` the calling process owns with `fn(old)`.
   * @returns `[newValue, oldValue]`, or `undefined` when the caller does not own `key`.
   * @throws TypeError for a duplicate-keys registry or a call from outside a process.
   * @example
   * ```ts
   * Registry.updateValue(self, 'Stores', 'test1', (n: number) => n + 1);
   * ```
   */
  static updateValue<V>(
    self: Self | { readonly self: Self },
    registry: Dest,
    key: unknown,
    fn: (value: V) => V,
  ): [V, V] | undefined {
    const context = resolveCaller(self, 'Registry.updateValue', 'self');
    const table = tableIn(context, registry, 'Registry.updateValue');
    const proc = registrant(context, 'Registry.updateValue');
    if (table.kind !== 'unique') {
      throw new TypeError(
        `Registry.updateValue: ${table.describe()} has duplicate keys; updateValue works on unique keys only`,
      );
    }
    if (typeof fn !== 'function')
      throw new TypeError(
        `Registry.updateValue: expected \`fn\` to be a function, got ${typeof fn}`,
      );
    return table.updateValue(proc, key, fn as (value: unknown) => unknown) as [V, V] | undefined;
  }
}

class RegistryCore implements ServerCallbacks {
  readonly #owner: Registry;
  #table: RegistryTable | undefined;

  constructor(owner: Registry) {
    this.#owner = owner;
  }

  async init(arg: unknown): Promise<unknown> {
    const self = this.#owner.self;
    const spec: unknown = await this.#owner.init(arg as RegistrySpec);
    if (spec instanceof IgnoreResult || spec instanceof StopResult) return spec;
    const keys = (spec as { keys?: unknown } | null)?.keys;
    if (keys !== 'unique' && keys !== 'duplicate') {
      throw optionError(
        true,
        `Registry ${self.pid} init: expected \`keys\` to be 'unique' or 'duplicate', got ${describeValue(keys, 100)}`,
      );
    }
    const meta = (spec as { meta?: unknown }).meta;
    if (meta !== undefined && (typeof meta !== 'object' || meta === null || Array.isArray(meta))) {
      throw optionError(
        true,
        `Registry ${self.pid} init: expected \`meta\` to be a plain object, got ${describeValue(meta, 100)}`,
      );
    }
    const proc = processOfSelf(self);
    const table = new RegistryTable(proc, keys, self.runtime);
    for (const [key, value] of Object.entries(meta ?? {})) {
      table.meta.set(canonicalKey(key, 'Registry init'), value);
    }
    // Registrants are linked to the registry; their exits only remove their entries.
    self.trapExit(true);
    this.#table = table;
    setViaTable(proc, table);
    // However the registry ends (even killed, with no terminate), its table goes with it.
    watchExit(self.runtime, proc, { down: () => table.clear() });
    return { keys, entries: 0 };
  }

  #state(): unknown {
    return { keys: this.#table?.kind, entries: this.#table?.size ?? 0 };
  }

  handleCall(_request: unknown, _from: From, _state: unknown): unknown {
    return reply(this.#state(), this.#state());
  }

  handleCast(_request: unknown, state: unknown): unknown {
    return state;
  }

  handleInfo(_message: unknown, state: unknown): unknown {
    return state;
  }

  handleContinue(_arg: unknown, state: unknown): unknown {
    return state;
  }

  terminate(): void {
    this.#table?.clear();
  }
}
