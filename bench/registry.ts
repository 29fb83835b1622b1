/**
 * registry: `names` idle processes (spawned before the clock starts) each get a
 * name with `rt.register`, then every name is looked up with `rt.whereis`; then the
 * same through a `Registry` with unique keys (`Registry.register` on each
 * process's behalf, `Registry.lookup`): ops/s, registers and lookups together.
 * The registry is addressed by its pid, as the baseline holds its registry directly.
 * The limit is a bare `Map` from name to process (`set`, then `get`): for the name
 * table, a Map of the same names to the same pids, timed in the same heap right
 * before or after it (a second row keeps the Map beside the limit's small actors);
 * for the Registry, the latter. The BEAM: register/2 and whereis/1 of atoms made
 * beforehand.
 */
import { type Pid, Registry, Runtime, type Self } from '../src/index.js';
import { type Actor, LimitRuntime } from './baseline/limit/index.js';
import { Registry as BaselineRegistry } from './baseline/registry.js';
import { Proc, type Process, System } from './baseline/system.js';
import {
  check,
  collect,
  compare,
  type Figure,
  main,
  now,
  param,
  report,
  type Sample,
  signal,
  type Target,
} from './lib/harness.js';

const NAMES = param('names', 100_000, 2_000);
const REPS = param('reps', 3, 1);

const keys = Array.from({ length: NAMES }, (_, i) => `name-${i}`);

/*
 * Each case has its own two loops, not a shared helper taking callbacks: a call site
 * that sees every case's callback is megamorphic, and its cost would be a large part
 * of a bare Map's.
 *
 * Every case collects before its timed loops, on every side alike: the processes just
 * spawned leave the collector marking in the background, and the loops would pay its
 * write barriers and pauses, which belong to the spawn, not to the name table.
 */

/** Ops/s of registers and lookups together and of each, from the loops' times. */
function rates(n: number, found: number, t0: number, t1: number, t2: number): Sample {
  check(found === n, `every name resolves to its process (${found} of ${n})`);
  return {
    value: (2 * n) / ((t2 - t0) / 1000),
    register: n / ((t1 - t0) / 1000),
    lookup: n / ((t2 - t1) / 1000),
  };
}

/** `n` otp-ts processes idle in receive, with their selves. */
async function otpProcesses(rt: Runtime, n: number): Promise<{ pids: Pid[]; selves: Self[] }> {
  const selves: Self[] = new Array(n);
  const ready = signal();
  let started = 0;
  const pids: Pid[] = [];
  for (let i = 0; i < n; i++) {
    pids.push(
      rt.spawn(async (self) => {
        selves[i] = self;
        if (++started === n) ready.resolve();
        await self.receive();
      }),
    );
  }
  await ready.promise;
  return { pids, selves };
}

async function baselineProcesses(system: System, n: number): Promise<Process[]> {
  const ready = signal();
  let started = 0;
  const procs: Process[] = [];
  for (let i = 0; i < n; i++) {
    procs.push(
      system.spawn(
        new Proc(system, async (self) => {
          if (++started === n) ready.resolve();
          await self.receive();
        }),
      ),
    );
  }
  await ready.promise;
  return procs;
}

/** Cases of `otpNames` so far: the bare Map and the name table take turns going first. */
let namesRuns = 0;

/**
 * The name table, and a bare Map of the same names to the same pids in the same heap
 * (`sameHeap*`): the Map's cost grows with the heap it lives in (its growth and the
 * collections it triggers), so the Map beside the limit's small actors measures the
 * heap as much as the table.
 */
async function otpNames(scale: number): Promise<Sample> {
  const n = Math.round(NAMES * scale);
  const rt = new Runtime({ logger: false });
  const { pids } = await otpProcesses(rt, n);
  const table = (): Sample => {
    collect();
    const t0 = now();
    for (let i = 0; i < n; i++) rt.register(keys[i]!, pids[i]!);
    const t1 = now();
    let found = 0;
    for (let i = 0; i < n; i++) if (rt.whereis(keys[i]!) === pids[i]) found++;
    return rates(n, found, t0, t1, now());
  };
  const bareMap = (): Sample => {
    const map = new Map<string, Pid>();
    collect();
    const t0 = now();
    for (let i = 0; i < n; i++) map.set(keys[i]!, pids[i]!);
    const t1 = now();
    let found = 0;
    for (let i = 0; i < n; i++) if (map.get(keys[i]!) === pids[i]) found++;
    return rates(n, found, t0, t1, now());
  };
  let sample: Sample;
  let map: Sample;
  if (namesRuns++ % 2 === 0) {
    sample = table();
    map = bareMap();
  } else {
    map = bareMap();
    sample = table();
  }
  sample.sameHeap = map.value;
  sample.sameHeapRegister = map.register!;
  sample.sameHeapLookup = map.lookup!;
  await rt.shutdown();
  return sample;
}

