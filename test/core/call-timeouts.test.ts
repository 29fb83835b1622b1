import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CallTimeouts, type Epoch, type TimedCall } from '../../src/core/call-timeouts.js';
import { Timers } from '../../src/core/timers.js';
import { makeRuntime } from '../helpers.js';

/**
 * A call as `From` is one to its timeout: it keeps the epoch `add` returned, and
 * settling it (answer or timeout) reports `done()` once.
 */
class TestCall implements TimedCall {
  pending = true;
  /** The clock when its timeout fired, if it did. */
  firedAt: number | undefined = undefined;
  readonly timeout: number;
  readonly #epoch: Epoch;
  readonly #fired: TestCall[];

  constructor(timeouts: CallTimeouts, timeout: number, fired: TestCall[]) {
    this.timeout = timeout;
    this.#fired = fired;
    this.#epoch = timeouts.add(this, timeout);
  }

  get startedBy(): number {
    return this.#epoch.stamp;
  }

  timedOut(timeout: number): void {
    expect(timeout).toBe(this.timeout);
    this.firedAt = performance.now();
    this.#fired.push(this);
    this.#settle();
  }

  answer(): void {
    if (this.pending) this.#settle();
  }

  #settle(): void {
    this.pending = false;
    this.#epoch.owner.done();
  }
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

describe('CallTimeouts.add', () => {
  // Only the clock and the timer functions are fake: `setImmediate`, which both the
  // stamp and the scheduler use, stays real.
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('times out calls with the same timeout in the order they were made, each at its own deadline', async () => {
    const { timeouts, fired } = setup();
    const start = performance.now();
    const first = [0, 1, 2].map(() => new TestCall(timeouts, 100, fired));
    await nextTurn();
    vi.advanceTimersByTime(10);
    const second = [0, 1].map(() => new TestCall(timeouts, 100, fired));
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
    const made = [300, 100, 200, 100, 300, 200, 50].map((ms) => new TestCall(timeouts, ms, fired));
    await nextTurn();
    vi.advanceTimersByTime(1_000);
    // By deadline; calls with the same timeout in the order they were made.
    expect(fired).toEqual([made[6], made[1], made[3], made[2], made[5], made[0], made[4]]);
    for (const call of made) expect(call.firedAt).toBe(start + call.timeout);
  });

  it('re-arms the heap entry for a shorter timeout made in a later turn', async () => {
    const { timers, timeouts, fired } = setup();
    const long = new TestCall(timeouts, 1_000, fired);
    await nextTurn();
    vi.advanceTimersByTime(10);
    const start = performance.now();
    const short = new TestCall(timeouts, 50, fired);
    await nextTurn();
    expect(timers.size).toBe(1);
    vi.advanceTimersByTime(50);
    expect(fired).toEqual([short]);
    expect(short.firedAt).toBe(start + 50);
    vi.advanceTimersByTime(940);
    expect(fired).toEqual([short, long]);
  });

  it('never fires early: the timeout counts from a stamp read after the call', async () => {
    const { timeouts, fired } = setup();
    const madeAt = performance.now();
    const call = new TestCall(timeouts, 100, fired);
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
    const [due, withIt, later] = [100, 101, 102].map((ms) => new TestCall(timeouts, ms, fired));
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
    const call = new TestCall(timeouts, 100, fired);
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
    const first = new TestCall(timeouts, 100, fired);
    await nextTurn();
    vi.advanceTimersByTime(100);
    expect(fired).toEqual([first]);
    expect(timers.size).toBe(0);

    const start = performance.now();
    const again = new TestCall(timeouts, 100, fired);
    const other = new TestCall(timeouts, 40, fired);
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
        calls.push(new TestCall(timeouts, values[(turn + i) % values.length]!, fired));
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

describe('CallTimeouts.done', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('never fires a call that was answered, at the front of its ring or behind others', async () => {
    const { timeouts, fired } = setup();
    const [a, b, c, d] = [0, 1, 2, 3].map(() => new TestCall(timeouts, 100, fired));
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
    const calls = [100, 200, 100].map((ms) => new TestCall(timeouts, ms, fired));
    await nextTurn();
    expect(timers.size).toBe(1);
    for (const call of calls) call.answer();
    expect(timeouts.pending).toBe(0);
    expect(timers.size).toBe(0);
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
