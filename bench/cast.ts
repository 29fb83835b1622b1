/**
 * cast: `casts` casts from outside any process to one server, then a call to
 * confirm the count: casts/s over the whole (the casts queue up, then the server
 * drains them).
 */
import { GenServer, Runtime } from '../src/index.js';
import { call, cast, start } from './baseline/server.js';
import { System } from './baseline/system.js';
import { BaselineCounter, Counter } from './lib/counter.js';
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

main(async () => {
  const r = await compare(REPS, 'higher', { otp, baseline });
  report('cast', [
    {
      metric: 'casts to one server',
      unit: 'casts/s',
      better: 'higher',
      otp: r.otp.value,
      baseline: r.baseline.value,
      target: { kind: 'ratio', op: '>=', value: 0.35 },
    },
  ]);
});
