import { describeValue } from '../describe.js';
import { NodeError } from '../errors.js';
import type { Dest, ExitReason, Name, RemoteName } from '../types.js';
import { demonitor, exitSignal, link, monitor, unlinkPid } from './links.js';
import { assertName, isRemoteName } from './names.js';
import { Pid, Ref } from './pid.js';
import { type Process, processOf } from './process.js';
import { ProcessExited, RawProcess, type ReceiveOptions } from './raw-process.js';
import type { NodeService } from './remote.js';
import { Down } from './signals.js';

/**
 * The type of `self.signal`: the environment's `AbortSignal` (Node.js's, or the DOM's),
 * named so that the package's declarations need neither's types. A program compiled
 * without them sees only `aborted` and `reason`.
 *
 * @example
 * ```ts
 * const signal: ProcessSignal = self.signal;
 * await fetch(url, { signal });
 * ```
 */
export type ProcessSignal = typeof globalThis extends {
  /** The environment's `AbortSignal` class, when its types are loaded. */
  AbortSignal: {
    /** The type of its instances. */
    prototype: infer S;
  };
}
  ? S
  : {
      /** Whether the process has ended. */
      readonly aborted: boolean;
      /** Its exit reason, once it has. */
      readonly reason: unknown;
    };

/** Options of `rt.spawn` and `self.spawn`. */
export interface SpawnOptions {
  /** Register the process under this name before its body runs. */
  name?: Name;
  /** Link the new process to this one (its parent). */
  link?: Pid;
  /** Start with exit trapping on. @defaultValue false */
  trapExit?: boolean;
}

/**
 * What a process's handle needs from its runtime: the runtime implements it, so
 * that the handle's file does not depend on the runtime's. Not for users.
 */
export interface SelfHost {
  send(dest: Dest, message: unknown): void;
  /** `rt.spawn` by `spawner`, for a body the handle has not typed (its type is the runtime's `Self`). */
  spawnFor(body: unknown, opts: SpawnOptions | undefined, spawner: Process): Pid;
  /** The traced `proc` sent `message` to `dest`. */
  traceSend(proc: Process, dest: Dest, message: unknown): void;
  /** The live process behind `dest` (`undefined` for a free name or a dead pid). */
  resolveProcess(dest: Dest, operation: string): Process | undefined;
  makeRef(): Ref;
  /** The pid exit signals from outside any process come from. */
  readonly rootPid: Pid;
  /** The node's name. */
  readonly node: string;
  /** The node layer, for a runtime with a node name. */
  readonly router: NodeService<Process> | undefined;
}

/** The record behind a process's own handle: for the kernel alone. @internal */
export let processOfSelf: (self: SelfHandle<unknown>) => Process;

/**
 * The class behind {@link Self}, generic over its runtime's type `R` so that the core
 * has no import cycle; use `Self`. The handle a process's own body gets: everything a
 * process can do as itself and to others. Only the body (and its behaviour's engine)
 * holds it; a {@link Pid} names the process and can do nothing to it.
 */
export class SelfHandle<R> {
  /** This process's pid: pass it to say which process you mean. */
  readonly pid: Pid;
  readonly #runtime: R;
  /** The same runtime, typed by what the handle needs of it. */
  readonly #host: SelfHost;
  readonly #process: Process;
  /** The process's abort signal, once asked for. */
  #signal: ProcessSignal | undefined = undefined;

  /** @internal */
  constructor(runtime: R, host: SelfHost, process: Process) {
    this.#runtime = runtime;
    this.#host = host;
    this.#process = process;
    this.pid = process.pid;
  }

  /** The runtime the process lives in. */
  get runtime(): R {
    return this.#runtime;
  }

  /**
   * An `AbortSignal` that aborts, with the exit reason as its `reason`, when the
   * process ends for any reason (its body returns or throws, it is killed, a link
   * takes it down), so that I/O it started stops with it. Asked for first after the
   * process has ended, it is aborted already, with reason `'noproc'`.
   * @example
   * ```ts
   * rt.spawn(async (self) => {
   *   const response = await fetch(url, { signal: self.signal });
   *   self.send(owner, await response.text());
   * });
   * ```
   */
  get signal(): ProcessSignal {
    this.#signal ??= this.#process.signal();
    return this.#signal;
  }

