/**
 * exit: `processes` idle processes (spawned and idle before the clock starts) are
 * killed one after another from outside, and the clock stops once every one has
 * exited, and the microtasks the exits queued have run: µs per process. otp-ts's raw processes wait in `receive`
 * and are ended with `rt.exit(pid, 'kill')`; its GenServers the same. The baseline's
 * processes wait in `receive` and end with `system.exit`; the limit's actors wait
 * for a message and end with `runtime.exit`. The BEAM: processes waiting in receive,
 * `exit(Pid, kill)` each, until the process count is back.
 */
import { GenServer, type Pid, Runtime, type Self } from '../src/index.js';
import { type Actor, DEAD, type Handler, LimitRuntime } from './baseline/limit/index.js';
import { Server, start } from './baseline/server.js';
import { Proc, type Process, System } from './baseline/system.js';
import {
  check,
  collect,
  compare,
  main,
  now,
  param,
  report,
  type Sample,
  signal,
  tick,
} from './lib/harness.js';

const PROCESSES = param('processes', 100_000, 2_000);
const REPS = param('reps', 5, 1);

let started = 0;
let expected = 0;
let allStarted: () => void = () => {};

/** Resolves once `n` bodies have reached their receive. */
function expect(n: number): Promise<void> {
  const ready = signal();
  started = 0;
  expected = n;
  allStarted = ready.resolve;
  return ready.promise;
}

/** As bench/spawn.ts's idle body: waits in `receive`, a body shared by every process. */
function idleBody(self: Self): Promise<unknown> {
  if (++started === expected) allStarted();
  return self.receive();
}

function idleBaselineBody(self: Proc): Promise<unknown> {
  if (++started === expected) allStarted();
  return self.receive();
}

class IdleServer extends GenServer<number> {}

class IdleBaselineServer extends Server<number> {}

const limitIdle: Handler = (actor) => actor.runtime.exit(actor, 'normal');

/*
 * Each case has its own loops, not a shared helper taking callbacks: a call site that
 * sees every case's callback is megamorphic, and its cost (a few ns) would be a large
 * part of the limit's exit.
 */

/** µs per process from `t0` for `n` processes, once the microtasks the exits queued have run. */
async function finish(n: number, t0: number): Promise<Sample> {
  await Promise.resolve();
  return { value: ((now() - t0) * 1000) / n };
}

async function otpRaw(scale: number): Promise<Sample> {
  const n = Math.max(1, Math.round(PROCESSES * scale));
  const rt = new Runtime({ logger: false });
  const pids: Pid[] = new Array(n);
  const ready = expect(n);
  for (let i = 0; i < n; i++) pids[i] = rt.spawn(idleBody);
  await ready;
  // Every case starts on a collected heap, its processes in the old generation.
  collect();
  const t0 = now();
  for (let i = 0; i < n; i++) rt.exit(pids[i]!, 'kill');
  // An exit may finish later than the call that caused it: wait for each.
  for (let i = 0; i < n; i++) while (rt.isAlive(pids[i]!)) await tick();
  const sample = await finish(n, t0);
  check(rt.processes().length === 0, 'every process exited');
  await rt.shutdown();
  return sample;
}

async function otpGenServers(scale: number): Promise<Sample> {
  const n = Math.max(1, Math.round(PROCESSES * scale));
  const rt = new Runtime({ logger: false });
  const pids: Pid[] = [];
  for (let i = 0; i < n; i += 1_000) {
    const batch: Promise<Pid>[] = [];
    for (let k = i; k < Math.min(n, i + 1_000); k++) batch.push(rt.start(IdleServer, 0));
    pids.push(...(await Promise.all(batch)));
  }
  collect();
  const t0 = now();
  for (let i = 0; i < n; i++) rt.exit(pids[i]!, 'kill');
  for (let i = 0; i < n; i++) while (rt.isAlive(pids[i]!)) await tick();
  const sample = await finish(n, t0);
  check(rt.processes().length === 0, 'every server exited');
  await rt.shutdown();
  return sample;
}

async function baselineRaw(scale: number): Promise<Sample> {
  const n = Math.max(1, Math.round(PROCESSES * scale));
  const system = new System();
  const procs: Process[] = new Array(n);
  const ready = expect(n);
  for (let i = 0; i < n; i++) procs[i] = system.spawn(new Proc(system, idleBaselineBody));
  await ready;
  collect();
  const t0 = now();
  for (let i = 0; i < n; i++) system.exit(procs[i]!, 'kill');
  for (let i = 0; i < n; i++) while (procs[i]!.alive) await tick();
  const sample = await finish(n, t0);
  check(system.processes.size === 0, 'every process exited');
  return sample;
}

async function baselineServers(scale: number): Promise<Sample> {
  const n = Math.max(1, Math.round(PROCESSES * scale));
  const system = new System();
  const procs: Process[] = new Array(n);
  for (let i = 0; i < n; i++) procs[i] = start(system, IdleBaselineServer, 0);
  collect();
  const t0 = now();
  for (let i = 0; i < n; i++) system.exit(procs[i]!, 'kill');
  for (let i = 0; i < n; i++) while (procs[i]!.alive) await tick();
  const sample = await finish(n, t0);
  check(system.processes.size === 0, 'every server exited');
  return sample;
}

async function limit(scale: number): Promise<Sample> {
  const n = Math.max(1, Math.round(PROCESSES * scale));
  const runtime = new LimitRuntime();
  const actors: Actor[] = new Array(n);
  for (let i = 0; i < n; i++) actors[i] = runtime.spawn(limitIdle, 0);
  collect();
  const t0 = now();
  for (let i = 0; i < n; i++) runtime.exit(actors[i]!, 'kill');
  for (let i = 0; i < n; i++) while (actors[i]!.status !== DEAD) await tick();
  const sample = await finish(n, t0);
  check(runtime.processes === 0, 'every actor exited');
  return sample;
}

main(async () => {
  const r = await compare(REPS, 'lower', {
    otpRaw,
    otpGenServers,
    baselineRaw,
    baselineServers,
    limit,
  });
  report('exit', [
    {
      metric: 'idle raw processes killed',
      unit: 'µs/process',
      better: 'lower',
      otp: r.otpRaw.value,
      baseline: r.baselineRaw.value,
      limit: r.limit.value,
      beam: 'processes',
      target: { kind: 'limit', op: '<=', value: 2 },
    },
    {
      metric: 'idle GenServers killed',
      unit: 'µs/process',
      better: 'lower',
      otp: r.otpGenServers.value,
      baseline: r.baselineServers.value,
      limit: r.limit.value,
      beam: 'genservers',
    },
  ]);
});
