/**
 * threads: issue 18's figures, nodes on worker threads, each beside a raw
 * `worker_threads` baseline of ours measured in the same run (the `limit` column).
 *
 * - casts: 1,000,000 `GenServer.cast`s to a counter on a peer, then one call; raw:
 *   plain `postMessage`s to a worker that counts them, one message per post and in
 *   batches of 1,000 (what the thread carrier does per turn).
 * - sequential calls: one `GenServer.call` after another to the peer; raw: ping-pong
 *   round trips with a worker.
 * - 1,000 concurrent callers (processes), each making calls to the peer in a loop.
 * - scaling: the same CPU-bound workload through two GenServers on one node against
 *   one on the main node and one on a peer; raw: the same work on one thread, then
 *   split with a worker.
 * - a peer's start (`startPeer` resolved) and stop; raw: a worker's start (its first
 *   message) and `terminate`.
 */
import { Worker } from 'node:worker_threads';
import { GenServer, type Pid, Runtime } from '../src/index.js';
import { check, compare, main, now, param, report, type Sample } from './lib/harness.js';
import { Burner, burn } from './lib/threads-node.js';

const CASTS = param('casts', 1_000_000, 5_000);
const CALLS = param('calls', 20_000, 200);
const CALLERS = param('callers', 1_000, 20);
const CALLS_PER_CALLER = param('callsPerCaller', 50, 5);
const WORK_ITEMS = param('workItems', 64, 4);
const WORK_STEPS = param('workSteps', 2_000_000, 20_000);
const STARTS = param('starts', 5, 1);
const REPS = param('reps', 3, 1);

const ENTRY = new URL('./lib/threads-node.ts', import.meta.url);

// The raw worker: counts messages (and batches), answers pings, burns on request.
const RAW_WORKER = `
const { parentPort } = require('node:worker_threads');
let count = 0;
function burn(n) { let x = 0; for (let i = 0; i < n; i++) x = (x * 31 + i) % 1000003; return x; }
parentPort.on('message', (m) => {
  if (typeof m === 'number') { count++; return; }
  if (Array.isArray(m)) { count += m.length; return; }
  if (m.t === 'get') parentPort.postMessage(count);
  else if (m.t === 'ping') parentPort.postMessage(m.i);
  else if (m.t === 'burn') parentPort.postMessage(burn(m.n));
  else if (m.t === 'reset') { count = 0; parentPort.postMessage(0); }
});
parentPort.postMessage('ready');
`;

function rawWorker(): Promise<Worker> {
  const worker = new Worker(RAW_WORKER, { eval: true });
  return new Promise((resolve) => worker.once('message', () => resolve(worker)));
}

function ask(worker: Worker, message: unknown): Promise<unknown> {
  return new Promise((resolve) => {
    worker.once('message', resolve);
    worker.postMessage(message);
  });
}

let nodeId = 0;
async function withPeer<T>(run: (rt: Runtime, node: string) => Promise<T>): Promise<T> {
  const rt = new Runtime({ logger: false, node: `bench${++nodeId}@localhost` });
  const peer = await rt.startPeer({ name: `peer${nodeId}@localhost`, entry: ENTRY });
  try {
    return await run(rt, peer.node);
  } finally {
    await rt.shutdown();
  }
}

// ── casts ──
async function otpCasts(scale: number): Promise<Sample> {
  const n = Math.round(CASTS * scale);
  return withPeer(async (rt, node) => {
    const counter = { name: 'counter', node };
    const pid = (await GenServer.call(rt, counter, 'get')) === 0 ? counter : counter;
    const t0 = now();
    for (let i = 0; i < n; i++) {
      GenServer.cast(rt, pid, 'inc');
      // Yield now and then, as a real producer would: a batch goes per turn.
      if ((i & 1023) === 1023) await Promise.resolve();
    }
    const got = await GenServer.call(rt, counter, 'get');
    const t1 = now();
    check(got === n, 'the peer counted every cast');
    return { value: n / ((t1 - t0) / 1000) };
  });
}

