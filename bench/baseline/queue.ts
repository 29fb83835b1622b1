/**
 * A growable ring buffer: O(1) push and shift. `removeAt` closes the gap by moving
 * the younger items down, so taking the newest item (the selective-receive case)
 * is O(1) too.
 */
export class Queue<T> {
  #buf: (T | undefined)[];
  #head = 0;
  #size = 0;

  /** @param capacity - a power of two. */
  constructor(capacity = 8) {
    this.#buf = new Array(capacity);
  }

  get size(): number {
    return this.#size;
  }

  push(item: T): void {
    let buf = this.#buf;
    if (this.#size === buf.length) buf = this.#grow();
    buf[(this.#head + this.#size) & (buf.length - 1)] = item;
    this.#size++;
  }

  /** Takes the oldest item. Only call when `size > 0`. */
  shift(): T {
    const buf = this.#buf;
    const item = buf[this.#head] as T;
    buf[this.#head] = undefined;
    this.#head = (this.#head + 1) & (buf.length - 1);
    this.#size--;
    return item;
  }

  /** The position (0 = oldest) of the first item at or after `from` that `match` accepts, or -1. */
  find(match: (item: T) => boolean, from: number): number {
    const buf = this.#buf;
    const mask = buf.length - 1;
    for (let i = from; i < this.#size; i++) {
      if (match(buf[(this.#head + i) & mask] as T)) return i;
    }
    return -1;
  }

  /** Takes the item at `position` (as `find` gives it). */
  removeAt(position: number): T {
    if (position === 0) return this.shift();
    const buf = this.#buf;
    const mask = buf.length - 1;
    const head = this.#head;
    const item = buf[(head + position) & mask] as T;
    const last = this.#size - 1;
    for (let i = position; i < last; i++) buf[(head + i) & mask] = buf[(head + i + 1) & mask];
    buf[(head + last) & mask] = undefined;
    this.#size--;
    return item;
  }

  #grow(): (T | undefined)[] {
    const old = this.#buf;
    const next = new Array<T | undefined>(old.length * 2);
    const mask = old.length - 1;
    for (let i = 0; i < this.#size; i++) next[i] = old[(this.#head + i) & mask];
    this.#head = 0;
    this.#buf = next;
    return next;
  }
}
