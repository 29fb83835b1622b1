import { inspect } from 'node:util';
import { registerMessageClass } from 'otp-ts';

/**
 * The fields of a {@link Store}, as given to its constructor.
 *
 * @example
 * ```ts
 * const fields: StoreFields = { name: 'Test1', employees: 2 };
 * ```
 */
export interface StoreFields {
  /** The store's name; the store's process is registered under it. */
  readonly name: string;
  /** How many employees the store has: an integer >= 0. */
  readonly employees: number;
}

/**
 * A store and its number of employees: the tutorial's `%Store.Struct{}` record.
 *
 * Like a struct with `@enforce_keys [:name, :employees]`, a `Store` cannot be built
 * without both fields, and it checks them too, because the store's process is
 * registered under `name` and adds to `employees`. An instance is frozen: as in
 * Elixir, a new state is a new value.
 *
 * @example
 * ```ts
 * const store = new Store({ name: 'test1', employees: 2 });
 * const bigger = new Store({ ...store, employees: store.employees + 4 });
 * ```
 */
export class Store implements StoreFields {
  readonly name: string;
  readonly employees: number;

  /**
   * @param fields - `name`, a non-empty string, and `employees`, an integer >= 0.
   * @throws TypeError naming the field that is missing or invalid.
   */
  constructor(fields: StoreFields) {
    if (typeof fields !== 'object' || fields === null) {
      throw new TypeError(
        `new Store: expected { name, employees }, got ${inspect(fields, { breakLength: Infinity })}`,
      );
    }
    const { name, employees } = fields;
    if (typeof name !== 'string' || name.length === 0) {
      throw new TypeError(
        `new Store: the key \`name\` must be a non-empty string, got ${describe(name)}`,
      );
    }
    if (typeof employees !== 'number' || !Number.isSafeInteger(employees) || employees < 0) {
      throw new TypeError(
        `new Store: the key \`employees\` must be an integer >= 0, got ${describe(employees)} (store ${JSON.stringify(name)})`,
      );
    }
    this.name = name;
    this.employees = employees;
    Object.freeze(this);
  }
}

// A Store travels in messages (the call 'store' replies one): registered, it keeps its
// class through a copy, in a runtime with `messages: 'copy'` and between nodes.
registerMessageClass(Store);

function describe(value: unknown): string {
  return value === undefined ? 'nothing (the key is missing)' : inspect(value, { depth: 1 });
}
