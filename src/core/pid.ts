import { inspect } from 'node:util';
import type { Self } from './process.js';
import type { TimerEntry } from './timers.js';

/**
 * A process identifier. There is exactly one `Pid` object per process for the life
 * of its runtime, so pids compare with `===` and work as `Map` keys. `String(pid)`
 * is Erlang-like: `<0.42.0>`.
 *
 * @example
 * ```ts
 * const pid = rt.spawn(async (self) => { await self.receive(); });
 * console.log(String(pid)); // <0.1.0>
 * rt.whereis('Test1') === pid;
 * ```
 */
export class Pid {
  /** The process number, unique within its runtime. */
  readonly id: number;
  /**
   * The runtime that owns the process. Every delivery is routed through it, so a
   * later transport can carry messages to pids of another runtime.
   * @internal
   */
  readonly node: unknown;
  /**
   * The live process record, or `undefined` once the process has exited. Sends go
   * straight to it: no table lookup per message.
   * @internal
   */
  proc: Self | undefined;

  /** @internal */
  constructor(id: number, node: unknown, proc: Self | undefined) {
    this.id = id;
    this.node = node;
    this.proc = proc;
  }

  /**
   * The Erlang-like text of the pid.
   * @example
   * ```ts
   * `${pid}` // '<0.42.0>'
   * ```
   */
  toString(): string {
    return `<0.${this.id}.0>`;
  }

  /** @internal */
  toJSON(): string {
    return this.toString();
  }

  /** @internal */
  [inspect.custom](): string {
    return this.toString();
  }
}

/**
 * A unique reference, as made by Erlang's `make_ref()`: monitors, calls and timers
 * are named by one. Compare refs with `===`.
 *
 * @example
 * ```ts
 * const ref = self.monitor(pid);
 * const down = await self.receive({ match: (m) => m instanceof Down && m.ref === ref });
 * ```
 */
export class Ref {
  /** The reference number, unique within its runtime. */
  readonly id: number;
  /** The timer this ref names, when it came from `sendAfter`. @internal */
  timer: TimerEntry | undefined;

  /** @internal */
  constructor(id: number) {
    this.id = id;
    this.timer = undefined;
  }

  /**
   * The Erlang-like text of the ref.
   * @example
   * ```ts
   * `${ref}` // '#Ref<0.0.0.7>'
   * ```
   */
  toString(): string {
    return `#Ref<0.0.0.${this.id}>`;
  }

  /** @internal */
  toJSON(): string {
    return this.toString();
  }

  /** @internal */
  [inspect.custom](): string {
    return this.toString();
  }
}
