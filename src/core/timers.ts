/**
 * One pending timer. `fire` runs when `deadline` passes unless `cancelled`.
 * @internal
 */
export interface TimerEntry {
  deadline: number;
  cancelled: boolean;
  fire(entry: TimerEntry): void;
}

/** The longest delay a Node.js timer takes; a longer one fires after 1 ms. */
const MAX_DELAY = 2_147_483_647;

/**
 * All of a runtime's timers (receive timeouts, call timeouts, `sendAfter`, server,
 * statem and task timeouts, supervisor backoffs and shutdown timeouts) in one binary
 * min-heap behind a single Node.js timer, armed for the earliest deadline.
 * Thousands of calls in flight cost one Node.js timer, not thousands. Cancelling
 * marks the entry and leaves it in the heap; the heap is rebuilt without cancelled
 * entries when they outnumber the live ones.
 *
 * The clock is what a subclass may change: otp-ts/testing's virtual clock overrides
 * {@link now}, {@link defer} and {@link wakeUp} and fires the heap itself with
 * {@link fireNext}. A runtime picks its class once, at construction, so the real
 * runtime's calls here stay monomorphic.
 * @internal
 */
export class Timers {
  #heap: TimerEntry[] = [];
  #cancelled = 0;
  #handle: NodeJS.Timeout | undefined = undefined;
  #armedFor = Number.POSITIVE_INFINITY;
  #refed = false;
  #stopped = false;
  readonly #onError: (error: unknown) => void;
  /**
   * How early a timer may fire, in ms: Node.js may fire a timer up to a millisecond
   * early, and re-arming for that millisecond would cost more than it gives. A
   * virtual clock is exact (0).
   */
  readonly slack: number;

  constructor(onError: (error: unknown) => void = () => {}, slack = 1) {
    this.#onError = onError;
    this.slack = slack;
  }

  /** Live timers. */
  get size(): number {
    return this.#heap.length - this.#cancelled;
  }

  /** The clock, in ms. */
  now(): number {
    return performance.now();
  }

  /**
   * Runs `callback` once the current event-loop turn is over (`setImmediate`): what a
   * call's timeout counts from is stamped then, for one clock read per turn.
   */
  defer(callback: () => void): void {
    setImmediate(callback);
  }

  /**
   * Arms the Node.js timer that fires the heap after `delay` ms. A virtual clock
   * arms nothing (returns `undefined`) and fires the heap with {@link fireNext}.
   */
  protected wakeUp(delay: number, callback: () => void): NodeJS.Timeout | undefined {
    return setTimeout(callback, Math.min(delay, MAX_DELAY));
  }

  /** The deadline of the earliest live timer, or Infinity. */
  nextDeadline(): number {
    this.#dropCancelledTop();
    const top = this.#heap[0];
    return top === undefined ? Number.POSITIVE_INFINITY : top.deadline;
  }

  /**
   * Fires the earliest live timer if its deadline is at most `limit`.
   * @returns whether one fired.
   */
  fireNext(limit: number): boolean {
    this.#dropCancelledTop();
    const top = this.#heap[0];
    if (top === undefined || top.deadline > limit) return false;
    this.#pop();
    top.cancelled = true;
    try {
      top.fire(top);
    } catch (error) {
      this.#onError(error);
    }
    return true;
  }

  #dropCancelledTop(): void {
    const heap = this.#heap;
    while (heap.length > 0 && heap[0]!.cancelled) {
      this.#pop();
      this.#cancelled--;
    }
  }

  add(entry: TimerEntry): void {
    if (this.#stopped) return;
    const heap = this.#heap;
    heap.push(entry);
    siftUp(heap, heap.length - 1);
    if (entry.deadline < this.#armedFor) this.#arm(entry.deadline);
    else if (!this.#refed) this.#ref(true);
  }

  cancel(entry: TimerEntry): void {
    if (entry.cancelled) return;
    entry.cancelled = true;
    this.#cancelled++;
    if (this.#cancelled > 64 && this.#cancelled * 2 > this.#heap.length) this.#rebuild();
    // With no live timer left, keep the Node.js timer but stop it from holding the
    // process open: re-arming it for every call would cost more than the call.
    if (this.size === 0) this.#ref(false);
  }

  /** Drops every timer and refuses new ones: the runtime is shutting down. */
  stop(): void {
    this.#stopped = true;
    for (const entry of this.#heap) entry.cancelled = true;
    this.#heap = [];
    this.#cancelled = 0;
    this.#disarm();
  }

  #arm(deadline: number): void {
    if (this.#handle !== undefined) clearTimeout(this.#handle);
    this.#armedFor = deadline;
    const delay = Math.max(0, Math.ceil(deadline - this.now()));
    this.#handle = this.wakeUp(delay, this.#onTimeout);
    this.#refed = this.#handle !== undefined;
  }

  #ref(on: boolean): void {
    if (this.#handle === undefined || this.#refed === on) return;
    this.#refed = on;
    if (on) this.#handle.ref();
    else this.#handle.unref();
  }

  #disarm(): void {
    if (this.#handle !== undefined) clearTimeout(this.#handle);
    this.#handle = undefined;
    this.#armedFor = Number.POSITIVE_INFINITY;
  }

  readonly #onTimeout = (): void => {
    this.#handle = undefined;
    this.#armedFor = Number.POSITIVE_INFINITY;
    const heap = this.#heap;
    const now = this.now();
    while (heap.length > 0) {
      const top = heap[0]!;
      if (top.cancelled) {
        this.#pop();
        this.#cancelled--;
        continue;
      }
      // Node.js may fire a timer up to a millisecond early; a margin keeps us from re-arming for nothing.
      if (top.deadline > now + this.slack) break;
      this.#pop();
      top.cancelled = true;
      try {
        top.fire(top);
      } catch (error) {
        // A failing delivery must not keep the other due timers from firing.
        this.#onError(error);
      }
      if (this.#stopped) return;
    }
    this.#dropCancelledTop();
    if (heap.length > 0) this.#arm(heap[0]!.deadline);
  };

  #pop(): void {
    const heap = this.#heap;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      siftDown(heap, 0);
    }
  }

  #rebuild(): void {
    const live = this.#heap.filter((entry) => !entry.cancelled);
    this.#cancelled = 0;
    for (let i = (live.length >> 1) - 1; i >= 0; i--) siftDown(live, i);
    this.#heap = live;
  }
}

function siftUp(heap: TimerEntry[], index: number): void {
  const entry = heap[index]!;
  while (index > 0) {
    const parent = (index - 1) >> 1;
    const above = heap[parent]!;
    if (above.deadline <= entry.deadline) break;
    heap[index] = above;
    index = parent;
  }
  heap[index] = entry;
}

function siftDown(heap: TimerEntry[], index: number): void {
  const length = heap.length;
  const entry = heap[index]!;
  for (;;) {
    let child = 2 * index + 1;
    if (child >= length) break;
    const right = child + 1;
    if (right < length && heap[right]!.deadline < heap[child]!.deadline) child = right;
    if (heap[child]!.deadline >= entry.deadline) break;
    heap[index] = heap[child]!;
    index = child;
  }
  heap[index] = entry;
}
