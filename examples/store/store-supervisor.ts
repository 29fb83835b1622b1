import { type ChildSpec, Supervisor, type SupervisorSpec } from 'otp-ts';
import { CoreStore } from './core-store.js';
import { Store } from './store.js';

/**
 * The tutorial's `Store.Supervisor`: it starts two stores, `Test1` and `Test2`, with
 * 2 employees each, one_for_one. Each child's id and registered name are the
 * store's name, so a store that crashes comes back under the same name, with a new
 * pid and the 2 employees of its child spec (its state is lost).
 *
 * With the default intensity (3 restarts within 5 seconds), a fourth crash within
 * five seconds stops both stores and ends this supervisor with `'shutdown'`; its
 * own supervisor then starts a fresh one.
 *
 * @example
 * ```ts
 * await rt.start(StoreSupervisor, undefined, { name: StoreSupervisor.registeredName });
 * await Supervisor.whichChildren(rt, 'Store.Supervisor');
 * // [{ id: 'Test1', pid: <0.2.0>, type: 'worker' }, { id: 'Test2', pid: <0.3.0>, type: 'worker' }]
 * ```
 */
export class StoreSupervisor extends Supervisor {
  /** The name it is registered under (and its child id), as Elixir's `name: __MODULE__`. */
  static readonly registeredName = 'Store.Supervisor';

  /**
   * Its child spec under the root supervisor: id and registered name `'Store.Supervisor'`.
   *
   * @example
   * ```ts
   * await rt.start(Supervisor, { children: [StoreSupervisor.childSpec()] });
   * ```
   */
  static override childSpec(): ChildSpec {
    return {
      id: StoreSupervisor.registeredName,
      start: [StoreSupervisor, undefined, { name: StoreSupervisor.registeredName }],
      type: 'supervisor',
      shutdown: 'infinity',
    };
  }

  /** Test1 and Test2, 2 employees each, one_for_one. */
  override init(): SupervisorSpec {
    return {
      children: [
        CoreStore.childSpec(new Store({ name: 'Test1', employees: 2 })),
        CoreStore.childSpec(new Store({ name: 'Test2', employees: 2 })),
      ],
      strategy: 'one_for_one',
    };
  }
}
