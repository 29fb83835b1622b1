import { inspect } from 'node:util';
import {
  type ChildSpec,
  type ExitReason,
  type From,
  GenServer,
  type Pid,
  type ReplyResult,
  type Returns,
  replyTo,
  Tuple,
} from 'otp-ts';
import { Store } from './store.js';

/** Elixir's `:store`. */
const STORE = Symbol.for('store');
/** Elixir's `:pid`. */
const PID = Symbol.for('pid');
/** Elixir's `:add_employees`. */
const ADD_EMPLOYEES = Symbol.for('add_employees');

/**
 * The store as an Elixir node sees it: the tutorial's `%Store.Struct{name:, employees:}`,
 * a map with atom keys (`Symbol.for` keys) whose `__struct__` names the struct.
 */
export type ElixirStore = Map<symbol, unknown>;

/**
 * The calls a store answers: `'store'` replies with the store itself; Elixir's
 * `GenServer.call({:Test1, :"store@localhost"}, :store)` (the atom `Symbol.for('store')`)
 * with the store as an {@link ElixirStore}, a struct Elixir can read; `:pid` with the
 * store's pid (what `Process.whereis(:Test1)` gives on the store's own node: a shell on
 * another node has no whereis for a name there, and otp-ts runs no `:rpc`).
 *
 * @example
 * ```ts
 * const store = await GenServer.ref<typeof CoreStore>(rt, 'Test1').call('store'); // a Store
 * ```
 */
export type StoreCall =
  | ('store' & Returns<Store>)
  | (typeof STORE & Returns<ElixirStore>)
  | (typeof PID & Returns<Pid>);

/**
 * The casts a store takes: add `amount` employees, as `{ type: 'addEmployees', amount }`
 * from otp-ts or as Elixir's `{:add_employees, amount}` (a {@link Tuple}).
 *
 * @example
 * ```ts
 * GenServer.cast(rt, 'Test1', { type: 'addEmployees', amount: 4 } satisfies StoreCast);
 * ```
 */
export type StoreCast = { type: 'addEmployees'; amount: number } | Tuple;

/**
 * The store's process: the tutorial's `Core.Store`, a GenServer whose state is the
 * {@link Store} record and which is registered under the store's name.
 *
 * Clients should go through the `Management` facade, which checks its arguments;
 * a raw cast with a bad amount crashes the store (let it crash), and its supervisor
 * starts it again from its child spec.
 *
 * @example
 * ```ts
 * await rt.start(CoreStore, new Store({ name: 'test1', employees: 2 }), { name: 'test1' });
 * GenServer.cast(rt, 'test1', { type: 'addEmployees', amount: 4 });
 * await GenServer.call(rt, 'test1', 'store'); // Store { name: 'test1', employees: 6 }
 * ```
 */
export class CoreStore extends GenServer<Store, StoreCall, StoreCast> {
  /**
   * The child spec of a store under a supervisor: its id and its registered name are
   * the store's name, as the tutorial's `create_store/1` builds them.
   *
   * @param store - the store the child starts with (and restarts with).
   * @returns `{ id: store.name, start: [CoreStore, store, { name: store.name }] }`.
   * @throws TypeError when `store` is not a {@link Store}.
   * @example
   * ```ts
   * const children = [CoreStore.childSpec(new Store({ name: 'Test1', employees: 2 }))];
   * ```
   */
  static override childSpec(store: Store): ChildSpec {
    assertStore(store, 'CoreStore.childSpec');
    return { id: store.name, start: [CoreStore, store, { name: store.name }] };
  }

  /** Keeps the store as the state. */
  override init(store: Store): Store {
    assertStore(store, 'CoreStore.init');
    return store;
  }

  /**
   * `'store'` replies with the state; `:store` (from Elixir) with the state as Elixir's
   * struct, `:pid` with its pid; any other call crashes the store.
   */
  override handleCall(
    request: StoreCall,
    _from: From<Store | ElixirStore | Pid>,
    store: Store,
  ): ReplyResult<Store | ElixirStore | Pid, Store> {
    if (request === 'store') return replyTo(request, store, store);
    if (request === STORE) return replyTo(request, elixirStore(store), store);
    if (request === PID) return replyTo(request, this.pid, store);
    throw new Error(
      `store ${JSON.stringify(store.name)} got an unknown call ${describe(request)}; it answers 'store'`,
    );
  }

  /**
   * `addEmployees` (or Elixir's `{:add_employees, amount}`) adds to `employees`; the new
   * `Store` checks the sum.
   */
  override handleCast(request: StoreCast, store: Store): Store {
    if (request instanceof Tuple) {
      const [tag, amount] = request.elements;
      if (request.length === 2 && tag === ADD_EMPLOYEES) {
        // Unchecked, as the otp-ts cast is: a bad amount crashes the store (let it crash).
        return new Store({ name: store.name, employees: store.employees + (amount as number) });
      }
      throw new Error(
        `store ${JSON.stringify(store.name)} got an unknown cast ${describe(request)}; it takes {:add_employees, amount}`,
      );
    }
    switch (request.type) {
      case 'addEmployees':
        return new Store({ name: store.name, employees: store.employees + request.amount });
      default: {
        // A new variant of StoreCast without a case here fails to compile.
        const unhandled: never = request.type;
        throw new Error(
          `store ${JSON.stringify(store.name)} got an unknown cast ${describe(request)} (type ${describe(unhandled)}); it takes { type: 'addEmployees', amount }`,
        );
      }
    }
  }

  /** Reports the stop; runs on `Sys.terminate`, `GenServer.stop` and crashes, never on `'kill'`. */
  override terminate(reason: ExitReason, store: Store): void {
    this.runtime.logger.info(
      `store ${JSON.stringify(store.name)} terminating (reason: ${describeReason(reason)}) with ${store.employees} employees`,
    );
  }
}

/** `%Store.Struct{name: name, employees: employees}`, as Elixir's tutorial replies it. */
function elixirStore(store: Store): ElixirStore {
  return new Map<symbol, unknown>([
    [Symbol.for('__struct__'), Symbol.for('Elixir.Store.Struct')],
    [Symbol.for('name'), store.name],
    [Symbol.for('employees'), store.employees],
  ]);
}

function assertStore(store: unknown, operation: string): asserts store is Store {
  if (!(store instanceof Store)) {
    throw new TypeError(`${operation}: expected a Store, got ${describe(store)}`);
  }
}

function describe(value: unknown): string {
  return inspect(value, { depth: 2, breakLength: Number.POSITIVE_INFINITY });
}

function describeReason(reason: ExitReason): string {
  if (reason instanceof Error) return `${reason.name}: ${reason.message}`;
  return typeof reason === 'string' ? reason : describe(reason);
}
