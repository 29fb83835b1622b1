import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CallTimeouts, type Epoch, type WatchingCall } from '../../src/core/call-timeouts.js';
import { attachWatcher, detachWatcher, type ListedWatcher } from '../../src/core/signals.js';
import { Timers } from '../../src/core/timers.js';
import { makeRuntime } from '../helpers.js';

/** A process as its watching calls see it: the head of its watcher list. */
type Target = { listed: ListedWatcher | undefined };

/**
 * A call as `From` is one to its timeout: given a target, it sits in the target's
 * watcher list (as `From` on its server) and is found there by its epoch; without one,
 * its epoch keeps it (as a task's await). Settling it (answer or timeout) turns
 * `pending` false, then reports `done()` once, then leaves the list.
 */
class TestCall implements WatchingCall {
  pending = true;
  /** The clock when its timeout fired, if it did. */
  firedAt: number | undefined = undefined;
  readonly timeout: number;
  readonly epoch: Epoch;
  prevWatcher: ListedWatcher | undefined = undefined;
  nextWatcher: ListedWatcher | undefined = undefined;
  watched: Target | undefined = undefined;
  readonly #fired: TestCall[];

  constructor(timeouts: CallTimeouts, timeout: number, fired: TestCall[], target?: Target) {
    this.timeout = timeout;
    this.#fired = fired;
    if (target === undefined) {
      this.epoch = timeouts.add(this, timeout);
    } else {
      attachWatcher(target, this);
      this.epoch = timeouts.addWatching(target, timeout);
    }
  }

  get startedBy(): number {
    return this.epoch.stamp;
  }

  down(): void {
    throw new Error('no test call watches a process that exits');
  }

  timedOut(timeout: number): void {
    expect(timeout).toBe(this.timeout);
    expect(this.pending).toBe(true);
    this.firedAt = performance.now();
    this.#fired.push(this);
    this.#settle();
  }

  answer(): void {
    if (this.pending) this.#settle();
  }

  #settle(): void {
    this.pending = false;
    this.epoch.done();
    detachWatcher(this);
  }
}

/**
 * Fakes the clock and the timer functions for each test of the calling `describe`:
 * `setImmediate`, which both the stamp and the scheduler use, stays real.
 */
function fakeClock(): void {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });
}

/**
 * The two ways a call is found when due. Calls that watch a process go to three
 * processes in turn, so that an epoch's calls are spread over several watcher lists
 * and come back to a process already listed.
 */
const KINDS = ['watching a process', 'watching nothing'] as const;
type Kind = (typeof KINDS)[number];

function caller(kind: Kind): (timeouts: CallTimeouts, ms: number, fired: TestCall[]) => TestCall {
  const targets: Target[] = [{ listed: undefined }, { listed: undefined }, { listed: undefined }];
  let next = 0;
  return (timeouts, ms, fired) =>
    kind === 'watching nothing'
      ? new TestCall(timeouts, ms, fired)
      : new TestCall(timeouts, ms, fired, targets[next++ % targets.length]);
}

/**
 * The turn after the calls made so far, when their timeouts read the clock. Timers
 * queued by `setImmediate` run in order, and the stamp was queued first.
 */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Call timeouts over a heap of their own, and the calls whose timeouts fired, in order. */
function setup(): { timers: Timers; timeouts: CallTimeouts; fired: TestCall[] } {
  const timers = new Timers();
  return { timers, timeouts: new CallTimeouts(timers), fired: [] };
}

