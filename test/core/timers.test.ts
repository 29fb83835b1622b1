import { describe, expect, it } from 'vitest';
import { type TimerEntry, Timers } from '../../src/core/timers.js';
import { Ref, Timeout } from '../../src/index.js';
import { deferred, makeRuntime, makeTestRuntime, probe } from '../helpers.js';

function entry(timers: Timers, ms: number, fire: (e: TimerEntry) => void): TimerEntry {
  return { deadline: timers.now() + ms, cancelled: false, fire };
}

describe('Timers.add', () => {
  it('fires entries in deadline order, whatever order they were added in', async () => {
    const timers = new Timers();
    const fired: number[] = [];
    const done = deferred();
    const delays = [25, 5, 40, 15, 10, 30, 20, 35];
    for (const ms of delays) {
      timers.add(
        entry(timers, ms, () => {
          fired.push(ms);
          if (fired.length === delays.length) done.resolve();
        }),
      );
    }
    expect(timers.size).toBe(delays.length);
    await done.promise;
    expect(fired).toEqual([...delays].sort((a, b) => a - b));
    expect(timers.size).toBe(0);
  });

  it('marks a fired entry cancelled, and fires an entry added while firing', async () => {
    const timers = new Timers();
    const done = deferred<TimerEntry[]>();
    const first = entry(timers, 5, () => {
      timers.add(entry(timers, 5, (second) => done.resolve([first, second])));
    });
    timers.add(first);
    const [a, b] = await done.promise;
    expect(a?.cancelled).toBe(true);
    expect(b?.cancelled).toBe(true);
  });
});

describe('Timers.cancel', () => {
  it('keeps a cancelled entry from firing and stops counting it', async () => {
    const timers = new Timers();
    const fired: string[] = [];
    const done = deferred();
    const cancelled = entry(timers, 5, () => fired.push('cancelled'));
    timers.add(cancelled);
    timers.add(
      entry(timers, 20, () => {
        fired.push('kept');
        done.resolve();
      }),
    );
    timers.cancel(cancelled);
    timers.cancel(cancelled);
    expect(timers.size).toBe(1);
    await done.promise;
    expect(fired).toEqual(['kept']);
  });

  it('keeps the rest firing in order after many cancellations rebuild the heap', async () => {
    const timers = new Timers();
    const fired: number[] = [];
    const done = deferred();
    const entries: TimerEntry[] = [];
    for (let i = 0; i < 300; i++) {
      const ms = 5 + ((i * 7) % 30);
      entries.push(
        entry(timers, ms, () => {
          fired.push(ms);
          if (fired.length === 100) done.resolve();
        }),
      );
    }
    for (const e of entries) timers.add(e);
    entries.forEach((e, i) => {
      if (i % 3 !== 0) timers.cancel(e);
    });
    expect(timers.size).toBe(100);
    await done.promise;
    expect(fired).toEqual([...fired].sort((a, b) => a - b));
    expect(timers.size).toBe(0);
  });
});

describe('Timers.stop', () => {
  it('drops every entry and refuses new ones', async () => {
    const timers = new Timers();
    const fired: string[] = [];
    const e = entry(timers, 5, () => fired.push('dropped'));
    timers.add(e);
    timers.stop();
    expect(timers.size).toBe(0);
    expect(e.cancelled).toBe(true);
    timers.add(entry(timers, 0, () => fired.push('refused')));
    expect(timers.size).toBe(0);
    // A 20 ms timer of a runtime that did fire shows that the dropped ones had their time.
    const rt = makeRuntime();
    const p = probe(rt);
    rt.sendAfter(p.pid, 'later', 20);
    await p.expectMessage();
    expect(fired).toEqual([]);
  });
});

describe('Timers.nextDeadline and Timers.fireNext', () => {
  it('give the earliest live deadline and fire only entries due by the limit, in order', () => {
    const timers = new Timers();
    const fired: number[] = [];
    // Deadlines far off, so that the Node.js timer does not fire them first.
    const base = timers.now() + 60_000;
    const entries = [30, 10, 20].map(
      (ms): TimerEntry => ({ deadline: base + ms, cancelled: false, fire: () => fired.push(ms) }),
    );
    for (const e of entries) timers.add(e);
    timers.cancel(entries[1]!);
    expect(timers.nextDeadline()).toBe(base + 20);
    expect(timers.fireNext(base + 19)).toBe(false);
    expect(timers.fireNext(base + 20)).toBe(true);
    expect(timers.fireNext(Number.POSITIVE_INFINITY)).toBe(true);
    expect(timers.fireNext(Number.POSITIVE_INFINITY)).toBe(false);
    expect(fired).toEqual([20, 30]);
    expect(timers.nextDeadline()).toBe(Number.POSITIVE_INFINITY);
    timers.stop();
  });

  it('report a failing entry to onError and go on', () => {
    const errors: unknown[] = [];
    const timers = new Timers((error) => errors.push(error));
    timers.add(
      entry(timers, 0, () => {
        throw new Error('bad entry');
      }),
    );
    expect(timers.fireNext(Number.POSITIVE_INFINITY)).toBe(true);
    expect(errors).toEqual([new Error('bad entry')]);
    timers.stop();
  });
});

