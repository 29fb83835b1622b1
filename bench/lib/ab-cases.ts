/**
 * One process of `node bench/ab.mjs`: two copies of otp-ts's sources (URLs in
 * AB_FIRST and AB_SECOND, loaded in that order) side by side, timed in turn, one
 * first in one round and the other first in the next, each round against the limit
 * run before and after them. Prints one line of JSON: the medians over the rounds of
 * each copy's ratio to the limit and of the first's time over the second's.
 *
 * Cases (AB_CASE): `call` (sequential calls from outside any process), `fan-in`
 * (1,000 clients calling one server), `cast` (casts to one server, then a call),
 * `ring` (1,000 servers passing a token by cast). Each gives ns per operation.
 */
import type * as OtpTs from '../../src/index.js';
import {
  type Actor as LimitActor,
  LimitRuntime,
  call as limitCall,
  cast as limitCast,
  spawnTask,
} from '../baseline/limit/index.js';
import { limitCounter } from './counter.js';
import { check, median, now, signal } from './harness.js';
import { type LimitRingState, limitRingNode } from './limit-ring.js';

type Lib = typeof OtpTs;
type Case = 'call' | 'fan-in' | 'cast' | 'ring';
type Workload = (lib: Lib) => Promise<number>;

const CASES: readonly Case[] = ['call', 'fan-in', 'cast', 'ring'];
const CASE = (process.env.AB_CASE ?? 'call') as Case;
const REPS = Number(process.env.AB_REPS ?? 21);
const N = Number(process.env.AB_N ?? 100_000);
const CLIENTS = 1_000;
const RING = 1_000;

/** The counter of bench/lib/counter.ts, made from one copy's classes. */
function counterOf(lib: Lib) {
  return class extends lib.GenServer<number, 'inc' | 'get', 'inc'> {
    override init(start: number): number {
      return start;
    }
    override handleCall(request: 'inc' | 'get', _from: OtpTs.From, count: number) {
      const next = request === 'inc' ? count + 1 : count;
      return lib.reply(next, next);
    }
    override handleCast(_request: 'inc', count: number): number {
      return count + 1;
    }
  };
}

interface RingState {
  lib: Lib;
  rt: OtpTs.Runtime;
  next: OtpTs.Pid | undefined;
  done: (t: number) => void;
}

function ringNodeOf(lib: Lib) {
  return class extends lib.GenServer<RingState, never, number> {
    override handleCast(token: number, state: RingState): RingState {
      if (token === 0) state.done(now());
      else state.lib.GenServer.cast(state.rt, state.next!, token - 1);
      return state;
    }
  };
}

const counters = new Map<Lib, ReturnType<typeof counterOf>>();
const ringNodes = new Map<Lib, ReturnType<typeof ringNodeOf>>();

const otpWorkloads: Record<Case, Workload> = {
  async call(lib) {
    const rt = new lib.Runtime({ logger: false });
    const pid = await rt.start(counters.get(lib)!, 0);
    const t0 = now();
    for (let i = 0; i < N; i++) await lib.GenServer.call(rt, pid, 'inc');
    const t1 = now();
    await rt.shutdown();
    return ((t1 - t0) * 1e6) / N;
  },
  async 'fan-in'(lib) {
    const rt = new lib.Runtime({ logger: false });
    const pid = await rt.start(counters.get(lib)!, 0);
    const calls = Math.max(1, Math.round(N / CLIENTS));
    const exits: Promise<unknown>[] = [];
    const t0 = now();
    for (let c = 0; c < CLIENTS; c++) {
      const client = rt.spawn(async (self) => {
        for (let i = 0; i < calls; i++) await lib.GenServer.call(self, pid, 'inc');
      });
      exits.push(rt.awaitExit(client));
    }
    await Promise.all(exits);
    const t1 = now();
    check((await lib.GenServer.call(rt, pid, 'get')) === CLIENTS * calls, 'every call counted');
    await rt.shutdown();
    return ((t1 - t0) * 1e6) / (CLIENTS * calls);
  },
  async cast(lib) {
    const rt = new lib.Runtime({ logger: false });
    const pid = await rt.start(counters.get(lib)!, 0);
    const n = N * 10;
    const t0 = now();
    for (let i = 0; i < n; i++) lib.GenServer.cast(rt, pid, 'inc');
    check((await lib.GenServer.call(rt, pid, 'get')) === n, 'every cast counted');
    const t1 = now();
    await rt.shutdown();
    return ((t1 - t0) * 1e6) / n;
  },
  async ring(lib) {
    const rt = new lib.Runtime({ logger: false });
    const done = signal<number>();
    const states: RingState[] = [];
    const ring: OtpTs.Pid[] = [];
    for (let i = 0; i < RING; i++) {
      const state: RingState = { lib, rt, next: undefined, done: done.resolve };
      states.push(state);
      ring.push(await rt.start(ringNodes.get(lib)!, state));
    }
    for (let i = 0; i < RING; i++) states[i]!.next = ring[(i + 1) % RING];
    const hops = N * 10;
    const t0 = now();
    lib.GenServer.cast(rt, ring[0]!, hops);
    const t1 = await done.promise;
    await rt.shutdown();
    return ((t1 - t0) * 1e6) / hops;
  },
};

