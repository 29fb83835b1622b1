import { describe, expect, it } from 'vitest';
import {
  CallTimeoutError,
  type From,
  GenServer,
  noreply,
  type Pid,
  reply,
  Supervisor,
  Task,
  Timeout,
} from '../../src/index.js';
import { TestRuntime } from '../../src/testing/index.js';

/** A server that answers 'ping' at once and never answers 'hang'. */
class Pinger extends GenServer<number, 'ping' | 'hang', never, never> {
  override init(n: number) {
    return n;
  }
  override handleCall(request: 'ping' | 'hang', _from: From, state: number) {
    if (request === 'hang') return noreply(state);
    return reply('pong', state);
  }
}

describe('new TestRuntime', () => {
  it('starts its clock at 0 and keeps the seed it was given', async () => {
    const rt = new TestRuntime({ seed: 7 });
    expect(rt.now()).toBe(0);
    expect(rt.seed).toBe(7);
    expect(rt.replay).toBe('seed 7: new TestRuntime({ seed: 7 }) replays this run');
    await rt.shutdown();
  });

  it('draws a seed when none is given', async () => {
    const rt = new TestRuntime();
    expect(Number.isInteger(rt.seed)).toBe(true);
    await rt.shutdown();
  });

  it('refuses a seed that is not a 32-bit unsigned integer', () => {
    expect(() => new TestRuntime({ seed: -1 })).toThrow(RangeError);
    expect(() => new TestRuntime({ seed: 1.5 })).toThrow(/seed/);
    expect(() => new TestRuntime({ seed: '1' as never })).toThrow(TypeError);
  });
});

describe('TestRuntime.advance', () => {
  it('times a receive out exactly when the clock reaches it, and no sooner', async () => {
    const rt = new TestRuntime();
    let outcome: unknown;
    rt.spawn(async (self) => {
      outcome = await self.receive({ timeout: 5000 });
    });
    await rt.advance(4999);
    expect(outcome).toBeUndefined();
    await rt.advance(1);
    expect(outcome).toBe(Timeout);
    expect(rt.now()).toBe(5000);
    await rt.shutdown();
  });

  it('delivers sendAfter messages in time order, each at its own time', async () => {
    const rt = new TestRuntime();
    const probe = rt.probe();
    const seen: Array<[unknown, number]> = [];
    rt.sendAfter(probe.pid, 'c', 300);
    rt.sendAfter(probe.pid, 'a', 100);
    rt.sendAfter(probe.pid, 'b', 200);
    for (let i = 0; i < 3; i++) seen.push([await probe.expectMessage(), rt.now()]);
    expect(seen).toEqual([
      ['a', 100],
      ['b', 200],
      ['c', 300],
    ]);
    await rt.shutdown();
  });

  it('times a call out at its timeout in virtual time', async () => {
    const rt = new TestRuntime();
    const server = await rt.start(Pinger, 0);
    const call = GenServer.call(rt, server, 'hang', 5000);
    const settled = call.catch((error: unknown) => error);
    await rt.advance(4999);
    await rt.advance(1);
    const error = await settled;
    expect(error).toBeInstanceOf(CallTimeoutError);
    expect(rt.now()).toBe(5000);
    await rt.shutdown();
  });

  it('times calls out exactly, never a millisecond early, whenever each was made', async () => {
    const rt = new TestRuntime();
    const server = await rt.start(Pinger, 0);
    const failedAt: Record<string, number> = {};
    const call = (name: string) =>
      GenServer.call(rt, server, 'hang', 100).catch(() => {
        failedAt[name] = rt.now();
      });
    const first = call('first');
    await rt.advance(1);
    const second = call('second');
    await rt.advance(99);
    expect(failedAt).toEqual({ first: 100 });
    await rt.advance(1);
    await Promise.all([first, second]);
    expect(failedAt).toEqual({ first: 100, second: 101 });
    await rt.shutdown();
  });

  it('rejects a negative or infinite ms', async () => {
    const rt = new TestRuntime();
    await expect(rt.advance(-1)).rejects.toThrow(RangeError);
    await expect(rt.advance(Number.POSITIVE_INFINITY)).rejects.toThrow(/finite/);
    await rt.shutdown();
  });
});

describe('TestRuntime timers of the behaviours', () => {
  it('times Task.await out on the virtual clock, and the task keeps running', async () => {
    const rt = new TestRuntime();
    const task = Task.async(rt, async (self) => {
      await self.receive();
      return 'late';
    });
    const timedOut = expect(Task.await(task, 1000)).rejects.toMatchObject({ reason: 'timeout' });
    await rt.advance(999);
    expect(rt.isAlive(task.pid)).toBe(true);
    await rt.advance(1);
    await timedOut;
    expect(rt.isAlive(task.pid)).toBe(true);
    await rt.shutdown();
  });
});

describe('TestRuntime.runUntilIdle', () => {
  it('runs ready processes until none is ready, without moving the clock', async () => {
    const rt = new TestRuntime();
    const server = await rt.start(Pinger, 0);
    for (let i = 0; i < 10; i++) rt.send(server, `stray ${i}`);
    await rt.runUntilIdle();
    expect(rt.info(server)?.messageQueueLen).toBe(0);
    expect(rt.now()).toBe(0);
    await rt.shutdown();
  });
});

