import type { ListedWatcher } from './signals.js';
import type { TimerEntry, Timers } from './timers.js';

/**
 * A call as its timeout sees it. `From` is one, and so are a task's await and an
 * `asyncStream` item: the call is its own entry here, so timing it allocates nothing.
 *
 * The contract: `startedBy` is the stamp of the {@link Epoch} that
 * {@link CallTimeouts.add} (or `addWatching`) returned for the call (NaN until that
 * stamp is read); `pending` stays true until the call is settled; and settling it, by
 * its answer or by `timedOut`, turns `pending` false and then calls `done()` on that
 * epoch, exactly once.
 * @internal
 */
export interface TimedCall {
  /** Whether the call still waits for its reply. */
  readonly pending: boolean;
  /** The stamp the call's timeout counts from, or NaN before it is read. */
  readonly startedBy: number;
  /** The timeout passed: fail the call (which settles it). */
  timedOut(timeout: number): void;
}

/**
 * A call that watches the process it waits on (`From` on its server): it sits in that
 * process's watcher list from the call to its reply, so its timeout finds it there,
 * by its `epoch`, and nothing else has to hold it.
 * @internal
 */
export interface WatchingCall extends TimedCall, ListedWatcher {
  /** The epoch `addWatching` returned for it. */
  readonly epoch: Epoch | undefined;
}

/** What a process is to its watching calls: the head of its watcher list. */
type Watched = { listed: ListedWatcher | undefined };

/** In its turn, an epoch with nothing waiting keeps a list this short for the next calls. */
const SMALL = 8;
/** An epoch holding fewer processes and calls than this is never pruned. */
const PRUNE_FROM = 64;

/**
 * The calls of one runtime with one timeout value made in one event-loop turn. Their
 * timeouts count from `stamp`, read by the first macrotask after them (the runtime's
 * `Timers.defer`; a virtual clock reads it in a microtask, before it can move): a call
 * costs no clock read (a fifth of a whole call when measured; see bench/RESULTS.md),
 * and a timeout can only start late, by at most the rest of the event-loop turn the
 * call was made in, never early.
 *
 * An epoch counts its calls rather than keeping them: storing each call in a queue
 * was most of what timing a call cost. When its deadline passes with calls still
 * waiting, which healthy servers make rare, it finds them in the watcher lists of
 * the processes they were made to (it keeps each of those once, as long as the calls
 * come to one process after another); the other calls (task awaits) it keeps itself.
 * @internal
 */
export class Epoch {
  /** When the calls were made, at the latest; NaN until the stamp is read. */
  stamp = Number.NaN;
  /** Its calls still waiting for their reply. */
  waiting = 0;
  /** The processes its watching calls were made to, in the order first called. */
  targets: Watched[] = [];
  /** The process last added to `targets`: calls come in runs to one process (one server, fan-in). */
  lastTarget: Watched | undefined = undefined;
  /** Its calls that watch no process, found here when due. */
  others: TimedCall[] | undefined = undefined;

  constructor(
    readonly owner: CallTimeouts,
    readonly timeout: number,
  ) {}

  /** One of its calls was settled: answered, failed or timed out. */
  done(): void {
    const waiting = --this.waiting;
    if (waiting === 0) {
      // Once stamped, an epoch with nothing waiting lets its processes and calls go,
      // while it waits at the front of its queue to be dropped; in its turn, it lets a
      // long list go and starts over.
      if (!Number.isNaN(this.stamp) || this.#size() > SMALL) this.forget();
    } else {
      const size = this.#size();
      if (size >= PRUNE_FROM && waiting * 4 < size) this.#prune();
    }
    this.owner.settled();
  }

  /** The calls still waiting, in the order they were made, to fail them: it is due. */
  takeWaiting(): TimedCall[] {
    const due: TimedCall[] = [];
    for (const target of new Set(this.targets)) {
      // A watcher list runs from the newest watcher: collected first, then reversed,
      // and collected before any is failed, since failing a call takes it off the list.
      const start = due.length;
      for (let watcher = target.listed; watcher !== undefined; watcher = watcher.nextWatcher) {
        if (this.#owns(watcher)) due.push(watcher as WatchingCall);
      }
      reverseFrom(due, start);
    }
    for (const call of this.others ?? []) if (call.pending) due.push(call);
    this.forget();
    return due;
  }

  /** Whether `watcher` is one of its calls, still waiting. */
  #owns(watcher: ListedWatcher): boolean {
    // Other watchers (monitors by other means, other epochs' calls) have no such epoch.
    const call = watcher as Partial<WatchingCall>;
    return call.epoch === this && call.pending === true;
  }

  /** The processes and calls it holds: what its memory grows with. */
  #size(): number {
    return this.targets.length + (this.others === undefined ? 0 : this.others.length);
  }