async function otpRegistry(scale: number): Promise<Sample> {
  const n = Math.round(NAMES * scale);
  const rt = new Runtime({ logger: false });
  const registry = await rt.start(Registry, { keys: 'unique' }, { name: 'registry' });
  const { pids, selves } = await otpProcesses(rt, n);
  collect();
  const t0 = now();
  for (let i = 0; i < n; i++) Registry.register(selves[i]!, registry, keys[i], i);
  const t1 = now();
  let found = 0;
  for (let i = 0; i < n; i++)
    if (Registry.lookup(rt, registry, keys[i])[0]?.[0] === pids[i]) found++;
  const sample = rates(n, found, t0, t1, now());
  await rt.shutdown();
  return sample;
}

async function baselineNames(scale: number): Promise<Sample> {
  const n = Math.round(NAMES * scale);
  const system = new System();
  const procs = await baselineProcesses(system, n);
  collect();
  const t0 = now();
  for (let i = 0; i < n; i++) system.register(keys[i]!, procs[i]!);
  const t1 = now();
  let found = 0;
  for (let i = 0; i < n; i++) if (system.whereis(keys[i]!) === procs[i]) found++;
  const sample = rates(n, found, t0, t1, now());
  system.shutdown();
  return sample;
}

async function baselineRegistry(scale: number): Promise<Sample> {
  const n = Math.round(NAMES * scale);
  const system = new System();
  const registry = new BaselineRegistry(system);
  const procs = await baselineProcesses(system, n);
  collect();
  const t0 = now();
  for (let i = 0; i < n; i++) registry.register(procs[i]!, keys[i], i);
  const t1 = now();
  let found = 0;
  for (let i = 0; i < n; i++) if (registry.lookup(keys[i])[0]?.[0] === procs[i]) found++;
  const sample = rates(n, found, t0, t1, now());
  system.shutdown();
  return sample;
}

/** A bare Map from name to process: what a name table cannot beat. */
async function limit(scale: number): Promise<Sample> {
  const n = Math.round(NAMES * scale);
  const runtime = new LimitRuntime();
  const actors: Actor[] = [];
  for (let i = 0; i < n; i++) actors.push(runtime.spawn(() => {}, undefined));
  const map = new Map<string, Actor>();
  collect();
  const t0 = now();
  for (let i = 0; i < n; i++) map.set(keys[i]!, actors[i]!);
  const t1 = now();
  let found = 0;
  for (let i = 0; i < n; i++) if (map.get(keys[i]!) === actors[i]) found++;
  const sample = rates(n, found, t0, t1, now());
  runtime.shutdown();
  return sample;
}

main(async () => {
  const r = await compare(REPS, 'higher', {
    otpNames,
    otpRegistry,
    baselineNames,
    baselineRegistry,
    limit,
  });
  const figures = (
    what: string,
    otp: Sample,
    base: Sample,
    limit: { value: number; register: number; lookup: number },
    extra: { beam?: string; target: Target },
  ): Figure[] => [
    {
      metric: `${what}: register + lookup`,
      unit: 'ops/s',
      better: 'higher',
      otp: otp.value,
      baseline: base.value,
      limit: limit.value,
      ...(extra.beam === undefined ? {} : { beam: extra.beam }),
      target: extra.target,
    },
    {
      metric: `${what}: register`,
      unit: 'ops/s',
      better: 'higher',
      otp: otp.register!,
      baseline: base.register!,
      limit: limit.register,
      ...(extra.beam === undefined ? {} : { beam: `${extra.beam}_register` }),
    },
    {
      metric: `${what}: lookup`,
      unit: 'ops/s',
      better: 'higher',
      otp: otp.lookup!,
      baseline: base.lookup!,
      limit: limit.lookup,
      ...(extra.beam === undefined ? {} : { beam: `${extra.beam}_lookup` }),
    },
  ];
  const limitMap = { value: r.limit.value, register: r.limit.register!, lookup: r.limit.lookup! };
  const sameHeapMap = {
    value: r.otpNames.sameHeap!,
    register: r.otpNames.sameHeapRegister!,
    lookup: r.otpNames.sameHeapLookup!,
  };
  report('registry', [
    ...figures('rt.register / rt.whereis', r.otpNames, r.baselineNames, sameHeapMap, {
      beam: 'names',
      target: { kind: 'limit', op: '>=', value: 0.8 },
    }),
    {
      metric: "rt.register / rt.whereis ÷ a bare Map beside the limit's actors: register + lookup",
      unit: 'ops/s',
      better: 'higher',
      otp: r.otpNames.value,
      baseline: null,
      limit: r.limit.value,
      note: 'the same Map in a heap of 100,000 small actors rather than of otp-ts processes',
    },
    ...figures('Registry (unique keys)', r.otpRegistry, r.baselineRegistry, limitMap, {
      target: { kind: 'baseline', op: '>=', value: 0.5, advisory: true },
    }),
  ]);
});
