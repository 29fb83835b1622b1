import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../../src/behaviours/supervision/backoff.js';
import type { NormalizedBackoff } from '../../../src/behaviours/supervision/child-spec.js';
import { timersOf } from '../../../src/core/kernel.js';
import {
  type Backoff,
  type ChildSpec,
  DynamicSupervisor,
  type ExitReason,
  type From,
  GenServer,
  InvalidChildSpecError,
  ok,
  type Pid,
  type Runtime,
  reply,
  Supervisor,
  SupervisorError,
  stop,
  type Timeout,
} from '../../../src/index.js';
import type { TestRuntime } from '../../../src/testing/index.js';
import { deferred, makeRuntime, makeTestRuntime, probe, settle } from '../../helpers.js';

// Restart backoff (SPEC section 4). Tests wait on 'restart' events, exits and calls,
// never on sleeps. The tests of the delays run on a TestRuntime, whose virtual clock
// makes them exact (each restart comes at the sum of the delays announced) and instant;
// the others check delays through the supervisor's info report, which names each one.

/** What a start of a Flaky child does: crash at once, run `n` ms then crash, or stay up. */
type Plan = 'crash' | number | 'stay';

interface FlakyArg {
  /** One plan per start, in order; `'stay'` once they run out. */
  plans?: Plan[];
  /** init throws while this returns true (the service it needs is down). */
  down?: () => boolean;
}

class Flaky extends GenServer<FlakyArg, 'ping', 'crash' | 'stop', typeof Timeout> {
  override init(arg: FlakyArg) {
    if (arg.down?.() === true) throw new Error('service down');
    const plan = arg.plans?.shift() ?? 'stay';
    if (plan === 'crash') return ok(arg, { continue: 'crash' });
    if (typeof plan === 'number') return ok(arg, { timeout: plan });
    return arg;
  }

  override handleContinue(): never {
    throw new Error('crashed as it started');
  }

  override handleInfo(_timeout: typeof Timeout): never {
    throw new Error('crashed after running');
  }

  override handleCast(request: 'crash' | 'stop', state: FlakyArg) {
    if (request === 'crash') throw new Error('crashed');
    return stop('normal', state);
  }

  override handleCall(_request: 'ping', _from: From, state: FlakyArg) {
    return reply('pong', state);
  }
}

function flaky(id: string, backoff: Backoff, arg: FlakyArg = {}, extra: Partial<ChildSpec> = {}) {
  return { id, start: [Flaky, arg] as const, backoff, ...extra } satisfies ChildSpec;
}

type RestartArgs = [
  supervisor: Pid,
  id: unknown,
  reason: ExitReason,
  oldPid: Pid | undefined,
  newPid: Pid | undefined,
];

interface Timed {
  args: RestartArgs;
  at: number;
}

/** Resolves with the next `n` 'restart' events of `rt`, each with the time it came. */
function nextRestarts(rt: Runtime, n = 1): Promise<Timed[]> {
  const now = (): number => ('advance' in rt ? (rt as TestRuntime).now() : performance.now());
  return new Promise((resolve) => {
    const got: Timed[] = [];
    const listener = (...args: RestartArgs): void => {
      got.push({ args, at: now() });
      if (got.length === n) {
        rt.off('restart', listener);
        resolve(got);
      }
    };
    rt.on('restart', listener);
  });
}

function countRestarts(rt: Runtime): { readonly count: number } {
  const counter = { count: 0 };
  rt.on('restart', () => {
    counter.count++;
  });
  return counter;
}

/** The delays the supervisor announced, in order, as `[ms, n]` pairs. */
function announced(rt: ReturnType<typeof makeRuntime> | TestRuntime): Array<[number, number]> {
  const entries =
    'logs' in rt
      ? rt.logs.map((e) => ({ level: e.level, text: e.message }))
      : (rt as ReturnType<typeof makeRuntime>).log.entries;
  return entries
    .filter((e) => e.level === 'info')
    .flatMap((e) => {
      const m = /in (\d+) ms \(failure (\d+) in a row\)/.exec(e.text);
      return m === null ? [] : [[Number(m[1]), Number(m[2])] as [number, number]];
    });
}

