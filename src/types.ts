import type { Pid } from './core/pid.js';

/**
 * Why a process ended. OTP's words are used as strings: `'normal'`, `'shutdown'`,
 * `'kill'`, `'killed'`, `'noproc'`; `{ shutdown: x }` is a normal shutdown with detail;
 * anything else (usually a thrown `Error`) is a crash.
 *
 * @example
 * ```ts
 * const reason: ExitReason = await rt.awaitExit(pid);
 * if (reason instanceof Error) console.log(reason.message);
 * ```
 */
export type ExitReason = unknown;

/**
 * A name resolved through a {@link Registry}: `via` names the registry (by its
 * registered name or its pid), `key` is the key inside it.
 *
 * @example
 * ```ts
 * await rt.start(Store, 'test1', { name: { via: 'Stores', key: 'test1' } });
 * ```
 */
export interface ViaName {
  /** The Registry: its registered name or its pid. */
  readonly via: string | Pid;
  /** The key in that Registry. */
  readonly key: unknown;
}

/**
 * A process name: a string in the runtime's local name table, or a {@link ViaName}.
 *
 * @example
 * ```ts
 * const name: Name = 'Store.Supervisor';
 * ```
 */
export type Name = string | ViaName;

/**
 * A name registered on a given node: Erlang's `{Name, Node}`. Sends, calls, casts,
 * monitors and `Sys` requests to it reach whatever process holds `name` on `node`
 * when the message arrives (see `rt.startPeer`).
 *
 * @example
 * ```ts
 * await GenServer.call(rt, { name: 'Store.Management', node: 'store@localhost' }, 'list');
 * ```
 */
export interface RemoteName {
  /** The name in that node's local name table. */
  readonly name: string;
  /** The node's name, e.g. `'worker1@localhost'`. */
  readonly node: string;
}

/**
 * Anything a message can be sent to: a pid, a name, or a name on a node.
 *
 * @example
 * ```ts
 * const dest: Dest = rt.whereis('Test1') ?? 'Test1';
 * ```
 */
export type Dest = Pid | Name | RemoteName;

/**
 * A behaviour class named by the module that exports it, so that another node can
 * import it and start it there: Erlang's `{M, F, A}` for `rt.start(ref, arg, { node })`
 * and for child specs. `module` is a URL (or `file:` URL string) the target node can
 * import; `export` the name of the exported class.
 *
 * @example
 * ```ts
 * const Worker: BehaviourRef = { module: new URL('./worker.ts', import.meta.url).href, export: 'Worker' };
 * const pid = await rt.start(Worker, { size: 4 }, { node: 'w1@localhost' });
 * ```
 */
export interface BehaviourRef {
  /** The URL of the module, as the target node imports it. */
  readonly module: string;
  /** The name under which the module exports the behaviour class. */
  readonly export: string;
}