async function rawCasts(scale: number, batch: number): Promise<Sample> {
  const n = Math.round(CASTS * scale);
  const worker = await rawWorker();
  const t0 = now();
  if (batch === 1) {
    for (let i = 0; i < n; i++) worker.postMessage(1);
  } else {
    for (let i = 0; i < n; i += batch)
      worker.postMessage(new Array(Math.min(batch, n - i)).fill(1));
  }
  const got = await ask(worker, { t: 'get' });
  const t1 = now();
  check(got === n, 'the worker counted every message');
  await worker.terminate();
  return { value: n / ((t1 - t0) / 1000) };
}

// ── sequential calls ──
async function otpCalls(scale: number): Promise<Sample> {
  const n = Math.round(CALLS * scale);
  return withPeer(async (rt, node) => {
    const counter = { name: 'counter', node };
    const t0 = now();
    for (let i = 0; i < n; i++) await GenServer.call(rt, counter, 'get');
    const t1 = now();
    return { value: n / ((t1 - t0) / 1000) };
  });
}

async function rawPingPong(scale: number): Promise<Sample> {
  const n = Math.round(CALLS * scale);
  const worker = await rawWorker();
  const t0 = now();
  for (let i = 0; i < n; i++) await ask(worker, { t: 'ping', i });
  const t1 = now();
  await worker.terminate();
  return { value: n / ((t1 - t0) / 1000) };
}

// ── concurrent callers ──
async function otpConcurrent(scale: number): Promise<Sample> {
  const callers = Math.max(1, Math.round(CALLERS * scale));
  return withPeer(async (rt, node) => {
    const counter = { name: 'counter', node };
    const t0 = now();
    const exits: Promise<unknown>[] = [];
    for (let c = 0; c < callers; c++) {
      const pid: Pid = rt.spawn(async (self) => {
        for (let i = 0; i < CALLS_PER_CALLER; i++) await GenServer.call(self, counter, 'get');
      });
      exits.push(rt.awaitExit(pid));
    }
    const reasons = await Promise.all(exits);
    const t1 = now();
    check(
      reasons.every((r) => r === 'normal'),
      'every caller finished',
    );
    return { value: (callers * CALLS_PER_CALLER) / ((t1 - t0) / 1000) };
  });
}

// ── scaling ──
async function otpScaling(): Promise<{ one: number; two: number }> {
  return withPeer(async (rt, node) => {
    const a = await rt.start(Burner, undefined);
    const b = await rt.start(Burner, undefined);
    const remote = { name: 'burner', node };
    await GenServer.call(rt, remote, 1); // warm
    const run = async (servers: (Pid | { name: string; node: string })[]) => {
      const t0 = now();
      await Promise.all(
        Array.from({ length: WORK_ITEMS }, (_, i) =>
          GenServer.call(rt, servers[i % servers.length]!, WORK_STEPS, Number.POSITIVE_INFINITY),
        ),
      );
      return now() - t0;
    };
    await run([a, b]);
    await run([a, remote]);
    const one = await run([a, b]);
    const two = await run([a, remote]);
    return { one, two };
  });
}

async function rawScaling(): Promise<{ one: number; two: number }> {
  const worker = await rawWorker();
  const runOne = () => {
    const t0 = now();
    for (let i = 0; i < WORK_ITEMS; i++) burn(WORK_STEPS);
    return now() - t0;
  };
  const runTwo = async () => {
    const t0 = now();
    const half = WORK_ITEMS / 2;
    const remote = (async () => {
      for (let i = 0; i < half; i++) await ask(worker, { t: 'burn', n: WORK_STEPS });
    })();
    // Let the worker's first request go before this thread starts burning.
    await Promise.resolve();
    for (let i = 0; i < half; i++) {
      burn(WORK_STEPS);
      await new Promise((r) => setImmediate(r));
    }
    await remote;
    return now() - t0;
  };
  runOne();
  await runTwo();
  const one = runOne();
  const two = await runTwo();
  await worker.terminate();
  return { one, two };
}

