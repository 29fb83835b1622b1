/**
 * fan-in: `clients` client processes each make `calls` sequential calls to one
 * server: calls/s, from spawning the clients to the last reply. The limit's clients
 * are actors running an async function (`spawnTask`); the BEAM's are processes
 * making gen_server:calls.
 */
import { GenServer, Runtime } from '../src/index.js';
import { LimitRuntime, call as limitCall, spawnTask } from './baseline/limit/index.js';
import { call, start } from './baseline/server.js';
import { Proc, System } from './baseline/system.js';
import { BaselineCounter, Counter, limitCounter } from './lib/counter.js';
import { check, compare, main, now, param, report, type Sample, signal } from './lib/harness.js';

const CLIENTS = param('clients', 1_000, 20);
const CALLS = param('calls', 100, 20);
const REPS = param('reps', 5, 1);

async function otp(scale: number): Promise<Sample> {
  const clients = Math.max(1, Math.round(CLIENTS * scale));
  const rt = new Runtime({ logger: false });
  const server = await rt.start(Counter, 0);
  const done = signal<number>();
  let finished = 0;
  const t0 = now();
  for (let c = 0; c < clients; c++) {
    rt.spawn(async (self) => {
      for (let i = 0; i < CALLS; i++) await GenServer.call(self, server, 'inc');
      if (++finished === clients) done.resolve(now());
    });
  }
  const t1 = await done.promise;
  const count = await GenServer.call(rt, server, 'get');
  check(count === clients * CALLS, `the server counted ${clients * CALLS} calls (got ${count})`);
  await rt.shutdown();
  return { value: (clients * CALLS) / ((t1 - t0) / 1000) };
}

async function baseline(scale: number): Promise<Sample> {
  const clients = Math.max(1, Math.round(CLIENTS * scale));
  const system = new System();
  const server = start(system, BaselineCounter, 0);
  const done = signal<number>();
  let finished = 0;
  const t0 = now();
  for (let c = 0; c < clients; c++) {
    system.spawn(
      new Proc(system, async () => {
        for (let i = 0; i < CALLS; i++) await call(server, 'inc');
        if (++finished === clients) done.resolve(now());
      }),
    );
  }
  const t1 = await done.promise;
  const count = await call(server, 'get');
  check(count === clients * CALLS, `the server counted ${clients * CALLS} calls (got ${count})`);
  system.shutdown();
  return { value: (clients * CALLS) / ((t1 - t0) / 1000) };
}

async function limit(scale: number): Promise<Sample> {
  const clients = Math.max(1, Math.round(CLIENTS * scale));
  const runtime = new LimitRuntime();
  const server = runtime.spawn(limitCounter, 0);
  const done = signal<number>();
  let finished = 0;
  const t0 = now();
  for (let c = 0; c < clients; c++) {
    spawnTask(runtime, async () => {
      for (let i = 0; i < CALLS; i++) await limitCall(server, 'inc');
      if (++finished === clients) done.resolve(now());
    });
  }
  const t1 = await done.promise;
  const count = await limitCall(server, 'get');
  check(count === clients * CALLS, `the server counted ${clients * CALLS} calls (got ${count})`);
  runtime.shutdown();
  return { value: (clients * CALLS) / ((t1 - t0) / 1000) };
}

main(async () => {
  const r = await compare(REPS, 'higher', { otp, baseline, limit });
  report('fan-in', [
    {
      metric: "clients' sequential calls to one server",
      unit: 'calls/s',
      better: 'higher',
      otp: r.otp.value,
      baseline: r.baseline.value,
      limit: r.limit.value,
      beam: 'calls',
      target: { kind: 'limit', op: '>=', value: 0.5 },
    },
  ]);
});
