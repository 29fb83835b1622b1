/**
 * spawn: `small` (100,000) and `large` (1,000,000) idle raw processes waiting in
 * `receive`, then as many idle GenServers: µs per spawn (until every one is
 * idle), bytes per process (heap delta after a full collection), µs per stop
 * (`rt.shutdown`), and how the time grows from `small` to `large`; the same idle
 * process written as an async function, at the small size only. Before that, the
 * cost of a call with 1 and with `idle` idle processes alive. The limit's idle process, raw
 * or server, is an actor waiting for its first message. The BEAM: processes waiting
 * in receive and idle gen_servers, bytes from erlang:memory(processes).
 */
import { GenServer, Runtime, type Self } from '../src/index.js';
import { type Handler, LimitRuntime, call as limitCall } from './baseline/limit/index.js';
import { call, Server, start } from './baseline/server.js';
import { Proc, System } from './baseline/system.js';
import { BaselineCounter, Counter, limitCounter } from './lib/counter.js';
import {
  collect,
  compare,
  type Figure,
  heapAfterGc,
  main,
  median,
  now,
  param,
  report,
  type Sample,
  signal,
} from './lib/harness.js';

const SMALL = param('small', 100_000, 1_000);
const LARGE = param('large', 1_000_000, 10_000);
const REPS = param('reps', 3, 1);
/** Runs at the large size: growth compares the best of as many runs at both sizes. */
const LARGE_REPS = param('large-reps', 3, 1);
const IDLE = param('idle', 100_000, 1_000);
const CALLS = param('calls', 50_000, 200);
const ROUNDS = param('rounds', 15, 1);
/** GenServers are started this many at a time (each start is a promise, and has a start timeout). */
const BATCH = 1_000;

/** Counts bodies that have reached their receive, to know when every process is idle. */
let started = 0;
let expected = 0;
let allStarted: () => void = () => {};

function expect(n: number): Promise<void> {
  const ready = signal();
  started = 0;
  expected = n;
  allStarted = ready.resolve;
  return ready.promise;
}

/**
 * The body of every idle raw process, shared as a user would share it: it waits in
 * `receive` (and would end with the message). Not an async function: an async
 * function suspended in `await` costs about 400 bytes of V8's own (its generator,
 * register file, await closures and reaction), whatever the library, so the target
 * figure is measured without it and the async body is measured apart.
 */
function idleBody(self: Self): Promise<unknown> {
  if (++started === expected) allStarted();
  return self.receive();
}

function idleBaselineBody(self: Proc): Promise<unknown> {
  if (++started === expected) allStarted();
  return self.receive();
}

/** The same idle process written as an async function. */
async function idleAsyncBody(self: Self): Promise<void> {
  if (++started === expected) allStarted();
  await self.receive();
}

async function idleAsyncBaselineBody(self: Proc): Promise<void> {
  if (++started === expected) allStarted();
  await self.receive();
}

class IdleServer extends GenServer<number> {}

class IdleBaselineServer extends Server<number> {}

/** What one spawn run gives: µs per spawn, bytes per process, µs per stop. */
interface SpawnSample extends Sample {
  bytes: number;
  stop: number;
}

function spawnSample(n: number, t0: number, t1: number, heap0: number, heap1: number): SpawnSample {
  return { value: ((t1 - t0) * 1000) / n, bytes: (heap1 - heap0) / n, stop: 0 };
}

async function otpRaw(n: number, body: (self: Self) => unknown = idleBody): Promise<SpawnSample> {
  const rt = new Runtime({ logger: false });
  const heap0 = heapAfterGc();
  const t0 = now();
  const ready = expect(n);
  for (let i = 0; i < n; i++) rt.spawn(body);
  await ready;
  const t1 = now();
  const sample = spawnSample(n, t0, t1, heap0, heapAfterGc());
  const t2 = now();
  await rt.shutdown();
  sample.stop = ((now() - t2) * 1000) / n;
  return sample;
}

async function otpGenServers(n: number): Promise<SpawnSample> {
  const rt = new Runtime({ logger: false });
  const heap0 = heapAfterGc();
  const t0 = now();
  const batch = new Array<Promise<unknown>>(BATCH);
  for (let i = 0; i < n; i += BATCH) {
    const size = Math.min(BATCH, n - i);
    batch.length = size;
    for (let k = 0; k < size; k++) batch[k] = rt.start(IdleServer, 0);
    await Promise.all(batch);
  }
  const t1 = now();
  batch.length = 0;
  const sample = spawnSample(n, t0, t1, heap0, heapAfterGc());
  const t2 = now();
  await rt.shutdown();
  sample.stop = ((now() - t2) * 1000) / n;
  return sample;
}