  /**
   * Keeps only the processes with a call of its still waiting, once, and the other
   * calls still waiting: it then holds no more than it has calls waiting, and the
   * next prune waits until three in four of those have settled.
   */
  #prune(): void {
    const kept = new Set<Watched>();
    for (const target of this.targets) {
      if (kept.has(target)) continue;
      for (let watcher = target.listed; watcher !== undefined; watcher = watcher.nextWatcher) {
        if (this.#owns(watcher)) {
          kept.add(target);
          break;
        }
      }
    }
    this.targets = [...kept];
    this.lastTarget = undefined;
    this.others = this.others?.filter((call) => call.pending);
  }

  /** Lets its processes and calls go: none of its calls waits, or they were all taken. */
  forget(): void {
    this.targets = [];
    this.lastTarget = undefined;
    this.others = undefined;
  }
}

/** Reverses `items` from `start` to the end, in place. */
function reverseFrom(items: unknown[], start: number): void {
  for (let i = start, j = items.length - 1; i < j; i++, j--) {
    const item = items[i];
    items[i] = items[j];
    items[j] = item;
  }
}

/** The stamped epochs of one timeout value with calls waiting, oldest first: in deadline order. */
class EpochQueue {
  #epochs: (Epoch | undefined)[] = [];
  #head = 0;

  push(epoch: Epoch): void {
    this.#epochs.push(epoch);
  }

  /** The oldest epoch with calls waiting, dropping those with none; undefined if none. */
  front(): Epoch | undefined {
    // The array is read afresh each time: `shift` may replace it.
    while (this.#head < this.#epochs.length) {
      const epoch = this.#epochs[this.#head]!;
      if (epoch.waiting > 0) return epoch;
      this.shift();
    }
    return undefined;
  }

  shift(): void {
    const epochs = this.#epochs;
    epochs[this.#head++] = undefined;
    if (this.#head === epochs.length) {
      epochs.length = 0;
      this.#head = 0;
    } else if (this.#head >= 1024 && this.#head * 2 >= epochs.length) {
      // Drop the holes at the front once they are most of the array.
      this.#epochs = epochs.slice(this.#head);
      this.#head = 0;
    }
  }
}

/**
 * The timeouts of a runtime's calls, behind one entry in its timer heap. Adding a
 * call to the heap and cancelling it on the reply (most calls are answered) cost
 * more than the rest of the call did: here a call costs two counts in its epoch, and
 * the heap entry stands for the earliest deadline of all.
 * @internal
 */
export class CallTimeouts {
  /** Calls with a timeout still waiting for their reply. */
  pending = 0;
  readonly #timers: Timers;
  /** The epoch of the last call made in this turn: most calls use the default timeout. */
  #last: Epoch | undefined = undefined;
  /** The epochs of this turn, one per timeout value used in it; empty until a call is made. */
  #turn: Epoch[] = [];
  /** The stamped epochs with calls waiting, by timeout value. */
  readonly #queues = new Map<number, EpochQueue>();
  #armed: TimerEntry | undefined = undefined;

  constructor(timers: Timers) {
    this.#timers = timers;
  }

  /**
   * Adds a call that sits in `target`'s watcher list until it is settled (attached
   * before this); returns the epoch its timeout counts from, for its `epoch`.
   */
  addWatching(target: Watched, timeout: number): Epoch {
    const epoch = this.#count(timeout);
    if (epoch.lastTarget !== target) {
      epoch.lastTarget = target;
      epoch.targets.push(target);
    }
    return epoch;
  }

