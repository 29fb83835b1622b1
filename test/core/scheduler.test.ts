import { readFile } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { MessageHandler } from '../../src/core/process.js';
import { type Runnable, Scheduler } from '../../src/core/scheduler.js';
import type { Pid } from '../../src/index.js';
import { deferred, makeRuntime } from '../helpers.js';

/** A runnable that records its runs in a shared log and then does `then`. */
function runnable(
  name: string,
  log: string[],
  then?: (budget: number) => void,
): Runnable & { budgets: number[] } {
  const budgets: number[] = [];
  return {
    queued: false,
    budgets,
    run(budget) {
      log.push(name);
      budgets.push(budget);
      then?.(budget);
    },
  };
}

function withScheduler(budget = 10): { scheduler: Scheduler; errors: unknown[] } {
  const errors: unknown[] = [];
  const scheduler = new Scheduler(budget, (error) => errors.push(error));
  return { scheduler, errors };
}

describe('Scheduler.enqueue', () => {
  it('runs runnables later, in the order they were queued, with the budget', async () => {
    const { scheduler } = withScheduler(7);
    const log: string[] = [];
    const done = deferred();
    const a = runnable('a', log);
    const b = runnable('b', log);
    const c = runnable('c', log, () => done.resolve());
    scheduler.enqueue(a);
    scheduler.enqueue(b);
    scheduler.enqueue(c);
    expect(log).toEqual([]);
    expect(scheduler.length).toBe(3);
    await done.promise;
    expect(log).toEqual(['a', 'b', 'c']);
    expect(a.budgets).toEqual([7]);
    expect(scheduler.length).toBe(0);
  });

  it('gives back the memory of a burst once the queue drains', async () => {
    const { scheduler } = withScheduler();
    const log: string[] = [];
    const done = deferred();
    for (let i = 0; i < 9_999; i++) scheduler.enqueue(runnable('r', log));
    scheduler.enqueue(runnable('last', log, () => done.resolve()));
    expect(scheduler.capacity).toBeGreaterThanOrEqual(10_000);
    await done.promise;
    expect(log).toHaveLength(10_000);
    expect(scheduler.length).toBe(0);
    expect(scheduler.capacity).toBeLessThanOrEqual(64);
  });

  it('queues a runnable at most once until it has run', async () => {
    const { scheduler } = withScheduler();
    const log: string[] = [];
    const done = deferred();
    const a = runnable('a', log);
    scheduler.enqueue(a);
    scheduler.enqueue(a);
    expect(a.queued).toBe(true);
    scheduler.enqueue(runnable('end', log, () => done.resolve()));
    await done.promise;
    expect(log).toEqual(['a', 'end']);
    expect(a.queued).toBe(false);
  });

  it('puts a runnable that queues itself again behind those already waiting', async () => {
    const { scheduler } = withScheduler();
    const log: string[] = [];
    const done = deferred();
    let turns = 0;
    const a: Runnable = runnable('a', log, () => {
      if (++turns < 3) scheduler.enqueue(a);
      else done.resolve();
    });
    scheduler.enqueue(a);
    scheduler.enqueue(runnable('b', log));
    scheduler.enqueue(runnable('c', log));
    await done.promise;
    expect(log).toEqual(['a', 'b', 'c', 'a', 'a']);
  });

  it('reports an error thrown by a runnable and goes on with the others', async () => {
    const { scheduler, errors } = withScheduler();
    const log: string[] = [];
    const done = deferred();
    const boom = new Error('bug');
    scheduler.enqueue(
      runnable('bad', log, () => {
        throw boom;
      }),
    );
    scheduler.enqueue(runnable('good', log, () => done.resolve()));
    await done.promise;
    expect(log).toEqual(['bad', 'good']);
    expect(errors).toEqual([boom]);
  });

  it('yields to timers and I/O while a runnable keeps itself busy forever', async () => {
    const { scheduler } = withScheduler();
    const timer = deferred<number>();
    const io = deferred<number>();
    const immediate = deferred<number>();
    let runs = 0;
    const busy: Runnable = {
      queued: false,
      run() {
        // The callbacks are set up from the first run, so they can only fire while it goes on.
        if (++runs === 1) {
          setTimeout(() => timer.resolve(runs), 5);
          setImmediate(() => immediate.resolve(runs));
          readFile(fileURLToPath(import.meta.url), () => io.resolve(runs));
        }
        scheduler.enqueue(busy);
      },
    };
    scheduler.enqueue(busy);
    // Were the event loop starved, these would never settle and the test would time out.
    const fired = await Promise.all([timer.promise, io.promise, immediate.promise]);
    const atEnd = runs;
    scheduler.stop();
    for (const at of fired) expect(at).toBeGreaterThan(1);
    expect(atEnd).toBeGreaterThanOrEqual(Math.max(...fired));
  });
});

