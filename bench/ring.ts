/**
 * ring: `processes` processes pass one token around `hops` times (each hop a send
 * and a receive): hops/s. otp-ts twice, as raw processes (`await self.receive()`,
 * `self.send`) and as GenServers (`handleInfo` forwarding with `rt.send`); the
 * baseline as synchronous actors and as async-receive processes, each otp-ts model
 * held to the target against the baseline of the same model.
 */
import { GenServer, type Pid, Runtime, type SystemInfo } from '../src/index.js';
import { Actor, Proc, System } from './baseline/system.js';
import { check, compare, main, now, param, report, type Sample, signal } from './lib/harness.js';

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
    otpRaw,
    otpGenServer,
    baselineActors,
    baselineProcs,
  });
  // Each otp-ts model is held to the target against the baseline of the same model: a
  // GenServer is a mailbox drained by a loop, as the baseline's actors; a raw process
  // is an async function awaiting receive(), as the baseline's Procs. Raw processes
  // against synchronous actors are shown too: that gap is the price of async/await.
  report('ring', [
    {
      metric: 'GenServers (handleInfo)',
      unit: 'hops/s',
      better: 'higher',
      otp: r.otpGenServer.value,
      baseline: r.baselineActors.value,
      target: { kind: 'ratio', op: '>=', value: 0.35 },
      note: 'baseline: synchronous actors',
    },
    {
      metric: 'raw processes',
      unit: 'hops/s',
      better: 'higher',
      otp: r.otpRaw.value,
      baseline: r.baselineProcs.value,
      target: { kind: 'ratio', op: '>=', value: 0.35 },
      note: 'baseline: processes with await receive(), as otp-ts raw processes',
    },
    {
      metric: 'raw processes vs synchronous actors',
      unit: 'hops/s',
      better: 'higher',
      otp: r.otpRaw.value,
      baseline: r.baselineActors.value,
      note: 'context: an await per hop against a function call per hop',
    },
  ]);
});
