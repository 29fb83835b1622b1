import { EventEmitter } from 'eventemitter3';
import type { RuntimeEvents } from './runtime-types.js';

type EventName = EventEmitter.EventNames<RuntimeEvents>;
type Listener<T extends EventName> = EventEmitter.EventListener<RuntimeEvents, T>;

/**
 * The runtime's event emitter: EventEmitter3, keeping in two plain fields whether
 * anyone listens to the events that every spawn and every exit emit, mostly unheard.
 * Asking EventEmitter3 instead (`listenerCount`) looks the event up by a key that
 * changes from one call to the next, a lookup V8 cannot specialise, and it was a third
 * of the cost of ending an idle process (bench/RESULTS.md). Each method that adds or
 * removes listeners updates the fields, `once` listeners included: EventEmitter3
 * removes those through `removeListener`. Not exported: `Runtime` is the class to use.
 */
export class RuntimeEmitter extends EventEmitter<RuntimeEvents> {
  /** Someone listens to `'spawn'`. @internal */
  spawnHeard = false;
  /** Someone listens to `'exit'`. @internal */
  exitHeard = false;

  /**
   * Adds a listener of `event`.
   * @example
   * ```ts
   * rt.on('exit', (pid, reason) => console.log(`${pid} exited: ${String(reason)}`));
   * ```
   */
  override on<T extends EventName>(event: T, fn: Listener<T>, context?: unknown): this {
    super.on(event, fn, context);
    return this.#heard(event);
  }

  /**
   * The same as `on`.
   * @example
   * ```ts
   * rt.addListener('spawn', (pid) => console.log(`spawned ${pid}`));
   * ```
   */
  override addListener<T extends EventName>(event: T, fn: Listener<T>, context?: unknown): this {
    return this.on(event, fn, context);
  }

  /**
   * Adds a listener of `event` that is removed after its first call.
   * @example
   * ```ts
   * rt.once('nodeup', (node) => console.log(`${node} is up`));
   * ```
   */
  override once<T extends EventName>(event: T, fn: Listener<T>, context?: unknown): this {
    super.once(event, fn, context);
    return this.#heard(event);
  }

  /**
   * Removes the listeners of `event` (those equal to `fn`, when given).
   * @example
   * ```ts
   * rt.removeListener('exit', onExit);
   * ```
   */
  override removeListener<T extends EventName>(
    event: T,
    fn?: Listener<T>,
    context?: unknown,
    once?: boolean,
  ): this {
    super.removeListener(event, fn, context, once);
    return this.#heard(event);
  }

  /**
   * The same as `removeListener`.
   * @example
   * ```ts
   * rt.off('exit', onExit);
   * ```
   */
  override off<T extends EventName>(
    event: T,
    fn?: Listener<T>,
    context?: unknown,
    once?: boolean,
  ): this {
    return this.removeListener(event, fn, context, once);
  }

  /**
   * Removes every listener, or every listener of `event`.
   * @example
   * ```ts
   * rt.removeAllListeners('crash');
   * ```
   */
  override removeAllListeners(event?: EventName): this {
    super.removeAllListeners(event);
    return this.#heard(event);
  }

  /**
   * Brings the fields up to date after `event`'s listeners changed (every event's, when
   * `undefined`). Only the changed event is counted: the runtime's own emitting calls
   * `removeListener` once per listener, on every heard spawn and exit.
   */
  #heard(event: EventName | undefined): this {
    if (event === undefined || event === 'spawn') this.spawnHeard = this.listenerCount('spawn') > 0;
    if (event === undefined || event === 'exit') this.exitHeard = this.listenerCount('exit') > 0;
    return this;
  }
}