describe.each(KINDS)('CallTimeouts, calls %s: timeouts', (kind) => {
  const make = caller(kind);
  fakeClock();

  it('times out calls with the same timeout in the order they were made, each at its own deadline', async () => {
    const { timeouts, fired } = setup();
    const start = performance.now();
    const first = [0, 1, 2].map(() => make(timeouts, 100, fired));
    await nextTurn();
    vi.advanceTimersByTime(10);
    const second = [0, 1].map(() => make(timeouts, 100, fired));
    await nextTurn();
    vi.advanceTimersByTime(89);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(fired).toEqual(first);
    expect(first.map((call) => call.firedAt)).toEqual([100, 100, 100].map((ms) => start + ms));
    vi.advanceTimersByTime(9);
    expect(fired).toEqual(first);
    vi.advanceTimersByTime(1);
    expect(fired).toEqual([...first, ...second]);
    expect(second.map((call) => call.firedAt)).toEqual([110, 110].map((ms) => start + ms));
    expect(timeouts.pending).toBe(0);
  });

  it('keeps a ring per timeout value, so a short timeout made after a long one fires first', async () => {
    const { timeouts, fired } = setup();
    const start = performance.now();
    const made = [300, 100, 200, 100, 300, 200, 50].map((ms) => make(timeouts, ms, fired));
    await nextTurn();
    vi.advanceTimersByTime(1_000);
    // By deadline; calls with the same timeout in the order they were made.
    expect(fired).toEqual([made[6], made[1], made[3], made[2], made[5], made[0], made[4]]);
    for (const call of made) expect(call.firedAt).toBe(start + call.timeout);
  });

  it('re-arms the heap entry for a shorter timeout made in a later turn', async () => {
    const { timers, timeouts, fired } = setup();
    const long = make(timeouts, 1_000, fired);
    await nextTurn();
    vi.advanceTimersByTime(10);
    const start = performance.now();
    const short = make(timeouts, 50, fired);
    await nextTurn();
    expect(timers.size).toBe(1);
    vi.advanceTimersByTime(50);
    expect(fired).toEqual([short]);
    expect(short.firedAt).toBe(start + 50);
    vi.advanceTimersByTime(940);
    expect(fired).toEqual([short, long]);
  });

  it('drops a long run of answered turns behind a call that waited longer, and fires what still waits', async () => {
    const { timeouts, fired } = setup();
    const start = performance.now();
    const slow = make(timeouts, 1_000, fired);
    // More turns than the queue keeps holes for, each with a call answered a turn later.
    for (let turn = 0; turn < 1_100; turn++) {
      const quick = make(timeouts, 1_000, fired);
      await nextTurn();
      quick.answer();
    }
    const last = make(timeouts, 1_000, fired);
    slow.answer();
    await nextTurn();
    expect(timeouts.pending).toBe(1);
    vi.advanceTimersByTime(1_000);
    expect(fired).toEqual([last]);
    expect(last.firedAt).toBe(start + 1_000);
  });

  it('never fires early: the timeout counts from a stamp read after the call', async () => {
    const { timeouts, fired } = setup();
    const madeAt = performance.now();
    const call = make(timeouts, 100, fired);
    // The clock moves on before the turn ends: the stamp, read later, counts from then.
    vi.advanceTimersByTime(30);
    await nextTurn();
    expect(call.startedBy).toBe(madeAt + 30);
    vi.advanceTimersByTime(99);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(fired).toEqual([call]);
    expect(call.firedAt! - madeAt).toBeGreaterThanOrEqual(call.timeout);
  });

  it("fires a call due within 1 ms of the one that fired the heap entry with it, as the runtime's timers do", async () => {
    // Node.js may fire a timer up to a millisecond early; the same margin keeps the heap
    // from being re-armed for a deadline 1 ms away.
    const { timeouts, fired } = setup();
    const start = performance.now();
    const [due, withIt, later] = [100, 101, 102].map((ms) => make(timeouts, ms, fired));
    await nextTurn();
    vi.advanceTimersByTime(100);
    expect(fired).toEqual([due, withIt]);
    expect(withIt!.firedAt).toBe(start + 100);
    vi.advanceTimersByTime(1);
    expect(fired).toEqual([due, withIt]);
    vi.advanceTimersByTime(1);
    expect(fired).toEqual([due, withIt, later]);
  });

  it('arms nothing before the stamp, so a call answered within its turn costs the heap nothing', async () => {
    const { timers, timeouts, fired } = setup();
    const call = make(timeouts, 100, fired);
    expect(call.startedBy).toBeNaN();
    expect(timers.size).toBe(0);
    call.answer();
    await nextTurn();
    expect(timers.size).toBe(0);
    vi.advanceTimersByTime(1_000);
    expect(fired).toEqual([]);
  });

  it('times out calls added after earlier ones expired, with the same timeout or a new one', async () => {
    const { timers, timeouts, fired } = setup();
    const first = make(timeouts, 100, fired);
    await nextTurn();
    vi.advanceTimersByTime(100);
    expect(fired).toEqual([first]);
    expect(timers.size).toBe(0);

    const start = performance.now();
    const again = make(timeouts, 100, fired);
    const other = make(timeouts, 40, fired);
    await nextTurn();
    expect(timers.size).toBe(1);
    vi.advanceTimersByTime(100);
    expect(fired).toEqual([first, other, again]);
    expect(other.firedAt).toBe(start + 40);
    expect(again.firedAt).toBe(start + 100);
    expect(timers.size).toBe(0);
  });

  it('expires 10,000 calls over several turns and timeout values, each at its deadline and never an answered one', async () => {
    const { timers, timeouts, fired } = setup();
    const values = [50, 100, 150];
    const calls: TestCall[] = [];
    for (let turn = 0; turn < 10; turn++) {
      for (let i = 0; i < 1_000; i++) {
        calls.push(make(timeouts, values[(turn + i) % values.length]!, fired));
      }
      // Answer every third call, so answered calls sit at the front of rings and behind others.
      for (let i = calls.length - 1_000; i < calls.length; i++) if (i % 3 === 0) calls[i]!.answer();
      await nextTurn();
      vi.advanceTimersByTime(7);
    }
    expect(timers.size).toBe(1);
    vi.advanceTimersByTime(1_000);
    const answered = calls.filter((_, i) => i % 3 === 0);
    const expired = calls.filter((_, i) => i % 3 !== 0);
    expect(fired).toHaveLength(expired.length);
    expect(new Set(fired)).toEqual(new Set(expired));
    for (const call of answered) expect(call.firedAt).toBeUndefined();
    for (const call of expired) {
      // On time, or at most 1 ms before, when a call due then fired the heap entry (below).
      expect(call.firedAt).toBeLessThanOrEqual(call.startedBy + call.timeout);
      expect(call.firedAt).toBeGreaterThanOrEqual(call.startedBy + call.timeout - 1);
    }
    // In deadline order overall.
    const firedAt = fired.map((call) => call.firedAt!);
    expect(firedAt).toEqual([...firedAt].sort((a, b) => a - b));
    expect(timeouts.pending).toBe(0);
    expect(timers.size).toBe(0);
  });
});