/** The gaps between successive times. */
function gaps(times: number[]): number[] {
  return times.slice(1).map((t, i) => t - times[i]!);
}

function pidOf(rt: Runtime, sup: Pid, id: string): Promise<Pid | 'restarting' | undefined> {
  return Supervisor.whichChildren(rt, sup).then((c) => c.find((x) => x.id === id)?.pid);
}

async function running(rt: Runtime, sup: Pid, id: string): Promise<Pid> {
  const pid = await pidOf(rt, sup, id);
  if (typeof pid !== 'object') throw new Error(`child ${id} is not running: ${String(pid)}`);
  return pid;
}

/** Kills `pid` and waits until it is gone, so its exit is in its supervisor's mailbox. */
async function kill(rt: Runtime, pid: Pid): Promise<void> {
  const exited = rt.awaitExit(pid);
  rt.exit(pid, 'kill');
  await exited;
}

const LONG = 60_000; // A wait that no test outlives: what matters is that it is cancelled.

describe('backoffDelay', () => {
  const b = (fields: Partial<NormalizedBackoff> = {}): NormalizedBackoff => ({
    min: 10,
    max: 1000,
    factor: 2,
    jitter: 0,
    resetAfter: 1000,
    ...fields,
  });

  it('grows as min * factor^(n-1) and stops at max', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7, 8].map((n) => backoffDelay(b({ max: 500 }), n));
    expect(delays).toEqual([10, 20, 40, 80, 160, 320, 500, 500]);
    expect(backoffDelay(b({ factor: 3 }), 3)).toBe(90);
    expect(backoffDelay(b({ factor: 1 }), 50)).toBe(10);
  });

  it('stays at max however many failures came, and at 0 for min 0', () => {
    expect(backoffDelay(b(), 100_000)).toBe(1000);
    expect(backoffDelay(b({ min: 0 }), 100_000)).toBe(0);
  });

  it('spreads a delay by at most ±jitter of itself, after the cap', () => {
    const spec = b({ max: 100, jitter: 0.25 });
    expect(backoffDelay(spec, 1, () => 0)).toBe(7.5);
    expect(backoffDelay(spec, 1, () => 0.5)).toBe(10);
    expect(backoffDelay(spec, 4, () => 0)).toBe(60);
    expect(backoffDelay(spec, 9, () => 0)).toBe(75);
    expect(backoffDelay(spec, 9, () => 0.999_999)).toBeCloseTo(125, 3);
  });

  it('spreads delays over the whole band with the real random source', () => {
    const spec = b({ min: 100, jitter: 0.2 });
    const samples = Array.from({ length: 2000 }, () => backoffDelay(spec, 1));
    expect(Math.min(...samples)).toBeGreaterThanOrEqual(80);
    expect(Math.max(...samples)).toBeLessThan(120);
    // 2000 uniform draws all within 5% of the edges' inside: vanishingly unlikely.
    expect(Math.min(...samples)).toBeLessThan(85);
    expect(Math.max(...samples)).toBeGreaterThan(115);
    expect(new Set(samples.map(Math.round)).size).toBeGreaterThan(30);
  });
});

