/**
 * ring: `processes` processes pass one token around `hops` times (each hop a send
 * and a receive): hops/s. otp-ts three times: GenServers forwarding by
 * `GenServer.cast` (issue 14's target, against the limit; the BEAM's gen_servers do
 * the same with gen_server:cast), GenServers forwarding by `rt.send` to `handleInfo`,
 * and raw processes (`await self.receive()`, `self.send`). The baseline runs each
 * model as otp-ts does (servers casting, synchronous actors, async-receive
 * processes); the limit has one model, actors whose handler sends to the next.
 */
import { GenServer, type Pid, Runtime, type SystemInfo } from '../src/index.js';
import { type Actor as LimitActor, LimitRuntime } from './baseline/limit/index.js';
import { cast, Server, start } from './baseline/server.js';
import { Actor, Proc, System } from './baseline/system.js';
import { check, compare, main, now, param, report, type Sample, signal } from './lib/harness.js';
import { type LimitRingState, limitRingNode } from './lib/limit-ring.js';

const N = param('processes', 1_000, 50);
const HOPS = param('hops', 1_000_000, 20_000);
const REPS = param('reps', 5, 1);

/** Hops per second for a token sent with `hops` left at `t0`, done at `t1` ms. */
const rate = (hops: number, t0: number, t1: number): Sample => ({
  value: hops / ((t1 - t0) / 1000),
});

async function otpRaw(scale: number): Promise<Sample> {
  const hops = Math.round(HOPS * scale);
  const rt = new Runtime({ logger: false });
  const ring: Pid[] = new Array(N);
  const ready = signal();
  const done = signal<number>();
  let started = 0;
  for (let i = 0; i < N; i++) {
    ring[i] = rt.spawn(async (self) => {
      const next = ring[(i + 1) % N]!;
      if (++started === N) ready.resolve();
      for (;;) {
        const token = (await self.receive()) as number;
        if (token === 0) return done.resolve(now());
        self.send(next, token - 1);
      }
    });
  }
  await ready.promise;
  const t0 = now();
  rt.send(ring[0]!, hops);
  const t1 = await done.promise;
  await rt.shutdown();
  return rate(hops, t0, t1);
}

interface NodeState {
  rt: Runtime;
  next: Pid | undefined;
  done: (t: number) => void;
}

class RingNode extends GenServer<NodeState, never, never, number> {
  override handleInfo(message: number | SystemInfo, state: NodeState): NodeState {
    const token = message as number;
    if (token === 0) state.done(now());
    else state.rt.send(state.next!, token - 1);
    return state;
  }
}

async function otpGenServer(scale: number): Promise<Sample> {
  const hops = Math.round(HOPS * scale);
  const rt = new Runtime({ logger: false });
  const done = signal<number>();
  const states: NodeState[] = [];
  const ring: Pid[] = [];
  for (let i = 0; i < N; i++) {
    const state: NodeState = { rt, next: undefined, done: done.resolve };
    states.push(state);
    ring.push(await rt.start(RingNode, state));
  }
  // The state object is the server's own (init returns its argument): close the ring through it.
  for (let i = 0; i < N; i++) states[i]!.next = ring[(i + 1) % N];
  const t0 = now();
  rt.send(ring[0]!, hops);
  const t1 = await done.promise;
  await rt.shutdown();
  return rate(hops, t0, t1);
}

interface CastNodeState {
  rt: Runtime;
  next: Pid | undefined;
  done: (t: number) => void;
}

class CastNode extends GenServer<CastNodeState, never, number> {
  override handleCast(token: number, state: CastNodeState): CastNodeState {
    if (token === 0) state.done(now());
    else GenServer.cast(state.rt, state.next!, token - 1);
    return state;
  }
}

async function otpGenServerCast(scale: number): Promise<Sample> {
  const hops = Math.round(HOPS * scale);
  const rt = new Runtime({ logger: false });
  const done = signal<number>();
  const states: CastNodeState[] = [];
  const ring: Pid[] = [];
  for (let i = 0; i < N; i++) {
    const state: CastNodeState = { rt, next: undefined, done: done.resolve };
    states.push(state);
    ring.push(await rt.start(CastNode, state));
  }
  for (let i = 0; i < N; i++) states[i]!.next = ring[(i + 1) % N];
  const t0 = now();
  GenServer.cast(rt, ring[0]!, hops);
  const t1 = await done.promise;
  await rt.shutdown();
  return rate(hops, t0, t1);
}