describe.each(KINDS)('CallTimeouts, calls %s: answers', (kind) => {
  const make = caller(kind);
  fakeClock();

  it('never fires a call that was answered, at the front of its ring or behind others', async () => {
    const { timeouts, fired } = setup();
    const [a, b, c, d] = [0, 1, 2, 3].map(() => make(timeouts, 100, fired));
    await nextTurn();
    a!.answer();
    c!.answer();
    vi.advanceTimersByTime(100);
    expect(fired).toEqual([b, d]);
    expect(a!.firedAt).toBeUndefined();
    expect(c!.firedAt).toBeUndefined();
  });

  it('drops the heap entry when the last pending call is answered, and fires nothing after', async () => {
    const { timers, timeouts, fired } = setup();
    const calls = [100, 200, 100].map((ms) => make(timeouts, ms, fired));
    await nextTurn();
    expect(timers.size).toBe(1);
    for (const call of calls) call.answer();
    expect(timeouts.pending).toBe(0);
    expect(timers.size).toBe(0);
    vi.advanceTimersByTime(1_000);
    expect(fired).toEqual([]);
  });
});

describe('CallTimeouts, calls watching a process: found through its watcher list', () => {
  fakeClock();

  it("fails only its own epoch's calls, and leaves the list's other watchers alone", async () => {
    const { timeouts, fired } = setup();
    const server: Target = { listed: undefined };
    const monitor: ListedWatcher = {
      prevWatcher: undefined,
      nextWatcher: undefined,
      watched: undefined,
      down: () => {
        throw new Error('not an exit');
      },
    };
    const early = new TestCall(timeouts, 100, fired, server);
    attachWatcher(server, monitor);
    const longer = new TestCall(timeouts, 500, fired, server);
    await nextTurn();
    vi.advanceTimersByTime(50);
    const later = new TestCall(timeouts, 100, fired, server);
    await nextTurn();
    vi.advanceTimersByTime(50);
    expect(fired).toEqual([early]);
    let listed = 0;
    for (let w = server.listed; w !== undefined; w = w.nextWatcher) listed++;
    expect(listed).toBe(3); // later, longer and the monitor
    vi.advanceTimersByTime(50);
    expect(fired).toEqual([early, later]);
    expect(server.listed).toBe(longer);
    expect(longer.nextWatcher).toBe(monitor);
    vi.advanceTimersByTime(400);
    expect(fired).toEqual([early, later, longer]);
    expect(server.listed).toBe(monitor);
  });

  it('fails each call once when its epoch came back to the same process many times', async () => {
    const { timeouts, fired } = setup();
    const a: Target = { listed: undefined };
    const b: Target = { listed: undefined };
    const calls = Array.from(
      { length: 40 },
      (_, i) => new TestCall(timeouts, 100, fired, i % 2 ? b : a),
    );
    expect(calls[0]!.epoch.targets.length).toBe(40);
    await nextTurn();
    vi.advanceTimersByTime(100);
    // Per process, in the order made; the processes in the order first called.
    expect(fired).toEqual([
      ...calls.filter((_, i) => i % 2 === 0),
      ...calls.filter((_, i) => i % 2),
    ]);
    expect(a.listed).toBeUndefined();
    expect(b.listed).toBeUndefined();
    expect(timeouts.pending).toBe(0);
  });

  it('keeps only the processes with calls waiting, each once, when three in four of its calls are answered', async () => {
    const { timeouts, fired } = setup();
    const servers: Target[] = Array.from({ length: 10 }, () => ({ listed: undefined }));
    const calls = Array.from(
      { length: 1_000 },
      (_, i) => new TestCall(timeouts, 100, fired, servers[i % servers.length]),
    );
    const epoch = calls[0]!.epoch;
    expect(epoch.targets.length).toBe(1_000);
    await nextTurn();
    // Answer all but the calls to two servers.
    for (const [i, call] of calls.entries()) if (i % 10 > 1) call.answer();
    expect(epoch.waiting).toBe(200);
    // Pruned when three in four had been answered: each process with a call waiting, once.
    expect(epoch.targets.length).toBeLessThanOrEqual(servers.length);
    expect(new Set(epoch.targets).size).toBe(epoch.targets.length);
    expect(epoch.targets).toContain(servers[0]);
    expect(epoch.targets).toContain(servers[1]);
    vi.advanceTimersByTime(100);
    expect(fired).toHaveLength(200);
    expect(new Set(fired)).toEqual(new Set(calls.filter((_, i) => i % 10 <= 1)));
    expect(epoch.targets).toEqual([]);
  });

  it('lets its processes and calls go once none of its calls waits', async () => {
    const { timeouts, fired } = setup();
    const server: Target = { listed: undefined };
    const watching = new TestCall(timeouts, 100, fired, server);
    const other = new TestCall(timeouts, 100, fired);
    const epoch = watching.epoch;
    expect(other.epoch).toBe(epoch);
    await nextTurn();
    expect(epoch.targets).toEqual([server]);
    expect(epoch.others).toEqual([other]);
    watching.answer();
    other.answer();
    expect(epoch.targets).toEqual([]);
    expect(epoch.others).toBeUndefined();
    vi.advanceTimersByTime(1_000);
    expect(fired).toEqual([]);
  });
});

