/**
 * restart: a one_for_one supervisor with one registered worker, killed `warm-up`
 * times untimed and then `kills` times; each time the clock runs from the kill until
 * the supervisor reports the restart (the runtime's 'restart' event, when the new
 * pid is registered and its init has run): mean latency, and the mean of the first
 * and of the last 1,000, so that bookkeeping that grows with history shows. The
 * limit's supervisor calls back once the new worker is registered. The BEAM: a
 * gen_server under a supervisor, each time from exit(Pid, kill) until whereis
 * returns a new pid.
 */
import { type Pid, Runtime, Supervisor } from '../src/index.js';
import { type Actor, LimitRuntime, startSupervisor } from './baseline/limit/index.js';
import { start } from './baseline/server.js';
import { Supervisor as BaselineSupervisor } from './baseline/supervisor.js';
import { type Process, System } from './baseline/system.js';
import { BaselineCounter, Counter, limitCounter } from './lib/counter.js';
import { check, compare, main, mean, now, param, report, type Sample } from './lib/harness.js';

const KILLS = param('kills', 10_000, 200);
/**
 * Restarts done first in the same runtime, untimed: an application's runtime lives
 * long, and the JIT keeps tiering up over its first thousands of restarts (a fresh
 * runtime per run also makes V8 drop code specialised to the previous one).
 */
const WARM_UP = param('warm-up', 5_000, 0);
const REPS = param('reps', 3, 1);
/** The restart intensity window: wide enough to hold many restarts, short enough to be pruned. */
const MAX_SECONDS = 1;

/** Mean latency (µs), and the means of the first and the last `window` restarts. */
function summarise(latencies: Float64Array): Sample {
  const n = latencies.length;
  const window = Math.min(1_000, Math.floor(n / 2));
  const first = mean(latencies, 0, window) * 1000;
  const last = mean(latencies, n - window, n) * 1000;
  return { value: mean(latencies) * 1000, first, last, growth: last / first };
}

async function otp(scale: number): Promise<Sample> {
  const n = Math.max(2, Math.round(KILLS * scale));
  const rt = new Runtime({ logger: false });
  let restarted: ((pid: Pid | undefined) => void) | undefined;
  rt.on('restart', (_sup, _id, _reason, _oldPid, newPid) => restarted?.(newPid));
  await rt.start(Supervisor, {
    children: [{ id: 'worker', start: [Counter, 0, { name: 'worker' }] }],
    strategy: 'one_for_one',
    maxRestarts: n + WARM_UP,
    maxSeconds: MAX_SECONDS,
  });
  for (let i = 0; i < WARM_UP; i++) {
    const next = new Promise<Pid | undefined>((resolve) => {
      restarted = resolve;
    });
    rt.exit(rt.whereis('worker')!, 'kill');
    await next;
  }
  const latencies = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const pid = rt.whereis('worker');
    check(pid !== undefined, 'the worker is registered');
    const next = new Promise<Pid | undefined>((resolve) => {
      restarted = resolve;
    });
    const t = now();
    rt.exit(pid!, 'kill');
    const newPid = await next;
    latencies[i] = now() - t;
    check(newPid !== undefined && newPid !== pid, 'the worker restarted with a new pid');
    check(rt.whereis('worker') === newPid, 'the new pid is registered');
  }
  await rt.shutdown();
  return summarise(latencies);
}

async function baseline(scale: number): Promise<Sample> {
  const n = Math.max(2, Math.round(KILLS * scale));
  const system = new System();
  let restarted: ((child: Process) => void) | undefined;
  BaselineSupervisor.start(
    system,
    [
      {
        id: 'worker',
        start: (sys) => {
          const worker = start(sys, BaselineCounter, 0);
          sys.register('worker', worker);
          return worker;
        },
      },
    ],
    {
      maxRestarts: n + WARM_UP,
      maxSeconds: MAX_SECONDS,
      onRestart: (_id, _old, child) => restarted?.(child),
    },
  );
  for (let i = 0; i < WARM_UP; i++) {
    const next = new Promise<Process>((resolve) => {
      restarted = resolve;
    });
    system.exit(system.whereis('worker')!, 'kill');
    await next;
  }
  const latencies = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const worker = system.whereis('worker');
    check(worker !== undefined, 'the worker is registered');
    const next = new Promise<Process>((resolve) => {
      restarted = resolve;
    });
    const t = now();
    system.exit(worker!, 'kill');
    const child = await next;
    latencies[i] = now() - t;
    check(child !== worker && system.whereis('worker') === child, 'the new worker is registered');
  }
  system.shutdown();
  return summarise(latencies);
}

async function limit(scale: number): Promise<Sample> {
  const n = Math.max(2, Math.round(KILLS * scale));
  const runtime = new LimitRuntime();
  let restarted: ((child: Actor) => void) | undefined;
  startSupervisor(
    runtime,
    [
      {
        id: 'worker',
        start: (rt) => {
          const worker = rt.spawn(limitCounter, 0);
          rt.register('worker', worker);
          return worker;
        },
      },
    ],
    {
      maxRestarts: n + WARM_UP,
      maxSeconds: MAX_SECONDS,
      onRestart: (_id, _old, child) => restarted?.(child),
    },
  );
  for (let i = 0; i < WARM_UP; i++) {
    const next = new Promise<Actor>((resolve) => {
      restarted = resolve;
    });
    runtime.exit(runtime.whereis('worker')!, 'kill');
    await next;
  }
  const latencies = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const worker = runtime.whereis('worker');
    check(worker !== undefined, 'the worker is registered');
    const next = new Promise<Actor>((resolve) => {
      restarted = resolve;
    });
    const t = now();
    runtime.exit(worker!, 'kill');
    const child = await next;
    latencies[i] = now() - t;
    check(child !== worker && runtime.whereis('worker') === child, 'the new worker is registered');
  }
  runtime.shutdown();
  return summarise(latencies);
}

main(async () => {
  // Each run warms up in its own runtime (WARM_UP); one small round first compiles
  // both cases before any is timed.
  const r = await compare(REPS, 'lower', { otp, baseline, limit }, { rounds: 1, scale: 0.2 });
  report('restart', [
    {
      metric: 'mean restart latency',
      unit: 'µs',
      better: 'lower',
      otp: r.otp.value,
      baseline: r.baseline.value,
      limit: r.limit.value,
      beam: 'mean',
      target: { kind: 'otp', op: '<=', value: 5 },
    },
    {
      metric: 'mean of the first 1,000',
      unit: 'µs',
      better: 'lower',
      otp: r.otp.first!,
      baseline: r.baseline.first!,
      limit: r.limit.first!,
      beam: 'first',
      target: { kind: 'beam', op: '<=', value: 1 },
    },
    {
      metric: 'mean of the last 1,000',
      unit: 'µs',
      better: 'lower',
      otp: r.otp.last!,
      baseline: r.baseline.last!,
      limit: r.limit.last!,
      beam: 'last',
    },
    {
      metric: 'last 1,000 / first 1,000',
      unit: '×',
      better: 'lower',
      otp: r.otp.growth!,
      baseline: r.baseline.growth!,
      limit: r.limit.growth!,
      beam: 'growth',
      target: { kind: 'otp', op: '<=', value: 1.5, advisory: true },
    },
  ]);
});