describe('TestRuntime scheduling', () => {
  async function interleaving(seed: number): Promise<string[]> {
    const rt = new TestRuntime({ seed });
    const order: string[] = [];
    const workers: Pid[] = [];
    for (const name of ['a', 'b', 'c']) {
      workers.push(
        rt.spawn(async (self) => {
          for (let i = 0; i < 3; i++) {
            await self.receive();
            order.push(`${name}${i}`);
          }
        }),
      );
    }
    for (let i = 0; i < 3; i++) for (const w of workers) rt.send(w, i);
    await rt.runUntilIdle();
    await rt.shutdown();
    return order;
  }

  it('gives the same interleaving for the same seed', async () => {
    expect(await interleaving(123)).toEqual(await interleaving(123));
  });

  it('gives different interleavings for different seeds', async () => {
    const seen = new Set<string>();
    for (let seed = 0; seed < 10; seed++) seen.add((await interleaving(seed)).join(' '));
    expect(seen.size).toBeGreaterThan(1);
  });
});

describe('TestRuntime determinism', () => {
  /** A supervision tree with crashes, restarts and timers: its trace of events. */
  async function trace(seed: number): Promise<string[]> {
    const rt = new TestRuntime({ seed });
    const events: string[] = [];
    rt.on('exit', (pid, reason) => events.push(`${rt.now()} exit ${pid} ${String(reason)}`));
    rt.on('restart', (_sup, id, _reason, _old, pid) =>
      events.push(`${rt.now()} restart ${String(id)} ${pid}`),
    );
    class Flaky extends GenServer<number, 'ping', never, 'tick'> {
      override init(n: number) {
        this.self.runtime.sendAfter(this.self.pid, 'tick', 10 * n);
        return n;
      }
      override handleInfo(_tick: 'tick', n: number): never {
        throw new Error(`flaky ${n} gave up`);
      }
    }
    await rt.start(Supervisor, {
      children: [1, 2, 3].map((n) => ({ id: n, start: [Flaky, n] as const })),
      maxRestarts: 100,
    });
    await rt.advance(95);
    events.push(...rt.logs.map((l) => `${l.level}: ${l.message.split('\n')[0]}`));
    await rt.shutdown();
    return events;
  }

  it('replays a supervision tree with crashes and timers exactly from its seed', async () => {
    const first = await trace(42);
    expect(first.length).toBeGreaterThan(20);
    expect(await trace(42)).toEqual(first);
  });
});

describe('TestRuntime.shutdown', () => {
  it('moves the clock through a child shutdown timeout by itself', async () => {
    const rt = new TestRuntime();
    class Stubborn extends GenServer<null, never, never, never> {
      override init() {
        this.self.trapExit(true);
        return null;
      }
      override async terminate() {
        await new Promise<never>(() => {});
      }
    }
    await rt.start(Supervisor, {
      children: [{ id: 'stubborn', start: [Stubborn, null], shutdown: 2000 }],
    });
    await rt.shutdown();
    expect(rt.now()).toBe(2000);
    expect(rt.processes()).toEqual([]);
  });
});

describe('TestRuntime.shutdown (its own timeout)', () => {
  it('kills what outlives the shutdown timeout exactly when the virtual timeout passes', async () => {
    const rt = new TestRuntime();
    const stubborn = rt.spawn(async (self) => {
      self.trapExit(true);
      for (;;) await self.receive();
    });
    await rt.runUntilIdle();
    const exit = rt.awaitExit(stubborn).then((reason) => [reason, rt.now()]);
    await rt.shutdown({ timeout: 750 });
    expect(await exit).toEqual(['killed', 750]);
  });

  it('returns the same promise when called again', async () => {
    const rt = new TestRuntime();
    const first = rt.shutdown();
    expect(rt.shutdown()).toBe(first);
    await first;
  });
});

describe('new TestRuntime options', () => {
  it('passes messages and name on, and forwards reports to a logger when given one', async () => {
    const forwarded: unknown[][] = [];
    const record = (...args: unknown[]) => forwarded.push(args);
    const rt = new TestRuntime({
      name: 'kit',
      messages: 'copy',
      logger: { error: record, warn: record, info: record, debug: record },
    });
    expect(rt.name).toBe('kit');
    expect(rt.messages).toBe('copy');
    const probe = rt.probe();
    const pid = rt.spawn(() => {
      throw new Error('reported');
    });
    await probe.expectDown(pid);
    expect(forwarded).toHaveLength(1);
    expect(rt.logs).toHaveLength(1);
    await rt.shutdown();
  });
});

describe('TestRuntime.logs', () => {
  it('records crash reports as level and message', async () => {
    const rt = new TestRuntime();
    const probe = rt.probe();
    const pid = rt.spawn(() => {
      throw new Error('boom');
    });
    expect(await probe.expectDown(pid)).toBeInstanceOf(Error);
    expect(rt.logs).toHaveLength(1);
    expect(rt.logs[0]!.level).toBe('error');
    expect(rt.logs[0]!.message).toContain('boom');
    await rt.shutdown();
  });
});