describe('CallTimeouts heap entry', () => {
  it('holds one timer-heap entry per runtime, however many calls wait and with how many timeout values', async () => {
    const rt = makeRuntime();
    const other = makeRuntime();
    const timeouts = new CallTimeouts(rt.timers);
    const otherTimeouts = new CallTimeouts(other.timers);
    const fired: TestCall[] = [];
    const calls = Array.from(
      { length: 5_000 },
      (_, i) => new TestCall(timeouts, 60_000 + (i % 5) * 1_000, fired),
    );
    const otherCall = new TestCall(otherTimeouts, 60_000, fired);
    await nextTurn();
    expect(rt.stats.timers).toBe(1);
    expect(other.stats.timers).toBe(1);
    // More calls in a later turn, some with a shorter timeout: still one entry, re-armed.
    calls.push(new TestCall(timeouts, 30_000, fired), new TestCall(timeouts, 90_000, fired));
    await nextTurn();
    expect(rt.stats.timers).toBe(1);
    for (const call of calls.slice(0, 2_500)) call.answer();
    expect(rt.stats.timers).toBe(1);
    for (const call of calls) call.answer();
    otherCall.answer();
    expect(rt.stats.timers).toBe(0);
    expect(other.stats.timers).toBe(0);
    expect(fired).toEqual([]);
  });
});
