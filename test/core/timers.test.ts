import { describe, expect, it } from 'vitest';
import { type TimerEntry, Timers } from '../../src/core/timers.js';
import { Ref } from '../../src/index.js';
import { deferred, makeRuntime, probe } from '../helpers.js';

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

describe('Runtime.sendAfter', () => {
  it('delivers the message after the delay, after messages sent at once', async () => {
    const rt = makeRuntime();
    const p = probe(rt);
    const ref = rt.sendAfter(p.pid, 'later', 20);
    expect(ref).toBeInstanceOf(Ref);
    rt.send(p.pid, 'now');
    await expect(p.expectMessage()).resolves.toBe('now');
    await expect(p.expectMessage()).resolves.toBe('later');
    expect(rt.stats.timers).toBe(0);
  });

  it('delivers timers in deadline order', async () => {
    const rt = makeRuntime();
    const p = probe(rt);
    rt.sendAfter(p.pid, 30, 30);
    rt.sendAfter(p.pid, 10, 10);
    rt.sendAfter(p.pid, 0, 0);
    rt.sendAfter(p.pid, 20, 20);
    const got = [];
    for (let i = 0; i < 4; i++) got.push(await p.expectMessage());
    expect(got).toEqual([0, 10, 20, 30]);
  });

  it('resolves a name when the timer fires', async () => {
    const rt = makeRuntime();
    rt.sendAfter('late-name', 'hello', 20);
    const p = probe(rt, 'late-name');
    await expect(p.expectMessage()).resolves.toBe('hello');
  });

  it('drops the message when nobody holds the name or the pid is dead by then', async () => {
    const rt = makeRuntime();
    const dead = rt.spawn(() => {});
    const p = probe(rt);
    rt.sendAfter('nobody', 'lost', 5);
    rt.sendAfter(dead, 'lost', 5);
    rt.sendAfter({ via: 'NoRegistry', key: 1 }, 'lost', 5);
    rt.sendAfter(p.pid, 'after them', 15);
    await expect(p.expectMessage()).resolves.toBe('after them');
    expect(rt.log.entries).toEqual([]);
  });

  it('can be sent from inside a process', async () => {
    const rt = makeRuntime();
    const got = deferred<unknown>();
    rt.spawn(async (self) => {
      rt.sendAfter(self.pid, 'tick', 10);
      got.resolve(await self.receive());
    });
    expect(await got.promise).toBe('tick');
  });
});

describe('Runtime.cancelTimer', () => {
  it('returns the ms that were left and keeps the message from coming', async () => {
    const rt = makeRuntime();
    const p = probe(rt);
    const ref = rt.sendAfter(p.pid, 'cancelled', 30);
    const left = rt.cancelTimer(ref);
    expect(typeof left).toBe('number');
    expect(left).toBeGreaterThanOrEqual(0);
    expect(left).toBeLessThanOrEqual(30);
    expect(rt.stats.timers).toBe(0);
    await p.expectNoMessage(60);
  });

  it('returns about the whole delay for a long timer cancelled at once', () => {
    const rt = makeRuntime();
    const ref = rt.sendAfter('anyone', 'x', 60_000);
    const left = rt.cancelTimer(ref) as number;
    expect(left).toBeGreaterThan(55_000);
    expect(left).toBeLessThanOrEqual(60_000);
  });

  it('returns false for a timer that already fired or was cancelled', async () => {
    const rt = makeRuntime();
    const p = probe(rt);
    const fired = rt.sendAfter(p.pid, 'fired', 5);
    await p.expectMessage();
    expect(rt.cancelTimer(fired)).toBe(false);
    const twice = rt.sendAfter(p.pid, 'x', 1_000);
    expect(rt.cancelTimer(twice)).not.toBe(false);
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
