import type { Process, System } from './system.js';

/**
 * The baseline Registry with unique keys: key → [process, value], plus each
 * process's keys so that its entries go when it exits.
 */
export class Registry {
  readonly #entries = new Map<unknown, { proc: Process; value: unknown }>();
  readonly #keysOf = new Map<Process, unknown[]>();

  constructor(system: System) {
    system.exitListeners.add((proc) => {
      const keys = this.#keysOf.get(proc);
      if (keys === undefined) return;
      this.#keysOf.delete(proc);
      for (const key of keys) this.#entries.delete(key);
    });
  }

  register(proc: Process, key: unknown, value: unknown): void {
    if (this.#entries.has(key)) throw new Error('Registry.register: the key is taken');
    this.#entries.set(key, { proc, value });
    const keys = this.#keysOf.get(proc);
    if (keys === undefined) this.#keysOf.set(proc, [key]);
    else keys.push(key);
  }

  /** `[[process, value]]`, or `[]`: the shape otp-ts's `Registry.lookup` gives. */
  lookup(key: unknown): [Process, unknown][] {
    const entry = this.#entries.get(key);
    return entry === undefined ? [] : [[entry.proc, entry.value]];
  }
}
