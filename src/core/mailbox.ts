/** Marks a slot whose message a selective receive already took. */
const HOLE: unique symbol = Symbol('hole');

// Small: most mailboxes hold a message or two at a time, and a busy one doubles in a few steps.
const INITIAL_CAPACITY = 2;
/** A buffer grown past this by a burst is let go once the burst drains. */
const SHRINK_ABOVE = 4096;

/**
 * A process's message queue: a growable ring buffer, allocated on the first message,
 * with O(1) push and shift. A selective receive takes a message from the middle by
 * leaving a hole, so nothing shifts; holes are skipped as the head passes them and
 * squeezed out when they make up most of the buffer.
 * @internal
 */
export class Mailbox {
  #buf: unknown[] | undefined = undefined;
  #head = 0;
  /** Slots in use, holes included. */
  #slots = 0;
  /** Messages, holes excluded. */
  #size = 0;
  // The state of the owner's pending receive that only matters once messages wait:
  // kept here so that a process with an empty mailbox carries none of it.
  /** Slots a pending selective receive has already looked at. */
  scanned = 0;
  /** The pending selective receive's filter. */
  match: ((message: unknown) => boolean) | undefined = undefined;
  /** Messages served this turn straight from the mailbox, against the scheduler's budget. */
  turn = 0;

  get size(): number {
    return this.#size;
  }

  /** Slots in use, holes included: the bound of a scan. */
  get slots(): number {
    return this.#slots;
  }

  /** Slots in the buffer, for tests of its memory. */
  get capacity(): number {
    return this.#buf === undefined ? 0 : this.#buf.length;
  }

  push(message: unknown): void {
    let buf = this.#buf;
    if (buf === undefined) {
      buf = this.#buf = new Array(INITIAL_CAPACITY);
    } else if (this.#slots === buf.length) {
      buf = this.grow(buf);
    }
    buf[(this.#head + this.#slots) & (buf.length - 1)] = message;
    this.#slots++;
    this.#size++;
  }

  /** Takes the oldest message. Only call when `size > 0`. */
  shift(): unknown {
    const buf = this.#buf!;
    const mask = buf.length - 1;
    let message = buf[this.#head];
    while (message === HOLE) {
      buf[this.#head] = undefined;
      this.#head = (this.#head + 1) & mask;
      this.#slots--;
      message = buf[this.#head];
    }
    buf[this.#head] = undefined;
    this.#head = (this.#head + 1) & mask;
    this.#slots--;
    this.#size--;
    if (this.#size === 0 && buf.length > SHRINK_ABOVE) this.clear();
    return message;
  }

  /**
   * The slot of the first message at or after slot `from` that `match` accepts, or -1.
   * `match` is user code and may throw: the caller decides what that means.
   */
  find(match: (message: unknown) => boolean, from: number): number {
    const buf = this.#buf;
    if (buf === undefined) return -1;
    const mask = buf.length - 1;
    for (let i = from; i < this.#slots; i++) {
      const message = buf[(this.#head + i) & mask];
      if (message !== HOLE && match(message)) return i;
    }
    return -1;
  }

  /** Takes the message at `slot` (as returned by `find`). */
  takeAt(slot: number): unknown {
    if (slot === 0) return this.shift();
    const buf = this.#buf!;
    const index = (this.#head + slot) & (buf.length - 1);
    const message = buf[index];
    buf[index] = HOLE;
    this.#size--;
    if (this.#size * 2 < this.#slots && this.#slots > 32) this.compact(buf);
    return message;
  }

  /**
   * Removes every message `match` accepts, in one pass; returns how many. Removing
   * renumbers the slots, so a pending receive looks again from the start.
   */
  removeAll(match: (message: unknown) => boolean): number {
    const kept = this.toArray();
    const scanned = this.scanned;
    this.clear();
    let removed = 0;
    for (const message of kept) {
      if (match(message)) removed++;
      else this.push(message);
    }
    if (removed === 0) this.scanned = scanned;
    return removed;
  }

  /** The messages in order, for introspection and reports. */
  toArray(): unknown[] {
    const out: unknown[] = [];
    const buf = this.#buf;
    if (buf === undefined) return out;
    for (let i = 0; i < this.#slots; i++) {
      const message = buf[(this.#head + i) & (buf.length - 1)];
      if (message !== HOLE) out.push(message);
    }
    return out;
  }

  clear(): void {
    this.#buf = undefined;
    this.scanned = 0;
    this.#head = 0;
    this.#slots = 0;
    this.#size = 0;
  }

  private grow(buf: unknown[]): unknown[] {
    const next = new Array(buf.length * 2);
    const mask = buf.length - 1;
    for (let i = 0; i < this.#slots; i++) next[i] = buf[(this.#head + i) & mask];
    this.#head = 0;
    this.#buf = next;
    return next;
  }

  private compact(buf: unknown[]): void {
    const mask = buf.length - 1;
    let write = 0;
    for (let i = 0; i < this.#slots; i++) {
      const index = (this.#head + i) & mask;
      const message = buf[index];
      buf[index] = undefined;
      if (message !== HOLE) buf[(this.#head + write++) & mask] = message;
    }
    this.#slots = write;
  }
}