  /**
   * Waits for the first message that `match` accepts (any message without `match`),
   * taking it from the mailbox; messages it skips stay queued in order. Resolves
   * with {@link Timeout} when `timeout` ms pass first.
   *
   * @param opts - `match` for a selective receive, `timeout` in ms.
   * @returns The message, or `Timeout`.
   * @throws TypeError (as a rejection) when `match` is not a function; RangeError
   * when `timeout` is negative or NaN; Error when the process runs a behaviour or
   * already waits in another receive.
   * @example
   * ```ts
   * const reply = await self.receive({ match: (m) => isReply(m, ref), timeout: 5000 });
   * ```
   */
  receive(opts?: ReceiveOptions): Promise<unknown> {
    const proc = this.#process;
    let match: ((message: unknown) => boolean) | undefined;
    let timeout = Number.POSITIVE_INFINITY;
    if (opts !== undefined) {
      if (typeof opts !== 'object' || opts === null) {
        return Promise.reject(
          new TypeError(`receive: expected options { match?, timeout? }, got ${typeof opts}`),
        );
      }
      match = opts.match;
      if (match !== undefined && typeof match !== 'function') {
        return Promise.reject(
          new TypeError(`receive: expected option \`match\` to be a function, got ${typeof match}`),
        );
      }
      if (opts.timeout !== undefined) {
        timeout = opts.timeout;
        if (typeof timeout !== 'number') {
          return Promise.reject(
            new TypeError(
              `receive: expected option \`timeout\` to be a number >= 0 or Infinity, got ${typeof timeout}`,
            ),
          );
        }
        if (Number.isNaN(timeout) || timeout < 0) {
          return Promise.reject(
            new RangeError(
              `receive: expected option \`timeout\` to be a number >= 0 or Infinity, got ${String(timeout)}`,
            ),
          );
        }
      }
    }
    if (!(proc instanceof RawProcess)) {
      return Promise.reject(
        new Error(`receive: ${this.pid} runs a behaviour, which takes its messages itself`),
      );
    }
    return proc.receive(match, timeout);
  }

  /**
   * Sends `message` to `dest`, asynchronously. To a dead pid it is dropped silently.
   *
   * @throws NoProcError when `dest` is a name nobody holds; TypeError when `dest` is
   * not a pid or a name.
   * @example
   * ```ts
   * self.send(other, { type: 'ping', from: self.pid });
   * ```
   */
  send(dest: Dest, message: unknown): void {
    const proc = this.#process;
    if (!proc.alive) return;
    if (proc.traced) this.#host.traceSend(proc, dest, message);
    this.#host.send(dest, message);
    proc.sent++;
  }

  /**
   * Spawns a process, not linked to this one.
   * @example
   * ```ts
   * const pid = self.spawn(async (child) => { await child.receive(); });
   * ```
   */
  spawn(body: (self: this) => unknown, opts?: Omit<SpawnOptions, 'link'>): Pid {
    return this.#host.spawnFor(body, opts, this.#process);
  }

  /**
   * Spawns a process linked to this one: if either ends abnormally, the other gets
   * the exit signal.
   * @example
   * ```ts
   * const worker = self.spawnLink(async (w) => { await w.receive(); });
   * ```
   */
  spawnLink(body: (self: this) => unknown, opts?: Omit<SpawnOptions, 'link'>): Pid {
    return this.#host.spawnFor(body, { ...opts, link: this.pid }, this.#process);
  }

  /**
   * Spawns a process and monitors it.
   * @returns `[pid, ref]`: the new pid and the monitor's ref.
   * @example
   * ```ts
   * const [pid, ref] = self.spawnMonitor(async () => { throw new Error('boom'); });
   * ```
   */
  spawnMonitor(body: (self: this) => unknown, opts?: Omit<SpawnOptions, 'link'>): [Pid, Ref] {
    const pid = this.#host.spawnFor(body, opts, this.#process);
    return [pid, this.monitor(pid)];
  }

  /**
   * Links this process to `pid`, both ways, as Erlang's `link/1`. Linking to a dead
   * process delivers an exit signal with reason `'noproc'` to this one.
   * @throws TypeError when `pid` is not a pid.
   * @example
   * ```ts
   * self.link(worker);
   * ```
   */
  link(pid: Pid): void {
    assertPid(pid, 'link');
    const proc = this.#process;
    if (!proc.alive) return;
    link(proc, processOf(pid), pid);
  }