async function baselineRaw(
  n: number,
  body: (self: Proc) => Promise<unknown> = idleBaselineBody,
): Promise<SpawnSample> {
  const system = new System();
  const heap0 = heapAfterGc();
  const t0 = now();
  const ready = expect(n);
  for (let i = 0; i < n; i++) system.spawn(new Proc(system, body));
  await ready;
  const t1 = now();
  const sample = spawnSample(n, t0, t1, heap0, heapAfterGc());
  const t2 = now();
  system.shutdown();
  sample.stop = ((now() - t2) * 1000) / n;
  return sample;
}

async function baselineServers(n: number): Promise<SpawnSample> {
  const system = new System();
  const heap0 = heapAfterGc();
  const t0 = now();
  for (let i = 0; i < n; i++) start(system, IdleBaselineServer, 0);
  const t1 = now();
  const sample = spawnSample(n, t0, t1, heap0, heapAfterGc());
  const t2 = now();
  system.shutdown();
  sample.stop = ((now() - t2) * 1000) / n;
  return sample;
}

/** The limit's idle process: an actor whose handler would end it with its first message. */
const limitIdle: Handler = (actor) => actor.runtime.exit(actor, 'normal');

/** `n` idle limit actors with `handler` (the limit has no body to wait for: spawned is idle). */
async function limitActors(n: number, handler: Handler): Promise<SpawnSample> {
  const runtime = new LimitRuntime();
  const heap0 = heapAfterGc();
  const t0 = now();
  for (let i = 0; i < n; i++) runtime.spawn(handler, 0);
  const t1 = now();
  const sample = spawnSample(n, t0, t1, heap0, heapAfterGc());
  const t2 = now();
  runtime.shutdown();
  sample.stop = ((now() - t2) * 1000) / n;
  return sample;
}

/**
 * Mean µs per call, `CALLS` sequential calls, to a server alone in its runtime and
 * to one sharing its runtime with `IDLE` idle processes; both runtimes live in the
 * same heap and are measured in turn, so only the number of processes differs. Each
 * is the median of `rounds` rounds.
 */
async function callCost(
  setup: (idle: number) => Promise<{ call: () => Promise<unknown>; stop: () => Promise<void> }>,
  rounds: number,
): Promise<Sample> {
  const alone = await setup(0);
  const crowded = await setup(IDLE);
  const one: number[] = [];
  const many: number[] = [];
  const time = async (callOnce: () => Promise<unknown>): Promise<number> => {
    const t0 = now();
    for (let i = 0; i < CALLS; i++) await callOnce();
    return ((now() - t0) * 1000) / CALLS;
  };
  await time(alone.call); // Warm-up.
  await time(crowded.call);
  for (let r = 0; r < rounds; r++) {
    // Alternate which goes first, so that neither always follows the other.
    for (const crowd of r % 2 === 0 ? [false, true] : [true, false]) {
      collect();
      if (crowd) many.push(await time(crowded.call));
      else one.push(await time(alone.call));
    }
  }
  await alone.stop();
  await crowded.stop();
  const oneUs = median(one);
  const manyUs = median(many);
  return { value: manyUs / oneUs, one: oneUs, many: manyUs };
}

async function otpServerAmong(idle: number) {
  const rt = new Runtime({ logger: false });
  const pid = await rt.start(Counter, 0);
  const ready = expect(idle);
  for (let i = 0; i < idle; i++) rt.spawn(idleBody);
  if (idle > 0) await ready;
  return { call: () => GenServer.call(rt, pid, 'inc'), stop: () => rt.shutdown() };
}

async function baselineServerAmong(idle: number) {
  const system = new System();
  const server = start(system, BaselineCounter, 0);
  const ready = expect(idle);
  for (let i = 0; i < idle; i++) system.spawn(new Proc(system, idleBaselineBody));
  if (idle > 0) await ready;
  return { call: () => call(server, 'inc'), stop: async () => system.shutdown() };
}

async function limitServerAmong(idle: number) {
  const runtime = new LimitRuntime();
  const server = runtime.spawn(limitCounter, 0);
  for (let i = 0; i < idle; i++) runtime.spawn(limitIdle, 0);
  return { call: () => limitCall(server, 'inc'), stop: async () => runtime.shutdown() };
}