class BaselineCastNode extends Server<{ next: Server | undefined; done: (t: number) => void }> {
  override handleCast(token: unknown): void {
    if (token === 0) this.state.done(now());
    else cast(this.state.next!, (token as number) - 1);
  }
}

async function baselineServers(scale: number): Promise<Sample> {
  const hops = Math.round(HOPS * scale);
  const system = new System();
  const done = signal<number>();
  const ring: BaselineCastNode[] = [];
  for (let i = 0; i < N; i++) {
    ring.push(start(system, BaselineCastNode, { next: undefined, done: done.resolve }));
  }
  for (let i = 0; i < N; i++) ring[i]!.state.next = ring[(i + 1) % N];
  const t0 = now();
  cast(ring[0]!, hops);
  const t1 = await done.promise;
  system.shutdown();
  return rate(hops, t0, t1);
}

async function limit(scale: number): Promise<Sample> {
  const hops = Math.round(HOPS * scale);
  const runtime = new LimitRuntime();
  const done = signal<number>();
  const ring: LimitActor[] = [];
  for (let i = 0; i < N; i++) {
    ring.push(runtime.spawn(limitRingNode, { next: undefined, done: done.resolve }));
  }
  for (let i = 0; i < N; i++) (ring[i]!.state as LimitRingState).next = ring[(i + 1) % N];
  const t0 = now();
  runtime.send(ring[0]!, hops);
  const t1 = await done.promise;
  runtime.shutdown();
  return rate(hops, t0, t1);
}

async function baselineActors(scale: number): Promise<Sample> {
  const hops = Math.round(HOPS * scale);
  const system = new System();
  const done = signal<number>();
  const ring: Actor[] = new Array(N);
  for (let i = 0; i < N; i++) {
    ring[i] = system.spawn(
      new Actor(system, (message) => {
        const token = message as number;
        if (token === 0) done.resolve(now());
        else system.send(ring[(i + 1) % N]!, token - 1);
      }),
    );
  }
  const t0 = now();
  system.send(ring[0]!, hops);
  const t1 = await done.promise;
  system.shutdown();
  return rate(hops, t0, t1);
}

async function baselineProcs(scale: number): Promise<Sample> {
  const hops = Math.round(HOPS * scale);
  const system = new System();
  const ring: Proc[] = new Array(N);
  const ready = signal();
  const done = signal<number>();
  let started = 0;
  for (let i = 0; i < N; i++) {
    ring[i] = system.spawn(
      new Proc(system, async (self) => {
        const next = ring[(i + 1) % N]!;
        if (++started === N) ready.resolve();
        for (;;) {
          const token = (await self.receive()) as number;
          if (token === 0) return done.resolve(now());
          self.send(next, token - 1);
        }
      }),
    );
  }
  await ready.promise;
  const t0 = now();
  system.send(ring[0]!, hops);
  const t1 = await done.promise;
  system.shutdown();
  return rate(hops, t0, t1);
}

main(async () => {
  check(N >= 2, 'a ring needs 2 processes');
  const r = await compare(REPS, 'higher', {
    otpGenServerCast,
    otpGenServer,
    otpRaw,
    baselineServers,
    baselineActors,
    baselineProcs,
    limit,
  });
  // The baseline column holds the baseline of the same model as each otp-ts row; the
  // limit column the limit's actors for all three, so that the last row shows the
  // price of an await per hop.
  report('ring', [
    {
      metric: 'GenServers, hops by cast',
      unit: 'hops/s',
      better: 'higher',
      otp: r.otpGenServerCast.value,
      baseline: r.baselineServers.value,
      limit: r.limit.value,
      beam: 'genservers',
      target: { kind: 'limit', op: '>=', value: 0.4 },
      note: 'baseline: servers casting; BEAM: gen_server:cast',
    },
    {
      metric: 'GenServers, hops by send (handleInfo)',
      unit: 'hops/s',
      better: 'higher',
      otp: r.otpGenServer.value,
      baseline: r.baselineActors.value,
      limit: r.limit.value,
      beam: 'genservers_info',
      target: { kind: 'baseline', op: '>=', value: 0.35, advisory: true },
      note: 'baseline: synchronous actors; BEAM: ! to handle_info',
    },
    {
      metric: 'raw processes',
      unit: 'hops/s',
      better: 'higher',
      otp: r.otpRaw.value,
      baseline: r.baselineProcs.value,
      limit: r.limit.value,
      beam: 'processes',
      target: { kind: 'baseline', op: '>=', value: 0.35, advisory: true },
      note: 'baseline: processes with await receive(), as otp-ts raw processes; BEAM: receive and !',
    },
  ]);
});
