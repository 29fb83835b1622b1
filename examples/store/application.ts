import {
  type ExitReason,
  GenServer,
  type Pid,
  type Runtime,
  Supervisor,
  type SupervisorSpec,
} from 'otp-ts';
import { StoreSupervisor } from './store-supervisor.js';

/**
 * The application's root supervisor, the tutorial's `OtpTest.Supervisor`: it starts
 * the {@link StoreSupervisor} and restarts it, one_for_one, when it gives up. With
 * the default intensity, a fourth store-supervisor death within five seconds ends
 * the root too, and with it the application.
 *
 * @example
 * ```ts
 * await rt.start(OtpTestSupervisor, undefined, { name: OtpTestSupervisor.registeredName });
 * ```
 */
export class OtpTestSupervisor extends Supervisor {
  /** The name it is registered under. */
  static readonly registeredName = 'OtpTest.Supervisor';

  /** One child: the store supervisor. */
  override init(): SupervisorSpec {
    return { children: [StoreSupervisor.childSpec()], strategy: 'one_for_one' };
  }
}

/** Where the application listens for signals: `process`, or a stand-in in tests. */
export interface SignalSource {
  on(signal: NodeJS.Signals, listener: () => void): unknown;
  off(signal: NodeJS.Signals, listener: () => void): unknown;
}

/**
 * Options of {@link startApplication}.
 *
 * @example
 * ```ts
 * await startApplication(rt, { signals: ['SIGTERM'] });
 * ```
 */
export interface ApplicationOptions {
  /** The signals that stop the application cleanly; `[]` for none. @defaultValue `['SIGINT', 'SIGTERM']` */
  signals?: readonly NodeJS.Signals[];
  /** Where to listen for them. @defaultValue `process` */
  signalSource?: SignalSource;
}

/**
 * How the application stopped: `cause` is `'stop'` for {@link Application.stop},
 * `'signal'` for one of its signals (named by `signal`), and `'exit'` when the root
 * supervisor ended by itself (it gave up after too many restarts).
 */
export interface ApplicationStop {
  reason: ExitReason;
  cause: 'stop' | 'signal' | 'exit';
  signal?: NodeJS.Signals;
}

/** A running application, as {@link startApplication} returns it. */
export interface Application {
  /** The runtime it runs in. */
  readonly runtime: Runtime;
  /** The root supervisor's pid. */
  readonly pid: Pid;
  /**
   * `'running'`; `'stopping'` from the moment `stop()` is called or a signal comes
   * until the root supervisor has exited; then `'stopped'`.
   */
  readonly status: 'running' | 'stopping' | 'stopped';
  /** Resolves once the application has stopped, whatever the cause; never rejects. */
  readonly stopped: Promise<ApplicationStop>;
  /**
   * Stops the application: the root supervisor stops the store supervisor, which
   * stops its stores, in reverse start order. Resolves once all have exited;
   * calling it again (or after the application ended) is harmless.
   */
  stop(): Promise<ApplicationStop>;
}

const DEFAULT_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

/**
 * Starts the application (Elixir's `OtpTest.Application.start/2`): the root
 * supervisor `OtpTest.Supervisor`, which starts `Store.Supervisor`, which starts
 * `Test1` and `Test2`. Resolves once all of them run.
 *
 * While it runs, SIGINT and SIGTERM stop it cleanly (each process stopped in
 * order). Its signal listeners are removed as soon as it stops, for any cause, so a
 * second Ctrl-C gets Node.js's default behaviour and a stopped application keeps
 * nothing alive. It stops only the application, not the runtime: shut that down
 * (`rt.shutdown()`) to end a script.
 *
 * @param rt - the runtime to start it in.
 * @param opts - which signals stop it, and where to listen for them.
 * @returns A handle to stop it and to learn when and why it stopped.
 * @throws (as rejections) AlreadyStartedError when it is already running in `rt`;
 * StartError when a store fails to start.
 * @example
 * ```ts
 * const rt = new Runtime();
 * const app = await startApplication(rt);
 * await Supervisor.countChildren(rt, 'Store.Supervisor'); // { specs: 2, active: 2, ... }
 * await app.stop();
 * await rt.shutdown();
 * ```
 */
export async function startApplication(
  rt: Runtime,
  opts: ApplicationOptions = {},
): Promise<Application> {
  const signals = opts.signals ?? DEFAULT_SIGNALS;
  const source = opts.signalSource ?? process;
  const pid = await rt.start(OtpTestSupervisor, undefined, {
    name: OtpTestSupervisor.registeredName,
  });

  let cause: ApplicationStop['cause'] = 'exit';
  let signal: NodeJS.Signals | undefined;
  let stopping: Promise<ApplicationStop> | undefined;
  const listeners = signals.map((s) => {
    const listener = (): void => {
      if (stopping !== undefined) return;
      signal = s;
      stop('signal').catch((error: unknown) => {
        rt.logger.error(`application otp_test: stopping on ${s} failed:`, error);
      });
    };
    source.on(s, listener);
    return [s, listener] as const;
  });
  const removeListeners = (): void => {
    for (const [s, listener] of listeners.splice(0)) source.off(s, listener);
  };

  const stopped = rt.awaitExit(pid).then((reason): ApplicationStop => {
    removeListeners();
    if (cause === 'exit') {
      rt.logger.info(`application otp_test exited: ${describeReason(reason)}`);
    }
    return signal === undefined ? { reason, cause } : { reason, cause, signal };
  });

  const stop = (why: 'stop' | 'signal'): Promise<ApplicationStop> => {
    if (stopping === undefined) {
      if (!rt.isAlive(pid)) {
        stopping = stopped;
      } else {
        cause = why;
        removeListeners(); // At once: a second signal now gets Node.js's default behaviour.
        stopping = GenServer.stop(rt, pid, 'shutdown').then(
          () => stopped,
          // It ended by itself meanwhile (say, it gave up): it is stopped all the same.
          (error: unknown) => (rt.isAlive(pid) ? Promise.reject(error) : stopped),
        );
      }
    }
    return stopping;
  };

  return {
    runtime: rt,
    pid,
    get status() {
      if (!rt.isAlive(pid)) return 'stopped';
      return stopping === undefined ? 'running' : 'stopping';
    },
    stopped,
    stop: () => stop('stop'),
  };
}

function describeReason(reason: ExitReason): string {
  return typeof reason === 'string' ? reason : String(reason);
}