describe('Scheduler.stop', () => {
  it('drops what is queued and refuses new runnables', async () => {
    const { scheduler } = withScheduler();
    const log: string[] = [];
    const a = runnable('a', log);
    scheduler.enqueue(a);
    scheduler.stop();
    expect(scheduler.length).toBe(0);
    expect(a.queued).toBe(false);
    scheduler.enqueue(runnable('b', log));
    expect(scheduler.length).toBe(0);
    // A runtime-level round trip proves the event loop moved on without running them.
    const rt = makeRuntime();
    const pid = rt.spawn(() => {});
    await rt.awaitExit(pid);
    expect(log).toEqual([]);
  });
});

describe('Runtime scheduling', () => {
  it('keeps a timer and I/O running promptly while 2,000 processes exchange messages without pause', async () => {
    const rt = makeRuntime();
    const pairs = 1_000;
    // The flood is at most `cap` messages, dozens of times what the callbacks need to
    // get their turn on a fair scheduler; to keep the test short it stops as soon as
    // the timer, the I/O callback and the immediate have all run.
    const cap = 1_000_000;
    let messages = 0;
    const fired: { timer?: number; io?: number; immediate?: number } = {};
    const allFired = (): boolean =>
      fired.timer !== undefined && fired.io !== undefined && fired.immediate !== undefined;
    let armed = false;
    const arm = (): void => {
      armed = true;
      setTimeout(() => (fired.timer = messages), 5);
      setImmediate(() => (fired.immediate = messages));
      readFile(fileURLToPath(import.meta.url), () => (fired.io = messages));
    };
    let finished = 0;
    const flood = deferred<number>();
    const pongs: Pid[] = [];
    for (let p = 0; p < pairs; p++) {
      const pong = rt.spawn(async (self) => {
        for (;;) {
          const from = await self.receive();
          if (from === 'stop') return;
          self.send(from as Pid, 'pong');
        }
      });
      pongs.push(pong);
      rt.spawn(async (self) => {
        // Every pair keeps going, without a single pause, until the callbacks have run.
        while (!allFired() && messages < cap) {
          self.send(pong, self.pid);
          await self.receive();
          messages += 2;
          if (!armed && messages >= 10_000) arm();
        }
        self.send(pong, 'stop');
        if (++finished === pairs) flood.resolve(messages);
      });
    }
    const total = await flood.promise;
    expect(allFired()).toBe(true);
    // Each callback ran while messages were still flowing: after the flood began (the
    // callbacks were set up at 10,000 messages), before it would have ended, and the
    // pairs in flight went on after it.
    for (const at of [fired.timer, fired.io, fired.immediate]) {
      expect(at).toBeGreaterThanOrEqual(10_000);
      expect(at).toBeLessThan(cap);
    }
    expect(total).toBeGreaterThan(Math.max(fired.timer!, fired.io!, fired.immediate!));
    await Promise.all(pongs.map((pong) => rt.awaitExit(pong)));
    expect(rt.processes()).toEqual([]);
  });

  it('lets a process take at most `budget` messages before the others queued get their turn', async () => {
    const rt = makeRuntime({ budget: 5 });
    let handled = 0;
    const seenByB = deferred<number>();
    const b = rt.spawn(async (self) => {
      await self.receive();
      seenByB.resolve(handled);
    });
    const a = rt.spawn(async (self) => {
      self.send(b, 'your turn');
      for (let i = 0; i < 1_000; i++) {
        await self.receive();
        handled++;
      }
    });
    for (let i = 0; i < 1_000; i++) rt.send(a, i);
    expect(await seenByB.promise).toBeLessThanOrEqual(5);
    expect(await rt.awaitExit(a)).toBe('normal');
    expect(handled).toBe(1_000);
  });

  it('hands each handler-driven process `budget` messages per turn, round robin', async () => {
    const run = async (budget: number): Promise<string> => {
      const rt = makeRuntime({ budget });
      const log: string[] = [];
      const done = deferred();
      const handler = (name: string): MessageHandler => ({
        handle: () => {
          log.push(name);
          if (log.length === 20) done.resolve();
          return undefined;
        },
      });
      const h1 = rt.spawnHandler(handler('1'), undefined, 'test');
      const h2 = rt.spawnHandler(handler('2'), undefined, 'test');
      for (let i = 0; i < 10; i++) h1.deliver(i);
      for (let i = 0; i < 10; i++) h2.deliver(i);
      await done.promise;
      return log.join('');
    };
    expect(await run(3)).toBe('11122211122211122212');
    expect(await run(200)).toBe('11111111112222222222');
  });

  it('never runs a process synchronously from spawn or send', async () => {
    const rt = makeRuntime();
    const log: string[] = [];
    const pid = rt.spawn(async (self) => {
      log.push('started');
      log.push(String(await self.receive()));
    });
    rt.send(pid, 'message');
    log.push('after send');
    await rt.awaitExit(pid);
    expect(log).toEqual(['after send', 'started', 'message']);
  });
});
