import { describe, expect, it } from 'vitest';
import { type From, GenServer, type Pid, reply } from '../../src/index.js';
import { explore, TestRuntime } from '../../src/testing/index.js';

type Call = { type: 'balance' } | { type: 'withdraw'; amount: number };

class Account extends GenServer<number, Call> {
  override init(balance: number) {
    return balance;
  }
  override handleCall(request: Call, _from: From, balance: number) {
    const next = request.type === 'withdraw' ? balance - request.amount : balance;
    return reply(next, next);
  }
}

/** Check-then-act across two processes: right only when no other client comes between. */
async function withdrawIfEnough(self: Parameters<typeof GenServer.call>[0], account: Pid) {
  const balance = await GenServer.call<number>(self, account, { type: 'balance' });
  if (balance >= 100) await GenServer.call(self, account, { type: 'withdraw', amount: 100 });
}

async function race(rt: TestRuntime): Promise<void> {
  const account = await rt.start(Account, 100);
  const probe = rt.probe();
  const clients = [1, 2].map(() => rt.spawn((self) => withdrawIfEnough(self, account)));
  for (const client of clients) await probe.expectDown(client);
  const balance = await GenServer.call<number>(rt, account, { type: 'balance' });
  if (balance < 0) throw new Error(`balance ${balance} (${rt.replay})`);
}

describe('explore', () => {
  it('finds a check-then-act race that only some interleavings show, within 50 runs', async () => {
    const result = await explore(race, { runs: 50, seed: 1000 });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.seed).toBeGreaterThanOrEqual(1000);
    expect(result.seed).toBeLessThan(1050);
    expect((result.error as Error).message).toBe(
      `balance -100 (seed ${result.seed}: new TestRuntime({ seed: ${result.seed} }) replays this run)`,
    );
  });

  it('reports a seed that replays the failure every time, and the race passes under other seeds', async () => {
    const result = await explore(race, { runs: 50, seed: 0 });
    if (result.ok) throw new Error('expected a failing seed');
    for (let i = 0; i < 5; i++) {
      const rt = new TestRuntime({ seed: result.seed });
      await expect(race(rt)).rejects.toThrow('balance -100');
      await rt.shutdown();
    }
    let passed = 0;
    for (let seed = 0; seed < 20; seed++) {
      const rt = new TestRuntime({ seed });
      if (
        await race(rt).then(
          () => true,
          () => false,
        )
      )
        passed++;
      await rt.shutdown();
    }
    expect(passed).toBeGreaterThan(0);
    expect(passed).toBeLessThan(20);
  });

  it('resolves { ok: true, runs } when every run passes', async () => {
    let count = 0;
    const result = await explore(
      async (rt) => {
        count++;
        const account = await rt.start(Account, 100);
        await GenServer.call(rt, account, { type: 'withdraw', amount: 10 });
      },
      { runs: 25 },
    );
    expect(result).toEqual({ ok: true, runs: 25 });
    expect(count).toBe(25);
  });

  it('gives each run a fresh runtime with the seeds seed, seed + 1, ...', async () => {
    const seeds: number[] = [];
    const runtimes = new Set<TestRuntime>();
    await explore(
      (rt) => {
        seeds.push(rt.seed);
        runtimes.add(rt);
      },
      { runs: 3, seed: 0xffff_ffff },
    );
    expect(seeds).toEqual([0xffff_ffff, 0, 1]);
    expect(runtimes.size).toBe(3);
  });

  it('rejects bad options with TypeError or RangeError naming them', async () => {
    await expect(explore(race, { runs: 0 })).rejects.toThrow(RangeError);
    await expect(explore(race, { runs: 1.5 })).rejects.toThrow(/`runs`/);
    await expect(explore(race, { runs: 1, seed: -1 })).rejects.toThrow(/`seed`/);
    await expect(explore('race' as never, { runs: 1 })).rejects.toThrow(TypeError);
  });
});