describe('Supervisor child with a backoff', () => {
  it('restarts a child that keeps crashing after growing delays, each exactly', async () => {
    const rt = makeTestRuntime();
    const restarts = nextRestarts(rt, 4);
    await rt.start(Supervisor, {
      children: [
        flaky(
          'db',
          { min: 20, max: 1000, jitter: 0 },
          { plans: ['crash', 'crash', 'crash', 'crash'] },
        ),
      ],
    });
    const got = await settle(rt, restarts);
    expect(announced(rt)).toEqual([
      [20, 1],
      [40, 2],
      [80, 3],
      [160, 4],
    ]);
    expect(gaps([0, ...got.map((r) => r.at)])).toEqual([20, 40, 80, 160]);
  });

  it('caps the delay at max', async () => {
    const rt = makeTestRuntime();
    const restarts = nextRestarts(rt, 5);
    await rt.start(Supervisor, {
      children: [flaky('db', { min: 10, max: 30, jitter: 0 }, { plans: Array(5).fill('crash') })],
    });
    const got = await settle(rt, restarts);
    expect(announced(rt).map(([ms]) => ms)).toEqual([10, 20, 30, 30, 30]);
    expect(gaps([0, ...got.map((r) => r.at)])).toEqual([10, 20, 30, 30, 30]);
  });

  it('counts from the first delay again once the child has run resetAfter ms', async () => {
    const rt = makeTestRuntime();
    const restarts = nextRestarts(rt, 4);
    await rt.start(Supervisor, {
      children: [
        flaky(
          'db',
          { min: 10, max: 1000, jitter: 0, resetAfter: 30 },
          {
            // Three quick crashes, then a run of 60 ms (>= resetAfter) before the fourth.
            plans: ['crash', 'crash', 'crash', 60],
          },
        ),
      ],
    });
    const got = await settle(rt, restarts);
    expect(announced(rt)).toEqual([
      [10, 1],
      [20, 2],
      [40, 3],
      [10, 1],
    ]);
    // 10 + 20 + 40, then 60 ms of running and the fresh first delay.
    expect(got.map((r) => r.at)).toEqual([10, 30, 70, 140]);
  });

  it('does not reset while the child has run less than resetAfter ms', async () => {
    const rt = makeTestRuntime();
    const restarts = nextRestarts(rt, 4);
    await rt.start(Supervisor, {
      children: [
        flaky(
          'db',
          { min: 10, max: 1000, jitter: 0, resetAfter: 30 },
          { plans: ['crash', 'crash', 'crash', 29] },
        ),
      ],
    });
    await settle(rt, restarts);
    expect(announced(rt).map(([, n]) => n)).toEqual([1, 2, 3, 4]);
  });

  it('resets after max ms of running when resetAfter is not given', async () => {
    const rt = makeTestRuntime();
    const restarts = nextRestarts(rt, 3);
    await rt.start(Supervisor, {
      children: [flaky('db', { min: 5, max: 20, jitter: 0 }, { plans: ['crash', 'crash', 40] })],
    });
    await settle(rt, restarts);
    expect(announced(rt)).toEqual([
      [5, 1],
      [10, 2],
      [5, 1],
    ]);
  });

  it('keeps each jittered delay within its band, and waits exactly the delay it announced', async () => {
    const rt = makeTestRuntime();
    const restarts = nextRestarts(rt, 3);
    await rt.start(Supervisor, {
      children: [
        flaky('db', { min: 20, max: 1000, jitter: 0.5 }, { plans: ['crash', 'crash', 'crash'] }),
      ],
    });
    const got = await settle(rt, restarts);
    const delays = announced(rt);
    const waited = gaps([0, ...got.map((r) => r.at)]);
    for (let i = 0; i < 3; i++) {
      const base = 20 * 2 ** i;
      expect(delays[i]![0]).toBeGreaterThanOrEqual(Math.floor(base * 0.5));
      expect(delays[i]![0]).toBeLessThanOrEqual(Math.ceil(base * 1.5));
      // The report rounds the delay; the clock moves by the delay itself.
      expect(Math.abs(waited[i]! - delays[i]![0])).toBeLessThanOrEqual(0.5);
    }
  });

  it('draws the jitter from the TestRuntime seed: one seed, the same delays', async () => {
    const run = async (seed: number) => {
      const rt = makeTestRuntime({ seed });
      const restarts = nextRestarts(rt, 3);
      await rt.start(Supervisor, {
        children: [
          flaky('db', { min: 20, max: 1000, jitter: 0.5 }, { plans: Array(3).fill('crash') }),
        ],
      });
      return (await settle(rt, restarts)).map((r) => r.at);
    };
    expect(await run(5)).toEqual(await run(5));
  });

  it("emits 'restart' once per restart, when it happens, with the crash's reason and old pid", async () => {
    const rt = makeRuntime();
    const sup = await rt.start(Supervisor, {
      children: [flaky('db', { min: 10, max: 100, jitter: 0 })],
    });
    const old = await running(rt, sup, 'db');
    const counter = countRestarts(rt);
    const restarted = nextRestarts(rt);
    await kill(rt, old);
    const [{ args }] = (await restarted) as [Timed];
    const [supervisor, id, reason, oldPid, newPid] = args;
    expect([supervisor, id, reason, oldPid]).toEqual([sup, 'db', 'killed', old]);
    expect(newPid).toBe(await running(rt, sup, 'db'));
    expect(newPid).not.toBe(old);
    expect(counter.count).toBe(1);
  });

  it("shows the child as 'restarting' while it waits, and not active", async () => {
    const rt = makeRuntime();
    const sup = await rt.start(Supervisor, {
      children: [flaky('db', { min: LONG, max: LONG }), flaky('other', { min: 1, max: 1 })],
    });
    await kill(rt, await running(rt, sup, 'db'));
    const children = await Supervisor.whichChildren(rt, sup);
    expect(children.map((c) => [c.id, c.pid])).toEqual([
      ['db', 'restarting'],
      ['other', expect.any(Object)],
    ]);
    expect(await Supervisor.countChildren(rt, sup)).toEqual({
      specs: 2,
      active: 1,
      supervisors: 0,
      workers: 2,
    });
  });

  it('cancels the wait on terminateChild: the child is not restarted later', async () => {
    const rt = makeRuntime();
    const counter = countRestarts(rt);
    const sup = await rt.start(Supervisor, {
      children: [
        flaky('a', { min: 30, max: 30, jitter: 0 }),
        flaky('b', { min: 30, max: 30, jitter: 0 }),
      ],
    });
    await kill(rt, await running(rt, sup, 'a'));
    expect(await pidOf(rt, sup, 'a')).toBe('restarting');
    await Supervisor.terminateChild(rt, sup, 'a');
    expect(await pidOf(rt, sup, 'a')).toBeUndefined();
    // b's wait is armed after a's and ends after it: once b is back, a's would have fired.
    const bRestarted = nextRestarts(rt);
    await kill(rt, await running(rt, sup, 'b'));
    const [{ args }] = (await bRestarted) as [Timed];
    expect(args[1]).toBe('b');
    expect(counter.count).toBe(1);
    expect(await pidOf(rt, sup, 'a')).toBeUndefined();
    // And it starts again at once when asked.
    expect(await Supervisor.restartChild(rt, sup, 'a')).toBe(await running(rt, sup, 'a'));
  });

  it('ignores a wait whose message was already queued when the child was terminated and restarted', async () => {
    const rt = makeRuntime();
    const sup = await rt.start(Supervisor, { children: [flaky('db', { min: 0, max: 0 })] });
    const ticks = probe(rt);
    const gate = deferred();
    // Blocks the supervisor after it armed db's wait, until the wait has fired: the
    // tick is armed later for a later deadline, and timers fire in deadline order.
    const slow: ChildSpec = {
      id: 'slow',
      start: async (self) => {
        rt.sendAfter(ticks.pid, 'tick', 5);
        await gate.promise;
        return self.spawnLink(async (child) => {
          await child.receive();
        });
      },
    };
    const counter = countRestarts(rt);
    await kill(rt, await running(rt, sup, 'db'));
    const slowStarted = Supervisor.startChild(rt, sup, slow);
    const terminated = Supervisor.terminateChild(rt, sup, 'db');
    const restarted = Supervisor.restartChild(rt, sup, 'db');
    await ticks.expectMessage((m) => m === 'tick');
    gate.resolve();
    await slowStarted;
    await terminated;
    const pid = await restarted;
    // The wait's message came after both calls: the supervisor must not start db again.
    expect(await pidOf(rt, sup, 'db')).toBe(pid);
    expect(counter.count).toBe(0);
    expect(rt.isAlive(pid as Pid)).toBe(true);
  });

  it("rejects deleteChild and restartChild of a waiting child with SupervisorError 'restarting', as OTP", async () => {
    const rt = makeRuntime();
    const sup = await rt.start(Supervisor, { children: [flaky('db', { min: LONG, max: LONG })] });
    await kill(rt, await running(rt, sup, 'db'));
    for (const call of [Supervisor.deleteChild, Supervisor.restartChild]) {
      const error = await call(rt, sup, 'db').then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(SupervisorError);
      expect(error).toMatchObject({ reason: 'restarting' });
      expect((error as Error).message).toMatch(
        /for "db": the child is being restarted \(restarting\)$/,
      );
    }
    expect(await pidOf(rt, sup, 'db')).toBe('restarting');
    await Supervisor.terminateChild(rt, sup, 'db');
    await Supervisor.deleteChild(rt, sup, 'db');
    expect(await Supervisor.whichChildren(rt, sup)).toEqual([]);
  });

  it('cancels the wait when the supervisor stops: it exits at once and leaves no timer', async () => {
    const rt = makeRuntime();
    const timers = timersOf(rt);
    const sup = await rt.start(Supervisor, { children: [flaky('db', { min: LONG, max: LONG })] });
    const before = timers.size;
    await kill(rt, await running(rt, sup, 'db'));
    expect(await pidOf(rt, sup, 'db')).toBe('restarting');
    expect(timers.size).toBe(before + 1);
    await GenServer.stop(rt, sup);
    expect(timers.size).toBe(before);
  });

  it('cancels the wait when the supervisor is killed', async () => {
    const rt = makeRuntime();
    const timers = timersOf(rt);
    const sup = await rt.start(Supervisor, { children: [flaky('db', { min: LONG, max: LONG })] });
    const before = timers.size;
    await kill(rt, await running(rt, sup, 'db'));
    expect(await pidOf(rt, sup, 'db')).toBe('restarting');
    expect(timers.size).toBe(before + 1);
    await kill(rt, sup);
    expect(timers.size).toBe(before);
  });

  it('does not count its restarts against maxRestarts', async () => {
    const rt = makeRuntime();
    const restarts = nextRestarts(rt, 5);
    const sup = await rt.start(Supervisor, {
      children: [
        flaky('db', { min: 5, max: 10, jitter: 0 }, { plans: Array(5).fill('crash') }),
        { id: 'plain', start: [Flaky, {}] },
      ],
      maxRestarts: 1,
      maxSeconds: 60,
    });
    await restarts;
    expect(rt.isAlive(sup)).toBe(true);
    // The intensity is untouched: a child without backoff still gets its one restart.
    const plain = nextRestarts(rt);
    await kill(rt, await running(rt, sup, 'plain'));
    await plain;
    expect(rt.isAlive(sup)).toBe(true);
    expect(await GenServer.call(rt, await running(rt, sup, 'db'), 'ping')).toBe('pong');
  });

  it('backs off again, uncounted, while its restart fails, and restarts once it can', async () => {
    const rt = makeRuntime();
    let starts = 0;
    const down = (): boolean => {
      starts++;
      return starts === 2 || starts === 3;
    };
    const restarted = nextRestarts(rt);
    const sup = await rt.start(Supervisor, {
      children: [flaky('db', { min: 5, max: 100, jitter: 0 }, { plans: ['crash'], down })],
      maxRestarts: 0,
    });
    // Start 1 crashes (failure 1), starts 2 and 3 fail in init (failures 2, 3), start 4 runs.
    const [{ args }] = (await restarted) as [Timed];
    expect(args[2]).toBeInstanceOf(Error);
    expect((args[2] as Error).message).toBe('crashed as it started');
    expect(announced(rt)).toEqual([
      [5, 1],
      [10, 2],
      [20, 3],
    ]);
    expect(rt.log.text('error')).toMatch(/could not restart child "db": .*service down/);
    expect(rt.isAlive(sup)).toBe(true);
    expect(await GenServer.call(rt, await running(rt, sup, 'db'), 'ping')).toBe('pong');
  });

  it('does not restart a transient child that exits normally', async () => {
    const rt = makeRuntime();
    const counter = countRestarts(rt);
    const sup = await rt.start(Supervisor, {
      children: [flaky('db', { min: 1, max: 1 }, {}, { restart: 'transient' })],
    });
    const pid = await running(rt, sup, 'db');
    const exited = rt.awaitExit(pid);
    GenServer.cast(rt, pid, 'stop');
    expect(await exited).toBe('normal');
    expect(await pidOf(rt, sup, 'db')).toBeUndefined();
    expect(counter.count).toBe(0);
    expect(announced(rt)).toEqual([]);
  });

  it('restarts a transient child that crashes after its delay', async () => {
    const rt = makeRuntime();
    const sup = await rt.start(Supervisor, {
      children: [flaky('db', { min: 1, max: 1 }, {}, { restart: 'transient' })],
    });
    const restarted = nextRestarts(rt);
    GenServer.cast(rt, await running(rt, sup, 'db'), 'crash');
    await restarted;
    expect(announced(rt)).toEqual([[1, 1]]);
  });

  it('under one_for_all stops the others at once and starts them all after the delay', async () => {
    const rt = makeRuntime();
    const sup = await rt.start(Supervisor, {
      children: [
        { id: 'first', start: [Flaky, {}] },
        flaky('db', { min: 20, max: 20, jitter: 0 }),
        { id: 'last', start: [Flaky, {}] },
      ],
      strategy: 'one_for_all',
    });
    const first = await running(rt, sup, 'first');
    const last = await running(rt, sup, 'last');
    const restarts = nextRestarts(rt, 3);
    const firstGone = rt.awaitExit(first);
    await kill(rt, await running(rt, sup, 'db'));
    expect(await firstGone).toBe('shutdown');
    expect(rt.isAlive(last)).toBe(false);
    const got = await restarts;
    expect(got.map((r) => r.args[1])).toEqual(['first', 'db', 'last']);
    expect(got.map((r) => r.args[2])).toEqual(['shutdown', 'killed', 'shutdown']);
    for (const id of ['first', 'db', 'last']) await running(rt, sup, id);
  });

  it('under rest_for_one shows the waiting group, and leaves the children before it running', async () => {
    const rt = makeRuntime();
    const sup = await rt.start(Supervisor, {
      children: [
        { id: 'first', start: [Flaky, {}] },
        flaky('db', { min: LONG, max: LONG }),
        { id: 'last', start: [Flaky, {}] },
        { id: 'temp', start: [Flaky, {}], restart: 'temporary' },
      ],
      strategy: 'rest_for_one',
    });
    const first = await running(rt, sup, 'first');
    await kill(rt, await running(rt, sup, 'db'));
    const children = await Supervisor.whichChildren(rt, sup);
    expect(children.map((c) => [c.id, c.pid])).toEqual([
      ['first', first],
      ['db', 'restarting'],
      ['last', undefined],
    ]);
  });

  it('works the same when messages are copied', async () => {
    const rt = makeRuntime({ messages: 'copy' });
    const sup = await rt.start(Supervisor, { children: [flaky('db', { min: 1, max: 1 })] });
    const restarted = nextRestarts(rt);
    await kill(rt, await running(rt, sup, 'db'));
    await restarted;
    await running(rt, sup, 'db');
  });

  it('rejects rt.start and startChild with InvalidChildSpecError naming the backoff field', async () => {
    const rt = makeRuntime();
    const bad = { id: 'db', start: [Flaky, {}], backoff: { min: 10, max: 5 } } as ChildSpec;
    const error = await rt.start(Supervisor, { children: [bad] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidChildSpecError);
    expect(error).toMatchObject({ field: 'backoff.max', childId: 'db' });
    const sup = await rt.start(Supervisor, { children: [] });
    const badJitter = { ...bad, backoff: { min: 1, max: 5, jitter: 2 } } as ChildSpec;
    await expect(Supervisor.startChild(rt, sup, badJitter)).rejects.toMatchObject({
      name: 'InvalidChildSpecError',
      field: 'backoff.jitter',
    });
  });
});

describe('DynamicSupervisor child with a backoff', () => {
  it('restarts it after its delay with a new pid, not counted by maxRestarts', async () => {
    const rt = makeTestRuntime();
    const sup = await rt.start(DynamicSupervisor, { maxRestarts: 0 });
    const pid = (await DynamicSupervisor.startChild(
      rt,
      sup,
      flaky('w', { min: 10, max: 100, jitter: 0 }),
    ))!;
    const restarts = nextRestarts(rt, 2);
    const t0 = rt.now();
    await settle(rt, kill(rt, pid));
    const first = (await settle(rt, nextRestarts(rt)))[0]!;
    const newPid = first.args[4]!;
    expect(first.at - t0).toBe(10);
    expect(first.args.slice(2, 4)).toEqual(['killed', pid]);
    expect(newPid).not.toBe(pid);
    await settle(rt, kill(rt, newPid));
    const got = await settle(rt, restarts);
    expect(got[1]!.args[3]).toBe(newPid);
    expect(announced(rt)).toEqual([
      [10, 1],
      [20, 2],
    ]);
    expect(rt.isAlive(sup)).toBe(true);
    expect((await DynamicSupervisor.whichChildren(rt, sup)).map((c) => c.pid)).toEqual([
      got[1]!.args[4],
    ]);
  });

  it("shows it as 'restarting' while it waits, and terminateChild by its old pid cancels the wait", async () => {
    const rt = makeRuntime();
    const timers = timersOf(rt);
    const sup = await rt.start(DynamicSupervisor, {});
    const before = timers.size;
    const pid = (await DynamicSupervisor.startChild(
      rt,
      sup,
      flaky('w', { min: LONG, max: LONG }),
    ))!;
    await kill(rt, pid);
    expect(await DynamicSupervisor.whichChildren(rt, sup)).toEqual([
      { id: undefined, pid: 'restarting', type: 'worker' },
    ]);
    expect(await DynamicSupervisor.countChildren(rt, sup)).toMatchObject({ specs: 1, active: 0 });
    expect(timers.size).toBe(before + 1);
    await DynamicSupervisor.terminateChild(rt, sup, pid);
    expect(await DynamicSupervisor.whichChildren(rt, sup)).toEqual([]);
    expect(timers.size).toBe(before);
  });

  it('cancels every wait when it stops', async () => {
    const rt = makeRuntime();
    const timers = timersOf(rt);
    const sup = await rt.start(DynamicSupervisor, {});
    const before = timers.size;
    for (let i = 0; i < 3; i++) {
      const pid = (await DynamicSupervisor.startChild(
        rt,
        sup,
        flaky('w', { min: LONG, max: LONG }),
      ))!;
      await kill(rt, pid);
    }
    expect(timers.size).toBe(before + 3);
    await GenServer.stop(rt, sup);
    expect(timers.size).toBe(before);
  });

  it('rejects startChild with InvalidChildSpecError naming the backoff field', async () => {
    const rt = makeRuntime();
    const sup = await rt.start(DynamicSupervisor, {});
    const bad = {
      id: 'w',
      start: [Flaky, {}],
      backoff: { min: 1, max: 5, factor: 0 },
    } as ChildSpec;
    await expect(DynamicSupervisor.startChild(rt, sup, bad)).rejects.toMatchObject({
      name: 'InvalidChildSpecError',
      field: 'backoff.factor',
      childId: 'w',
    });
  });
});
