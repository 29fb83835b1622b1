/**
 * The tutorial's `Store.Management`: a plain API over a store's process, so callers
 * never write `GenServer.call`/`GenServer.cast` or a request shape themselves.
 * Import it as a namespace, as Elixir code calls a module:
 *
 * @example
 * ```ts
 * import * as Management from './management.js';
 *
 * const test2 = new Store({ name: 'test2', employees: 3 });
 * await Management.open(rt, test2);
 * Management.addEmployees(rt, test2, 4);
 * await Management.getStore(rt, test2); // Store { name: 'test2', employees: 7 }
 * ```
 *
 * @module
 */
import { inspect } from 'node:util';
import { type Caller, GenServer, type Pid, type Runtime, type ServerRef } from 'otp-ts';
import { CoreStore, type StoreCall, type StoreCast } from './core-store.js';
import { Store } from './store.js';

/**
 * Starts a store's process, registered under the store's name (the tutorial's
 * `open/1`). It is not supervised: started by hand, as in the tutorial's session.
 *
 * @param rt - the runtime to start it in.
 * @param store - the store it starts with.
 * @returns The pid of the store's process.
 * @throws (as rejections) TypeError when `store` is not a {@link Store};
 * AlreadyStartedError (with `.pid` of the running store, which is left untouched)
 * when a process already holds the store's name.
 * @example
 * ```ts
 * const pid = await Management.open(rt, new Store({ name: 'test2', employees: 3 }));
 * ```
 */
export async function open(rt: Runtime, store: Store): Promise<Pid> {
  assertStore(store, 'Management.open');
  return rt.start(CoreStore, store, { name: store.name });
}

/**
 * Reads a store's current record from its process (the tutorial's `get_store/1`,
 * a call).
 *
 * @param caller - the runtime, a process's `self`, or a GenServer.
 * @param store - the store to read; only its name is used.
 * @param timeout - ms to wait for the reply. @defaultValue 5000
 * @returns The store as its process holds it now.
 * @throws (as rejections) TypeError when `store` is not a {@link Store};
 * NoProcError when no process runs under the store's name; CallTimeoutError.
 * @example
 * ```ts
 * const { employees } = await Management.getStore(rt, test2);
 * ```
 */
export async function getStore(caller: Caller, store: Store, timeout = 5_000): Promise<Store> {
  assertStore(store, 'Management.getStore');
  return handle(caller, store).call('store', timeout);
}

/**
 * Adds `amount` employees to a store (the tutorial's `add_employees/2`, a cast):
 * returns at once; a later `getStore` from the same caller sees it applied. Like
 * any cast, it is dropped when no process runs under the store's name.
 *
 * The amount is checked here, before anything is sent, so that a bad amount never
 * reaches the store's process (where it would crash it).
 *
 * @param caller - the runtime, a process's `self`, or a GenServer.
 * @param store - the store to add to; only its name is used.
 * @param amount - how many employees to add: an integer >= 0.
 * @throws TypeError when `store` is not a {@link Store} or `amount` is not a number;
 * RangeError when `amount` is not an integer >= 0.
 * @example
 * ```ts
 * Management.addEmployees(rt, test2, 4);
 * ```
 */
export function addEmployees(caller: Caller, store: Store, amount: number): void {
  assertStore(store, 'Management.addEmployees');
  checkAmount(amount);
  handle(caller, store).cast({ type: 'addEmployees', amount });
}

function checkAmount(amount: unknown): asserts amount is number {
  if (typeof amount !== 'number') {
    throw new TypeError(
      `Management.addEmployees: expected \`amount\` to be an integer >= 0, got ${typeof amount} ${describe(amount)}`,
    );
  }
  if (!Number.isSafeInteger(amount) || amount < 0) {
    throw new RangeError(
      `Management.addEmployees: expected \`amount\` to be an integer >= 0, got ${amount}`,
    );
  }
}

/**
 * The same API for stores whose processes run on another node (say a peer that runs
 * the `StoreSupervisor`, see the README's "Several cores"): each call and cast goes to
 * `{ name: store.name, node }`, Erlang's `{Name, Node}`.
 *
 * @param node - the node the stores run on.
 * @example
 * ```ts
 * const remote = Management.on('stores@localhost');
 * remote.addEmployees(rt, test1, 4);
 * await remote.getStore(rt, test1); // Store { name: 'Test1', employees: 6 }
 * ```
 */
export function on(node: string): {
  getStore(caller: Caller, store: Store, timeout?: number): Promise<Store>;
  addEmployees(caller: Caller, store: Store, amount: number): void;
} {
  return {
    getStore: async (caller, store, timeout = 5_000) => {
      assertStore(store, 'Management.on(node).getStore');
      return handle(caller, store, node).call('store', timeout);
    },
    addEmployees: (caller, store, amount) => {
      checkAmount(amount);
      assertStore(store, 'Management.on(node).addEmployees');
      handle(caller, store, node).cast({ type: 'addEmployees', amount });
    },
  };
}

function handle(caller: Caller, store: Store, node?: string): ServerRef<StoreCall, StoreCast> {
  return GenServer.ref<typeof CoreStore>(
    caller,
    node === undefined ? store.name : { name: store.name, node },
  );
}

function assertStore(store: unknown, operation: string): asserts store is Store {
  if (!(store instanceof Store)) {
    throw new TypeError(
      `${operation}: expected \`store\` to be a Store (new Store({ name, employees })), got ${describe(store)}`,
    );
  }
}

function describe(value: unknown): string {
  return inspect(value, { depth: 1, breakLength: Number.POSITIVE_INFINITY });
}