main(async () => {
  const figures: Figure[] = [];
  // First, on a clean heap: the cost of a call with 1 and with IDLE processes alive.
  collect();
  const costOtp = await callCost(otpServerAmong, ROUNDS);
  collect();
  const costBaseline = await callCost(baselineServerAmong, ROUNDS);
  collect();
  const costLimit = await callCost(limitServerAmong, ROUNDS);
  const idle = IDLE.toLocaleString('en-US');
  figures.push(
    {
      metric: 'call, 1 process alive',
      unit: 'µs/call',
      better: 'lower',
      otp: costOtp.one!,
      baseline: costBaseline.one!,
      limit: costLimit.one!,
      beam: 'call_one',
    },
    {
      metric: `call, ${idle} idle processes alive`,
      unit: 'µs/call',
      better: 'lower',
      otp: costOtp.many!,
      baseline: costBaseline.many!,
      limit: costLimit.many!,
      beam: 'call_many',
    },
    {
      metric: `call cost, ${idle} idle / 1`,
      unit: '×',
      better: 'lower',
      otp: costOtp.value,
      baseline: costBaseline.value,
      limit: costLimit.value,
      beam: 'call_cost',
      target: { kind: 'otp', op: '<=', value: 1.5, advisory: true },
      note: 'flat is 1×; 1.5× allows for noise',
    },
  );
  const kinds: {
    kind: string;
    /** The prefix of this kind's keys in the BEAM's output, if it has them. */
    beam?: string;
    otp: (n: number) => Promise<SpawnSample>;
    baseline: (n: number) => Promise<SpawnSample>;
    limit?: (n: number) => Promise<SpawnSample>;
    bytes?: number;
    spawnUs?: number;
    /** Only the small size (no large runs, no growth). */
    smallOnly?: boolean;
  }[] = [
    {
      kind: 'raw processes',
      beam: 'raw',
      otp: (n) => otpRaw(n),
      baseline: (n) => baselineRaw(n),
      limit: (n) => limitActors(n, limitIdle),
      bytes: 250,
      spawnUs: 0.5,
    },
    {
      kind: 'raw processes, async body',
      otp: (n) => otpRaw(n, idleAsyncBody),
      baseline: (n) => baselineRaw(n, idleAsyncBaselineBody),
      // For context only, and a third of the suite's time at both sizes.
      smallOnly: true,
    },
    {
      kind: 'GenServers',
      beam: 'gen',
      otp: otpGenServers,
      baseline: baselineServers,
      limit: (n) => limitActors(n, limitCounter),
      bytes: 600,
    },
  ];
  const nan = async (): Promise<SpawnSample> => ({
    value: Number.NaN,
    bytes: Number.NaN,
    stop: Number.NaN,
  });
  for (const { kind, beam, otp, baseline, limit = nan, bytes, spawnUs, smallOnly } of kinds) {
    const small = await compare(REPS, 'lower', {
      otp: (scale) => otp(Math.max(1, Math.round(SMALL * scale))),
      baseline: (scale) => baseline(Math.max(1, Math.round(SMALL * scale))),
      limit: (scale) => limit(Math.max(1, Math.round(SMALL * scale))),
    });
    const hasLimit = limit !== nan;
    const orNull = (value: number | undefined) => (hasLimit ? value! : null);
    const sizes: [number, string, Sample, Sample, Sample][] = [
      [SMALL, 'small', small.otp, small.baseline, small.limit],
    ];
    if (smallOnly !== true) {
      // The small size warmed the JIT up: no warm-up round at the large size.
      const large = await compare(
        LARGE_REPS,
        'lower',
        { otp: () => otp(LARGE), baseline: () => baseline(LARGE), limit: () => limit(LARGE) },
        { rounds: 0, scale: 0 },
      );
      sizes.push([LARGE, 'large', large.otp, large.baseline, large.limit]);
    }
    for (const [n, which, o, b, l] of sizes) {
      const size = n.toLocaleString('en-US');
      const key = (what: string) =>
        beam === undefined ? {} : { beam: `${beam}_${what}_${which}` };
      figures.push(
        {
          metric: `${kind}: spawn, ${size}`,
          unit: 'µs/process',
          better: 'lower',
          otp: o.value,
          baseline: b.value,
          limit: orNull(l.value),
          ...key('spawn'),
          ...(spawnUs === undefined ? {} : { target: { kind: 'otp', op: '<=', value: spawnUs } }),
        },
        {
          metric: `${kind}: memory, ${size}`,
          unit: 'bytes/process',
          better: 'lower',
          otp: o.bytes!,
          baseline: b.bytes!,
          limit: orNull(l.bytes),
          ...key('bytes'),
          ...(bytes === undefined ? {} : { target: { kind: 'otp', op: '<=', value: bytes } }),
        },
        {
          metric: `${kind}: stop, ${size}`,
          unit: 'µs/process',
          better: 'lower',
          otp: o.stop!,
          baseline: b.stop!,
          limit: orNull(l.stop),
          ...key('stop'),
        },
      );
    }
    const large = sizes[1];
    if (large === undefined) continue;
    figures.push({
      metric: `${kind}: spawn time, ${(LARGE / SMALL).toLocaleString('en-US')}× the processes`,
      unit: '×',
      better: 'lower',
      otp: (large[2].value * LARGE) / (small.otp.value * SMALL),
      baseline: (large[3].value * LARGE) / (small.baseline.value * SMALL),
      limit: orNull((large[4].value * LARGE) / (small.limit.value * SMALL)),
      ...(beam === undefined ? {} : { beam: `${beam}_growth` }),
      // Issue 7's target, kept as a guard against a spawn that grows worse than linearly.
      target: { kind: 'otp', op: '<=', value: 12, advisory: true },
      note: 'linear is 10×',
    });
  }
  report('spawn', figures);
});
