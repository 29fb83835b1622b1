/** Marks a slot whose message a selective receive already took. */
const HOLE: unique symbol = Symbol('hole');

// Small: most mailboxes hold a message or two at a time, and a busy one doubles in a few steps.
const INITIAL_CAPACITY = 2;
/** A buffer grown past this by a burst is let go once the burst drains. */
const SHRINK_ABOVE = 4096;

/** The kinds of slots, in a mailbox that has had a tagged message. */
const PLAIN = 0;
const TAGGED = 1;

/**
 * A process's message queue: a growable ring buffer, allocated on the first message,
 * with O(1) push and shift. A selective receive takes a message from the middle by
 * leaving a hole, so nothing shifts; holes are skipped as the head passes them and
 * squeezed out when they make up most of the buffer.
 *
 * A handler process's mailbox may also hold tagged messages (a GenServer's casts): a
 * parallel array of one byte per slot, made on the first one, says which slots hold
 * one, so a tagged message costs one slot and no wrapper object.
 * @internal
 */
export class Mailbox {
  #buf: unknown[] | undefined = undefined;
  /** TAGGED or PLAIN per slot of `#buf`, once a tagged message has come. */
  #kinds: Uint8Array | undefined = undefined;
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
    const buf = this.#room();
    const index = (this.#head + this.#slots) & (buf.length - 1);
    buf[index] = message;
    if (this.#kinds !== undefined) this.#kinds[index] = PLAIN;
    this.#slots++;
    this.#size++;
  }

  /** Puts a tagged message: one slot, marked in the parallel array of kinds. */
  pushTagged(payload: unknown): void {
    const buf = this.#room();
    const kinds = (this.#kinds ??= new Uint8Array(buf.length));
    const index = (this.#head + this.#slots) & (buf.length - 1);
    buf[index] = payload;
    kinds[index] = TAGGED;
    this.#slots++;
    this.#size++;
  }

  /** The buffer, made or grown so that one more slot fits. */
  #room(): unknown[] {
    const buf = this.#buf;
    if (buf === undefined) return (this.#buf = new Array(INITIAL_CAPACITY));
    return this.#slots === buf.length ? this.grow(buf) : buf;
  }

  /** Whether the oldest slot holds a tagged message (handler mailboxes have no holes). */
  headIsTagged(): boolean {
    const kinds = this.#kinds;
    return kinds !== undefined && kinds[this.#head] === TAGGED;
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
   * Removes every plain message `match` accepts, in one pass; returns how many (a
   * tagged message is never one of them: it is a request, not the message itself).
   * Removing renumbers the slots, so a pending receive looks again from the start.
   */
  removeAll(match: (message: unknown) => boolean): number {
    const buf = this.#buf;
    if (buf === undefined) return 0;
    const kinds = this.#kinds;
    const kept: unknown[] = [];
    const keptKinds: number[] = [];
    const scanned = this.scanned;
    let removed = 0;
    for (let i = 0; i < this.#slots; i++) {
      const index = (this.#head + i) & (buf.length - 1);
      const message = buf[index];
      if (message === HOLE) continue;
      const kind = kinds === undefined ? PLAIN : kinds[index]!;
      if (kind === PLAIN && match(message)) {
        removed++;
      } else {
        kept.push(message);
        keptKinds.push(kind);
      }
    }
    this.clear();
    for (let i = 0; i < kept.length; i++) {
      if (keptKinds[i] === TAGGED) this.pushTagged(kept[i]);
      else this.push(kept[i]);
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
    this.#kinds = undefined;
    this.scanned = 0;
    this.#head = 0;
    this.#slots = 0;
    this.#size = 0;
  }

  private grow(buf: unknown[]): unknown[] {
    const next = new Array(buf.length * 2);
    const mask = buf.length - 1;
    for (let i = 0; i < this.#slots; i++) next[i] = buf[(this.#head + i) & mask];
    const kinds = this.#kinds;
    if (kinds !== undefined) {
      const nextKinds = new Uint8Array(next.length);
      for (let i = 0; i < this.#slots; i++) nextKinds[i] = kinds[(this.#head + i) & mask]!;
      this.#kinds = nextKinds;
    }
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
