import type { Process } from './process.js';

/** Holes tolerated before the table is compacted, however few processes are alive. */
const MIN_HOLES = 64;

/**
 * A runtime's live processes, oldest first, in an array: each process knows its
 * slot, so adding and removing are O(1), and an exit leaves a hole that a compaction
 * closes once holes outnumber live processes (O(1) amortised, order kept).
 *
 * An array rather than a list linked through the processes: V8's young-generation
 * collector copies surviving objects with parallel tasks, and a list is a single
 * chain that only one task at a time can follow, while an array's slots are shared
 * out among them. Spawning is mostly the collector copying new processes, so this
 * is measured in `bench/spawn.ts`.
 * @internal
 */
export class ProcessTable {
  #slots: (Process | undefined)[] = [];
  #count = 0;

  get size(): number {
    return this.#count;
  }

  /** Slots in use, holes included, for tests of compaction. */
  get slotsInUse(): number {
    return this.#slots.length;
  }

  add(proc: Process): void {
    proc.slot = this.#slots.length;
    this.#slots.push(proc);
    this.#count++;
  }

  remove(proc: Process): void {
    const slots = this.#slots;
    if (slots[proc.slot] !== proc) return;
    slots[proc.slot] = undefined;
    proc.slot = -1;
    this.#count--;
    const holes = slots.length - this.#count;
    if (this.#count === 0) slots.length = 0;
    else if (holes > MIN_HOLES && holes > this.#count) this.#compact();
  }

  /** Every live process, oldest first, as an array (a snapshot). */
  toArray(): Process[] {
    const out: Process[] = [];
    for (const proc of this.#slots) if (proc !== undefined) out.push(proc);
    return out;
  }

  /** Calls `fn` for every live process, oldest first, with no snapshot array. */
  forEach(fn: (proc: Process) => void): void {
    const slots = this.#slots;
    for (let i = 0; i < slots.length; i++) {
      const proc = slots[i];
      if (proc !== undefined) fn(proc);
    }
  }

  #compact(): void {
    const slots = this.#slots;
    let next = 0;
    for (let i = 0; i < slots.length; i++) {
      const proc = slots[i];
      if (proc === undefined) continue;
      proc.slot = next;
      slots[next++] = proc;
    }
    slots.length = next;
  }
}