const limitWorkloads: Record<Case, () => Promise<number>> = {
  async call() {
    const runtime = new LimitRuntime();
    const server = runtime.spawn(limitCounter, 0);
    const t0 = now();
    for (let i = 0; i < N; i++) await limitCall(server, 'inc');
    const t1 = now();
    runtime.shutdown();
    return ((t1 - t0) * 1e6) / N;
  },
  async 'fan-in'() {
    const runtime = new LimitRuntime();
    const server = runtime.spawn(limitCounter, 0);
    const calls = Math.max(1, Math.round(N / CLIENTS));
    const done = signal<number>();
    let finished = 0;
    const t0 = now();
    for (let c = 0; c < CLIENTS; c++) {
      spawnTask(runtime, async () => {
        for (let i = 0; i < calls; i++) await limitCall(server, 'inc');
        if (++finished === CLIENTS) done.resolve(now());
      });
    }
    const t1 = await done.promise;
    runtime.shutdown();
    return ((t1 - t0) * 1e6) / (CLIENTS * calls);
  },
  async cast() {
    const runtime = new LimitRuntime();
    const server = runtime.spawn(limitCounter, 0);
    const n = N * 10;
    const t0 = now();
    for (let i = 0; i < n; i++) limitCast(server, 'inc');
    check((await limitCall(server, 'get')) === n, 'every cast counted');
    const t1 = now();
    runtime.shutdown();
    return ((t1 - t0) * 1e6) / n;
  },
  async ring() {
    const runtime = new LimitRuntime();
    const done = signal<number>();
    const ring: LimitActor[] = [];
    for (let i = 0; i < RING; i++) {
      ring.push(runtime.spawn(limitRingNode, { next: undefined, done: done.resolve }));
    }
    for (let i = 0; i < RING; i++) (ring[i]!.state as LimitRingState).next = ring[(i + 1) % RING];
    const hops = N * 10;
    const t0 = now();
    runtime.send(ring[0]!, hops);
    const t1 = await done.promise;
    runtime.shutdown();
    return ((t1 - t0) * 1e6) / hops;
  },
};

async function run(): Promise<void> {
  if (!CASES.includes(CASE)) {
    throw new Error(`--case: expected one of ${CASES.join(', ')}, got ${CASE}`);
  }
  for (const [name, value] of [
    ['--reps', REPS],
    ['--n', N],
  ] as const) {
    if (!Number.isInteger(value) || value < 1) {
      throw new Error(`${name}: expected a whole number >= 1, got ${value}`);
    }
  }
  // Loaded in this order: bench/ab.mjs swaps the versions from one process to the next.
  const a: Lib = await import(process.env.AB_FIRST!);
  const b: Lib = await import(process.env.AB_SECOND!);
  for (const lib of [a, b]) {
    counters.set(lib, counterOf(lib));
    ringNodes.set(lib, ringNodeOf(lib));
  }
  const otp = otpWorkloads[CASE];
  const limit = limitWorkloads[CASE];
  const firstLimit: number[] = [];
  const secondLimit: number[] = [];
  const speedUp: number[] = [];
  for (let round = 0; round < REPS; round++) {
    const before = await limit();
    let ta: number;
    let tb: number;
    if (round % 2 === 0) {
      ta = await otp(a);
      tb = await otp(b);
    } else {
      tb = await otp(b);
      ta = await otp(a);
    }
    const limitNs = (before + (await limit())) / 2;
    firstLimit.push(limitNs / ta);
    secondLimit.push(limitNs / tb);
    speedUp.push(ta / tb);
  }
  // One line for bench/ab.mjs, which runs several processes and puts them together.
  console.log(
    JSON.stringify({
      first: median(firstLimit),
      second: median(secondLimit),
      speedUp: median(speedUp),
    }),
  );
}

run().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
