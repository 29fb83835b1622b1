import type { Self } from './process.js';

/**
 * A runtime's live processes: a doubly linked list through the processes themselves,
 * oldest first. Adding and removing are O(1) with no allocation and no rehashing,
 * which keeps spawning a million processes linear.
 * @internal
 */
export class ProcessTable {
  #first: Self | undefined = undefined;
  #last: Self | undefined = undefined;
  #count = 0;

  get size(): number {
    return this.#count;
  }

  /** The oldest live process; follow `nextProc` for the others. */
  get first(): Self | undefined {
    return this.#first;
  }

  add(proc: Self): void {
    proc.prevProc = this.#last;
    if (this.#last === undefined) this.#first = proc;
    else this.#last.nextProc = proc;
    this.#last = proc;
    this.#count++;
  }

  remove(proc: Self): void {
    const { prevProc: prev, nextProc: next } = proc;
    if (prev === undefined) this.#first = next;
    else prev.nextProc = next;
    if (next === undefined) this.#last = prev;
    else next.prevProc = prev;
    proc.prevProc = undefined;
    proc.nextProc = undefined;
    this.#count--;
  }

  /** Every live process, oldest first, as an array (a snapshot). */
  toArray(): Self[] {
    const out: Self[] = [];
    for (let proc = this.#first; proc !== undefined; proc = proc.nextProc) out.push(proc);
    return out;
  }
}