// The runtime's timers on a TestRuntime: virtual time makes each delay exact and the
// tests instant.

describe('Runtime.sendAfter', () => {
  it('delivers the message exactly after the delay, after messages sent at once', async () => {
    const rt = makeTestRuntime();
    const p = rt.probe();
    const ref = rt.sendAfter(p.pid, 'later', 20);
    expect(ref).toBeInstanceOf(Ref);
    rt.send(p.pid, 'now');
    await expect(p.expectMessage()).resolves.toBe('now');
    expect(rt.now()).toBe(0);
    await p.expectNoMessage(19);
    await expect(p.expectMessage()).resolves.toBe('later');
    expect(rt.now()).toBe(20);
    expect(rt.stats.timers).toBe(0);
  });

  it('delivers timers in deadline order, each at its deadline', async () => {
    const rt = makeTestRuntime();
    const p = rt.probe();
    rt.sendAfter(p.pid, 30, 30);
    rt.sendAfter(p.pid, 10, 10);
    rt.sendAfter(p.pid, 0, 0);
    rt.sendAfter(p.pid, 20, 20);
    const got = [];
    for (let i = 0; i < 4; i++) got.push([await p.expectMessage(), rt.now()]);
    expect(got).toEqual([
      [0, 0],
      [10, 10],
      [20, 20],
      [30, 30],
    ]);
  });

  it('resolves a name when the timer fires', async () => {
    const rt = makeTestRuntime();
    rt.sendAfter('late-name', 'hello', 20);
    const p = rt.probe();
    rt.register('late-name', p.pid);
    await expect(p.expectMessage()).resolves.toBe('hello');
  });

  it('drops the message when nobody holds the name or the pid is dead by then', async () => {
    const rt = makeTestRuntime();
    const dead = rt.spawn(() => {});
    const p = rt.probe();
    rt.sendAfter('nobody', 'lost', 5);
    rt.sendAfter(dead, 'lost', 5);
    rt.sendAfter({ via: 'NoRegistry', key: 1 }, 'lost', 5);
    rt.sendAfter(p.pid, 'after them', 15);
    await expect(p.expectMessage()).resolves.toBe('after them');
    expect(rt.logs).toEqual([]);
  });

  it('can be sent from inside a process', async () => {
    const rt = makeTestRuntime();
    const got = deferred<unknown>();
    rt.spawn(async (self) => {
      rt.sendAfter(self.pid, 'tick', 10);
      got.resolve(await self.receive());
    });
    await rt.advance(10);
    expect(await got.promise).toBe('tick');
  });
});

describe('Runtime.cancelTimer', () => {
  it('returns the ms that were left and keeps the message from coming', async () => {
    const rt = makeTestRuntime();
    const p = rt.probe();
    const ref = rt.sendAfter(p.pid, 'cancelled', 30);
    await rt.advance(12);
    expect(rt.cancelTimer(ref)).toBe(18);
    expect(rt.stats.timers).toBe(0);
    await p.expectNoMessage(60);
  });

  it('returns the whole delay for a long timer cancelled at once', () => {
    const rt = makeTestRuntime();
    const ref = rt.sendAfter('anyone', 'x', 60_000);
    expect(rt.cancelTimer(ref)).toBe(60_000);
  });

  it('returns false for a timer that already fired or was cancelled', async () => {
    const rt = makeTestRuntime();
    const p = rt.probe();
    const fired = rt.sendAfter(p.pid, 'fired', 5);
    await p.expectMessage();
    expect(rt.cancelTimer(fired)).toBe(false);
    const twice = rt.sendAfter(p.pid, 'x', 1_000);
    expect(rt.cancelTimer(twice)).toBe(1_000);
    expect(rt.cancelTimer(twice)).toBe(false);
  });

  it('returns false for a ref that names no timer', async () => {
    const rt = makeRuntime();
    const got = deferred<unknown>();
    rt.spawn(async (self) => {
      got.resolve(self.monitor(self.pid));
    });
    const ref = (await got.promise) as Ref;
    expect(rt.cancelTimer(ref)).toBe(false);
  });
});

describe('Self.receive with a timeout', () => {
  it('resolves Timeout exactly at the timeout, and a message that comes first cancels it', async () => {
    const rt = makeTestRuntime();
    const outcomes: Array<[unknown, number]> = [];
    const pid = rt.spawn(async (self) => {
      outcomes.push([await self.receive({ timeout: 100 }), rt.now()]);
      outcomes.push([await self.receive({ timeout: 100 }), rt.now()]);
    });
    await rt.advance(100);
    rt.sendAfter(pid, 'early', 99);
    await rt.advance(200);
    expect(outcomes).toEqual([
      [Timeout, 100],
      ['early', 199],
    ]);
    expect(rt.stats.timers).toBe(0);
  });
});