  /** Adds a call that watches no process; returns the epoch its timeout counts from. */
  add(call: TimedCall, timeout: number): Epoch {
    const epoch = this.#count(timeout);
    (epoch.others ??= []).push(call);
    return epoch;
  }

  /** Counts a call in this turn's epoch for `timeout`, and returns that epoch. */
  #count(timeout: number): Epoch {
    let epoch = this.#last;
    if (epoch === undefined || epoch.timeout !== timeout) epoch = this.#open(timeout);
    epoch.waiting++;
    this.pending++;
    return epoch;
  }

  /** A call was settled (through its epoch's `done`). */
  settled(): void {
    if (--this.pending === 0) this.#idle();
  }

  /** The epoch of this turn for `timeout`, made if need be; the first of a turn asks for its stamp. */
  #open(timeout: number): Epoch {
    const turn = this.#turn;
    if (turn.length === 0) this.#timers.defer(this.#stamp);
    let epoch: Epoch | undefined;
    for (const open of turn) if (open.timeout === timeout) epoch = open;
    if (epoch === undefined) {
      epoch = new Epoch(this, timeout);
      turn.push(epoch);
    }
    this.#last = epoch;
    return epoch;
  }

  readonly #stamp = (): void => {
    const stamp = this.#timers.now();
    const turn = this.#turn;
    this.#turn = [];
    this.#last = undefined;
    for (const epoch of turn) {
      epoch.stamp = stamp;
      // An answered call kept by its server (a From) keeps its epoch, not what it held.
      if (epoch.waiting > 0) this.#queue(epoch.timeout).push(epoch);
      else epoch.forget();
    }
    if (this.pending > 0) this.#arm();
  };

  #queue(timeout: number): EpochQueue {
    let queue = this.#queues.get(timeout);
    if (queue === undefined) {
      queue = new EpochQueue();
      this.#queues.set(timeout, queue);
    }
    return queue;
  }

  /** Arms the heap entry for the earliest deadline, unless it is armed for one as early. */
  #arm(): void {
    let next = Number.POSITIVE_INFINITY;
    for (const [timeout, queue] of this.#queues) {
      const front = queue.front();
      // A queue per timeout value ever used would grow without end.
      if (front === undefined) this.#queues.delete(timeout);
      else next = Math.min(next, front.stamp + timeout);
    }
    const armed = this.#armed;
    if (armed !== undefined) {
      if (armed.deadline <= next) return;
      this.#timers.cancel(armed);
      this.#armed = undefined;
    }
    if (next === Number.POSITIVE_INFINITY) return;
    // A new entry each time: one cancelled may still sit in the heap.
    const entry: TimerEntry = { deadline: next, cancelled: false, fire: this.#fire };
    this.#armed = entry;
    this.#timers.add(entry);
  }

  readonly #fire = (entry: TimerEntry): void => {
    if (entry !== this.#armed) return;
    this.#armed = undefined;
    // As the runtime's timers: Node.js may fire a timer up to `slack` ms early.
    const due = this.#timers.now() + this.#timers.slack;
    const dueEpochs: Epoch[] = [];
    for (const [timeout, queue] of this.#queues) {
      for (let epoch = queue.front(); epoch !== undefined; epoch = queue.front()) {
        if (epoch.stamp + timeout > due) break;
        queue.shift();
        dueEpochs.push(epoch);
      }
    }
    // Failed once every due epoch is out of its queue: failing a call settles it, which
    // may empty the runtime's calls and clear the queues.
    for (const epoch of dueEpochs) {
      for (const call of epoch.takeWaiting()) if (call.pending) call.timedOut(epoch.timeout);
    }
    if (this.pending > 0) this.#arm();
  };

  /** No call waits: drop the heap entry (so it holds no Node.js timer) and the emptied epochs. */
  #idle(): void {
    const armed = this.#armed;
    if (armed !== undefined) {
      this.#armed = undefined;
      this.#timers.cancel(armed);
    }
    if (this.#queues.size !== 0) this.#queues.clear();
  }
}
