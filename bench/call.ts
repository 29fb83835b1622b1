/**
 * call: `calls` sequential `GenServer.call`s from outside any process to one
 * server with a synchronous `handleCall`: calls/s, and the p50 and p99 latency of
 * one call. The baseline and the limit: a promise per request to a synchronous
 * server. The BEAM: sequential gen_server:call from one process.
 */
import { GenServer, Runtime } from '../src/index.js';
import { LimitRuntime, call as limitCall } from './baseline/limit/index.js';
import { call, start } from './baseline/server.js';
import { System } from './baseline/system.js';
import { BaselineCounter, Counter, limitCounter } from './lib/counter.js';
import {
  check,
  compare,
  main,
  now,
  param,
  percentile,
  report,
  type Sample,
} from './lib/harness.js';

const CALLS = param('calls', 200_000, 2_000);
const REPS = param('reps', 5, 1);

/*
 * Each case has its own loop, not a shared helper taking a callback: a call site that
 * sees every case's callback is megamorphic, a cost that would be charged to each.
 */

/** calls/s, and the p50 and p99 latency (µs), of `n` calls timed from `t0` to `t1`. */
function stats(n: number, latencies: Float64Array, t0: number, t1: number): Sample {
  latencies.sort();
  return {
    value: n / ((t1 - t0) / 1000),
    p50: percentile(latencies, 50) * 1000,
    p99: percentile(latencies, 99) * 1000,
  };
}

async function otp(scale: number): Promise<Sample> {
  const n = Math.round(CALLS * scale);
  const rt = new Runtime({ logger: false });
  const pid = await rt.start(Counter, 0);
  const latencies = new Float64Array(n);
  const t0 = now();
  for (let i = 0; i < n; i++) {
    const t = now();
    await GenServer.call(rt, pid, 'inc');
    latencies[i] = now() - t;
  }
  const sample = stats(n, latencies, t0, now());
  check((await GenServer.call(rt, pid, 'get')) === n, 'the server counted every call');
  await rt.shutdown();
  return sample;
}

async function baseline(scale: number): Promise<Sample> {
  const n = Math.round(CALLS * scale);
  const system = new System();
  const server = start(system, BaselineCounter, 0);
  const latencies = new Float64Array(n);
  const t0 = now();
  for (let i = 0; i < n; i++) {
    const t = now();
    await call(server, 'inc');
    latencies[i] = now() - t;
  }
  const sample = stats(n, latencies, t0, now());
  check((await call(server, 'get')) === n, 'the server counted every call');
  system.shutdown();
  return sample;
}

async function limit(scale: number): Promise<Sample> {
  const n = Math.round(CALLS * scale);
  const runtime = new LimitRuntime();
  const server = runtime.spawn(limitCounter, 0);
  const latencies = new Float64Array(n);
  const t0 = now();
  for (let i = 0; i < n; i++) {
    const t = now();
    await limitCall(server, 'inc');
    latencies[i] = now() - t;
  }
  const sample = stats(n, latencies, t0, now());
  check((await limitCall(server, 'get')) === n, 'the server counted every call');
  runtime.shutdown();
  return sample;
}

main(async () => {
  const r = await compare(REPS, 'higher', { otp, baseline, limit });
  report('call', [
    {
      metric: 'sequential calls',
      unit: 'calls/s',
      better: 'higher',
      otp: r.otp.value,
      baseline: r.baseline.value,
      limit: r.limit.value,
      beam: 'calls',
      target: { kind: 'limit', op: '>=', value: 0.8 },
    },
    {
      metric: 'latency p50',
      unit: 'µs',
      better: 'lower',
      otp: r.otp.p50!,
      baseline: r.baseline.p50!,
      limit: r.limit.p50!,
      beam: 'p50',
    },
    {
      metric: 'latency p99',
      unit: 'µs',
      better: 'lower',
      otp: r.otp.p99!,
      baseline: r.baseline.p99!,
      limit: r.limit.p99!,
      beam: 'p99',
    },
  ]);
});