  /**
   * Removes the link between this process and `pid`, if any.
   * @throws TypeError when `pid` is not a pid.
   * @example
   * ```ts
   * self.unlink(worker);
   * ```
   */
  unlink(pid: Pid): void {
    assertPid(pid, 'unlink');
    unlinkPid(this.#process, processOf(pid), pid);
  }

  /**
   * Monitors `dest`: one {@link Down} message comes when it ends, or at once with
   * `'noproc'` if it is not alive. Each call sets a new monitor.
   * @returns The monitor's ref, also found in the `Down` message.
   * @throws TypeError when `dest` is not a pid or a name.
   * @example
   * ```ts
   * const ref = self.monitor('Test1');
   * ```
   */
  monitor(dest: Dest): Ref {
    const runtime = this.#host;
    const proc = this.#process;
    const ref = runtime.makeRef();
    if (!proc.alive) return ref;
    // Only a live process of this runtime is found.
    const target = runtime.resolveProcess(dest, 'monitor');
    if (target === undefined) {
      const node = dest instanceof Pid ? dest.node : isRemoteName(dest) ? dest.node : undefined;
      if (node === undefined || node === runtime.node) {
        proc.deliver(new Down(ref, dest, 'noproc'));
      } else if (runtime.router === undefined) {
        // A node that is not distributed reaches no other node.
        proc.deliver(new Down(ref, dest, 'noconnection'));
      } else {
        runtime.router.monitor(proc, dest as Pid | RemoteName, ref);
      }
      return ref;
    }
    if (target !== proc) monitor(proc, target, ref); // Monitoring yourself sets nothing, as in Erlang.
    return ref;
  }

  /**
   * Monitors the connection to `node`, as Erlang's `monitor_node/2`: a
   * {@link NodeDown} message comes when it is lost (at once if it cannot be made).
   * Each call with `on` adds a monitor (and a message); `on = false` removes one.
   * @throws NodeError `'not_alive'` when the runtime has no node name; TypeError when
   * `node` is not a string.
   * @example
   * ```ts
   * self.monitorNode('w1@localhost');
   * const down = await self.receive({ match: (m) => m instanceof NodeDown });
   * ```
   */
  monitorNode(node: string, on = true): void {
    if (typeof node !== 'string') {
      throw new TypeError(
        `monitorNode: expected \`node\` to be a node name, got ${describeValue(node, 100)}`,
      );
    }
    const router = this.#host.router;
    if (router === undefined) {
      throw new NodeError(
        `monitorNode of ${node}: this runtime is not a node (give it a node name: new Runtime({ node }))`,
        node,
        'not_alive',
      );
    }
    if (!this.#process.alive || node === this.#host.node) return;
    router.monitorNode(this.#process, node, on);
  }

  /**
   * Removes a monitor. With `flush`, also removes its `Down` message if it already came.
   * @returns `true` if the monitor was active.
   * @example
   * ```ts
   * self.demonitor(ref, { flush: true });
   * ```
   */
  demonitor(ref: Ref, opts?: { flush?: boolean }): boolean {
    if (!(ref instanceof Ref)) {
      throw new TypeError(
        `demonitor: expected \`ref\` to be a ref from monitor, got ${describeValue(ref, 100)}`,
      );
    }
    return demonitor(this.#process, ref, opts?.flush === true);
  }

  /**
   * Turns exit trapping on or off. A process that traps exits receives {@link Exit}
   * messages instead of dying from its links' abnormal exits (`'kill'` still kills).
   * @returns The previous setting.
   * @throws TypeError when `on` is not a boolean.
   * @example
   * ```ts
   * self.trapExit(true);
   * ```
   */
  trapExit(on: boolean): boolean {
    if (typeof on !== 'boolean')
      throw new TypeError(`trapExit: expected a boolean, got ${typeof on}`);
    const proc = this.#process;
    const previous = proc.trapping;
    proc.trapping = on;
    return previous;
  }

  /**
   * `exit(reason)` ends this process with `reason` at once (Erlang's `exit/1`): its
   * links and monitors see `reason`, and the body stops here. `exit(pid, reason)`
   * sends an exit signal from this process to `pid` (Erlang's `exit/2`).
   * @throws TypeError when `pid` is not a pid.
   * @example
   * ```ts
   * if (bad) self.exit({ shutdown: 'bad input' });
   * self.exit(worker, 'kill');
   * ```
   */
  exit(reason: ExitReason): never;
  exit(pid: Pid, reason: ExitReason): void;
  exit(...args: [ExitReason] | [Pid, ExitReason]): void {
    const proc = this.#process;
    if (args.length === 2) {
      const [pid, reason] = args;
      assertPid(pid, 'exit');
      const target = this.#host.resolveProcess(pid, 'exit');
      if (target !== undefined) exitSignal(target, this.pid, reason, false);
      else if (pid.node !== this.pid.node) this.#host.router?.exit(this.pid, pid, reason);
      return;
    }
    const reason = args[0];
    proc.host.terminate(proc, reason, true);
    throw new ProcessExited(reason);
  }

  static {
    processOfSelf = (self) => self.#process;
  }
}

/** @internal */
export function assertPid(pid: unknown, operation: string, argument = 'pid'): asserts pid is Pid {
  if (!(pid instanceof Pid)) {
    throw new TypeError(
      `${operation}: expected \`${argument}\` to be a pid, got ${describeValue(pid, 100)}`,
    );
  }
}

/**
 * Checks the options of a spawn before anything starts; returns the parent to link to.
 * @internal
 */
export function checkSpawnOptions(opts: SpawnOptions, operation: string): Pid | undefined {
  if (typeof opts !== 'object' || opts === null) {
    throw new TypeError(
      `${operation}: expected options to be an object, got ${describeValue(opts, 100)}`,
    );
  }
  if (opts.name !== undefined) assertName(opts.name, operation, 'opts.name');
  if (opts.link !== undefined) assertPid(opts.link, operation, 'opts.link');
  if (opts.trapExit !== undefined && typeof opts.trapExit !== 'boolean') {
    throw new TypeError(
      `${operation}: expected \`opts.trapExit\` to be a boolean, got ${describeValue(opts.trapExit, 100)}`,
    );
  }
  return opts.link;
}