// ── start and stop ──
async function peerStartStop(): Promise<{ start: number; stop: number }> {
  const rt = new Runtime({ logger: false, node: 'startstop@localhost' });
  const starts: number[] = [];
  const stops: number[] = [];
  for (let i = 0; i < STARTS; i++) {
    const t0 = now();
    const peer = await rt.startPeer({ name: `ss${i}@localhost`, entry: ENTRY });
    const t1 = now();
    await peer.stop();
    const t2 = now();
    starts.push(t1 - t0);
    stops.push(t2 - t1);
  }
  await rt.shutdown();
  starts.sort((x, y) => x - y);
  stops.sort((x, y) => x - y);
  return { start: starts[starts.length >> 1]!, stop: stops[stops.length >> 1]! };
}

async function rawStartStop(): Promise<{ start: number; stop: number }> {
  const starts: number[] = [];
  const stops: number[] = [];
  for (let i = 0; i < STARTS; i++) {
    const t0 = now();
    const worker = await rawWorker();
    const t1 = now();
    await worker.terminate();
    const t2 = now();
    starts.push(t1 - t0);
    stops.push(t2 - t1);
  }
  starts.sort((x, y) => x - y);
  stops.sort((x, y) => x - y);
  return { start: starts[starts.length >> 1]!, stop: stops[stops.length >> 1]! };
}

main(async () => {
  const casts = await compare(REPS, 'higher', {
    otp: otpCasts,
    rawOne: (s) => rawCasts(s, 1),
    rawBatched: (s) => rawCasts(s, 1000),
  });
  const calls = await compare(REPS, 'higher', { otp: otpCalls, raw: rawPingPong });
  const concurrent = await compare(REPS, 'higher', { otp: otpConcurrent });
  const scaling = await otpScaling();
  const rawScale = await rawScaling();
  const peer = await peerStartStop();
  const raw = await rawStartStop();
  report('threads', [
    {
      metric: `casts to a GenServer on a peer (${CASTS}, then a call)`,
      unit: 'msg/s',
      better: 'higher',
      otp: casts.otp.value,
      baseline: casts.rawOne.value,
      limit: casts.rawBatched.value,
      target: { kind: 'otp', op: '>=', value: 2_000_000 },
      note: 'baseline: raw postMessage per message; limit: raw batches of 1,000',
    },
    {
      metric: 'sequential calls to a peer',
      unit: 'calls/s',
      better: 'higher',
      otp: calls.otp.value,
      baseline: null,
      limit: calls.raw.value,
      target: { kind: 'limit', op: '>=', value: 0.75 },
      note: 'limit: raw ping-pong round trips',
    },
    {
      metric: `${CALLERS} concurrent callers to a peer`,
      unit: 'calls/s',
      better: 'higher',
      otp: concurrent.otp.value,
      baseline: null,
      target: { kind: 'otp', op: '>=', value: 200_000 },
    },
    {
      metric: 'CPU-bound work on 2 nodes ÷ 1 node (speed-up)',
      unit: '×',
      better: 'higher',
      otp: scaling.one / scaling.two,
      baseline: null,
      limit: rawScale.one / rawScale.two,
      target: { kind: 'otp', op: '>=', value: 1.8 },
      note: `otp-ts ${scaling.one.toFixed(0)} → ${scaling.two.toFixed(0)} ms; raw threads ${rawScale.one.toFixed(0)} → ${rawScale.two.toFixed(0)} ms`,
    },
    {
      metric: 'peer start (startPeer resolved)',
      unit: 'ms',
      better: 'lower',
      otp: peer.start,
      baseline: null,
      limit: raw.start,
      note: 'limit: a raw worker up (its first message)',
    },
    {
      metric: 'peer stop',
      unit: 'ms',
      better: 'lower',
      otp: peer.stop,
      baseline: null,
      limit: raw.stop,
      note: 'limit: worker.terminate()',
    },
  ]);
});
