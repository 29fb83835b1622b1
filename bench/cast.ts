/**
 * cast: `casts` casts from outside any process to one server, then a call to
 * confirm the count: casts/s over the whole (the casts queue up, then the server
 * drains them). The BEAM: gen_server:cast from one process, then gen_server:call.
 */
import { GenServer, Runtime } from '../src/index.js';
import { LimitRuntime, call as limitCall, cast as limitCast } from './baseline/limit/index.js';
import { call, cast, start } from './baseline/server.js';
import { System } from './baseline/system.js';
import { BaselineCounter, Counter, limitCounter } from './lib/counter.js';
import { check, compare, main, now, param, report, type Sample } from './lib/harness.js';

const CASTS = param('casts', 1_000_000, 10_000);
const REPS = param('reps', 5, 1);

async function otp(scale: number): Promise<Sample> {
  const n = Math.round(CASTS * scale);
  const rt = new Runtime({ logger: false });
  const pid = await rt.start(Counter, 0);
  const t0 = now();
  for (let i = 0; i < n; i++) GenServer.cast(rt, pid, 'inc');
  const count = await GenServer.call(rt, pid, 'get', Number.POSITIVE_INFINITY);
  const t1 = now();
  check(count === n, `the server counted ${n} casts (got ${count})`);
  await rt.shutdown();
  return { value: n / ((t1 - t0) / 1000) };
}

async function baseline(scale: number): Promise<Sample> {
  const n = Math.round(CASTS * scale);
  const system = new System();
  const server = start(system, BaselineCounter, 0);
  const t0 = now();
  for (let i = 0; i < n; i++) cast(server, 'inc');
  const count = await call(server, 'get');
  const t1 = now();
  check(count === n, `the server counted ${n} casts (got ${count})`);
  system.shutdown();
  return { value: n / ((t1 - t0) / 1000) };
}

async function limit(scale: number): Promise<Sample> {
  const n = Math.round(CASTS * scale);
  const runtime = new LimitRuntime();
  const server = runtime.spawn(limitCounter, 0);
  const t0 = now();
  for (let i = 0; i < n; i++) limitCast(server, 'inc');
  const count = await limitCall(server, 'get');
  const t1 = now();
  check(count === n, `the server counted ${n} casts (got ${count})`);
  runtime.shutdown();
  return { value: n / ((t1 - t0) / 1000) };
}

main(async () => {
  const r = await compare(REPS, 'higher', { otp, baseline, limit });
  report('cast', [
    {
      metric: 'casts to one server, then a call',
      unit: 'casts/s',
      better: 'higher',
      otp: r.otp.value,
      baseline: r.baseline.value,
      limit: r.limit.value,
      beam: 'casts',
      target: [
        { kind: 'limit', op: '>=', value: 0.35 },
        { kind: 'beam', op: '>=', value: 1.2 },
      ],
    },
  ]);
});
