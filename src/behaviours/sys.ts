import type { Dest, ExitReason } from '../types.js';
import { type Caller, request } from './gen.js';
import type { SysRequest, SysStatistics, SysStatus } from './server-callbacks.js';

const DEFAULT_TIMEOUT = 5_000;

function sys<R>(
  caller: Caller,
  dest: Dest,
  req: SysRequest,
  operation: string,
  timeout: number,
): Promise<R> {
  return request<R>(caller, dest, req, timeout, operation, true);
}

/**
 * Debugging and maintenance of running servers, like Erlang's `sys` module. Works on
 * every GenServer, Supervisor, DynamicSupervisor and Registry. Every function is
 * async and rejects with `NoProcError` for a dead or unknown destination.
 *
 * @example
 * ```ts
 * await Sys.getState(rt, 'Test1');             // the store's state
 * await Sys.replaceState(rt, 'Test1', (s) => ({ ...s, employees: 0 }));
 * await Sys.suspend(rt, 'Test1');              // calls and casts now queue
 * await Sys.resume(rt, 'Test1');               // ...and are handled in order
 * await Sys.terminate(rt, 'Test1', 'kill');    // terminate runs, exits with 'kill'
 * ```
 */
export const Sys = {
  /**
   * The server's state.
   * @example
   * ```ts
   * const store = await Sys.getState<Store>(rt, 'Test1');
   * ```
   */
  getState<S = unknown>(caller: Caller, dest: Dest, timeout = DEFAULT_TIMEOUT): Promise<S> {
    return sys<S>(caller, dest, { kind: 'get_state' }, 'Sys.getState', timeout);
  },

  /**
   * Replaces the server's state with `fn(state)` and resolves with the new state.
   * `fn` runs inside the server and must be synchronous; if it throws, the state is
   * kept and the promise rejects with its error.
   * @example
   * ```ts
   * await Sys.replaceState(rt, 'Test1', (s: Store) => ({ ...s, employees: 10 }));
   * ```
   */
  replaceState<S = unknown>(
    caller: Caller,
    dest: Dest,
    fn: (state: S) => S,
    timeout = DEFAULT_TIMEOUT,
  ): Promise<S> {
    if (typeof fn !== 'function') {
      return Promise.reject(
        new TypeError(`Sys.replaceState: expected \`fn\` to be a function, got ${typeof fn}`),
      );
    }
    return sys<S>(
      caller,
      dest,
      { kind: 'replace_state', fn: fn as (state: unknown) => unknown },
      'Sys.replaceState',
      timeout,
    );
  },

  /**
   * The server's status: pid, name, behaviour, module (its class), running or
   * suspended, parent, state and queue length.
   * @example
   * ```ts
   * const { status } = await Sys.getStatus(rt, 'Test1'); // 'running'
   * ```
   */
  getStatus(caller: Caller, dest: Dest, timeout = DEFAULT_TIMEOUT): Promise<SysStatus> {
    return sys<SysStatus>(caller, dest, { kind: 'get_status' }, 'Sys.getStatus', timeout);
  },

  /**
   * Logs the server's events through the runtime's logger (at `info`), as `:sys.trace`
   * prints `*DBG*` lines: each message in (calls, casts, infos), each message out
   * (replies, sends, casts and calls it makes) and each change of its state (shown
   * through `formatStatus` when the server has one). `on = false` stops it; tracing
   * also stops when the server exits.
   * @example
   * ```ts
   * await Sys.trace(rt, 'Test1', true);
   * // *DBG* Store "Test1" got call { type: 'count' } from outside any process
   * // *DBG* Store "Test1" sent 3 to <0.0.0>
   * await Sys.trace(rt, 'Test1', false);
   * ```
   */
  trace(caller: Caller, dest: Dest, on: boolean, timeout = DEFAULT_TIMEOUT): Promise<void> {
    if (typeof on !== 'boolean') {
      return Promise.reject(
        new TypeError(`Sys.trace: expected \`on\` to be a boolean, got ${typeof on}`),
      );
    }
    return sys<void>(caller, dest, { kind: 'trace', on }, 'Sys.trace', timeout);
  },

  /**
   * The server's statistics, as `sys:statistics/2` gives them, with no enabling call:
   * messages in, messages out (replies, sends, casts and calls it made) and when it started.
   * @example
   * ```ts
   * const { messagesIn, messagesOut, startedAt } = await Sys.statistics(rt, 'Test1');
   * ```
   */
  statistics(caller: Caller, dest: Dest, timeout = DEFAULT_TIMEOUT): Promise<SysStatistics> {
    return sys<SysStatistics>(caller, dest, { kind: 'statistics' }, 'Sys.statistics', timeout);
  },

  /**
   * Suspends the server: it answers only `Sys` requests, and queues calls, casts and
   * other messages until `resume`.
   * @example
   * ```ts
   * await Sys.suspend(rt, 'Test1');
   * ```
   */
  suspend(caller: Caller, dest: Dest, timeout = DEFAULT_TIMEOUT): Promise<void> {
    return sys<void>(caller, dest, { kind: 'suspend' }, 'Sys.suspend', timeout);
  },

  /**
   * Resumes a suspended server; it handles what queued meanwhile, in order.
   * @example
   * ```ts
   * await Sys.resume(rt, 'Test1');
   * ```
   */
  resume(caller: Caller, dest: Dest, timeout = DEFAULT_TIMEOUT): Promise<void> {
    return sys<void>(caller, dest, { kind: 'resume' }, 'Sys.resume', timeout);
  },

  /**
   * Stops the server as `:sys.terminate/2` does: it runs `terminate(reason, state)`
   * and exits with `reason` (a crash report is logged when the reason is abnormal,
   * e.g. `'kill'`, and monitors see that reason). Resolves once it has exited.
   * @example
   * ```ts
   * await Sys.terminate(rt, 'Test1', 'kill');
   * ```
   */
  terminate(
    caller: Caller,
    dest: Dest,
    reason: ExitReason,
    timeout = Number.POSITIVE_INFINITY,
  ): Promise<void> {
    return sys<void>(caller, dest, { kind: 'terminate', reason }, 'Sys.terminate', timeout);
  },
};
