/**
 * The chaos workload, shared by test/integration/chaos.test.ts (a few seconds, in CI)
 * and bench/soak.ts (minutes): a supervision tree of counters, clients that call and
 * cast to them without pause, and a chaos process that kills workers and supervisors
 * in every way a process can die.
 *
 * The tree (all names local unless said):
 *
 * ```
 * Chaos.Root (rest_for_one)
 * ├── Chaos.Registry            unique keys: the via names of half the workers
 * ├── Chaos.Zone.0 (one_for_one)
 * │   ├── Chaos.Group.0.0 (one_for_one | one_for_all | rest_for_one, in turn)
 * │   │   ├── w.0.0.0           { via: 'Chaos.Registry', key: 'w.0.0.0' }
 * │   │   ├── w.0.0.1           'w.0.0.1'
 * │   │   └── ...
 * │   └── ...
 * └── ...
 * ```
 *
 * The registry comes first under a rest_for_one root, as OTP advises: if it dies,
 * everything registered in it restarts and registers again.
 */
import {
  CallError,
  type ChildSpec,
  type From,
  GenServer,
  type Name,
  noreply,
  Pid,
  Registry,
  type Runtime,
  reply,
  type Self,
  type Strategy,
  Supervisor,
  Sys,
} from '../../src/index.js';

export interface ChaosOptions {
  /** Supervisors under the root. */
  zones: number;
  /** Supervisors under each zone. */
  groupsPerZone: number;
  /** Counters under each group. */
  workersPerGroup: number;
  /** Processes calling and casting to random workers. */
  clients: number;
  /** The timeout of every client call, in ms. */
  callTimeout: number;
  /** The chaos acts once per this many settled client calls. */
  callsPerAct: number;
  /** Seed of the random choices, so a run can be repeated. */
  seed: number;
}

export const REGISTRY = 'Chaos.Registry';
export const ROOT = 'Chaos.Root';

/** A small, seeded PRNG (mulberry32), so a failing run can be repeated. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ── The workers ──────────────────────────────────────────────────────────────

export type CounterCall =
  | { type: 'inc' }
  | { type: 'get' }
  | { type: 'slow' }
  | { type: 'crash'; by: string };
export type CounterCast = { type: 'inc' } | { type: 'crash'; by: string } | { type: 'reject' };

const macrotask = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A counter that can be told to die: a throw in handleCall or handleCast, or a rejected promise. */
export class Counter extends GenServer<number, CounterCall, CounterCast> {
  override init(): number {
    return 0;
  }

  override handleCall(request: CounterCall, _from: From, count: number) {
    switch (request.type) {
      case 'inc':
        return reply(count + 1, count + 1);
      case 'get':
        return reply(count, count);
      case 'slow':
        // An async handler: the server takes no other message until it settles.
        return macrotask().then(() => reply(count + 1, count + 1));
      case 'crash':
        throw new Error(`chaos: thrown in handleCall by ${request.by}`);
    }
  }

  override handleCast(request: CounterCast, count: number) {
    switch (request.type) {
      case 'inc':
        return noreply(count + 1);
      case 'crash':
        throw new Error(`chaos: thrown in handleCast by ${request.by}`);
      case 'reject':
        return Promise.resolve().then(() => {
          throw new Error('chaos: a rejected promise from an async handleCast');
        });
    }
  }
}

// ── The tree ─────────────────────────────────────────────────────────────────

export interface WorkerSpot {
  id: string;
  name: Name;
  zone: number;
  group: number;
}

export interface Tree {
  zones: string[];
  groups: string[];
  workers: WorkerSpot[];
  /** The names clients and the chaos reach workers by. */
  names: Name[];
  /** How many processes and names the tree holds when complete. */
  processes: number;
  localNames: number;
  viaNames: number;
}

const STRATEGIES: Strategy[] = ['one_for_one', 'one_for_all', 'rest_for_one'];

export const zoneName = (z: number): string => `Chaos.Zone.${z}`;
export const groupName = (z: number, g: number): string => `Chaos.Group.${z}.${g}`;

/** Starts the tree under `Chaos.Root`; resolves once every process in it has started. */
export async function startTree(rt: Runtime, opts: ChaosOptions): Promise<Tree> {
  const tree: Tree = {
    zones: [],
    groups: [],
    workers: [],
    names: [],
    processes: 0,
    localNames: 0,
    viaNames: 0,
  };
  const zoneSpecs: ChildSpec[] = [];
  for (let z = 0; z < opts.zones; z++) {
    const groupSpecs: ChildSpec[] = [];
    for (let g = 0; g < opts.groupsPerZone; g++) {
      const workerSpecs: ChildSpec[] = [];
      for (let i = 0; i < opts.workersPerGroup; i++) {
        const id = `w.${z}.${g}.${i}`;
        const name: Name = i % 2 === 0 ? { via: REGISTRY, key: id } : id;
        workerSpecs.push({
          id,
          start: [Counter, undefined, { name }],
          restart: i % 5 === 4 ? 'transient' : 'permanent',
          shutdown: 1000,
        });
        tree.workers.push({ id, name, zone: z, group: g });
        tree.names.push(name);
        if (typeof name === 'string') tree.localNames++;
        else tree.viaNames++;
      }
      const name = groupName(z, g);
      tree.groups.push(name);
      groupSpecs.push({
        id: name,
        type: 'supervisor',
        start: [
          Supervisor,
          {
            children: workerSpecs,
            strategy: STRATEGIES[(z * opts.groupsPerZone + g) % STRATEGIES.length],
            maxRestarts: 1_000_000,
            maxSeconds: 1,
          },
          { name },
        ],
      });
    }
    const name = zoneName(z);
    tree.zones.push(name);
    zoneSpecs.push({
      id: name,
      type: 'supervisor',
      start: [
        Supervisor,
        { children: groupSpecs, maxRestarts: 1_000_000, maxSeconds: 1 },
        { name },
      ],
    });
  }
  await rt.start(
    Supervisor,
    {
      children: [
        { id: 'registry', start: [Registry, { keys: 'unique' }, { name: REGISTRY }] },
        ...zoneSpecs,
      ],
      strategy: 'rest_for_one',
      // Generous by design: the root must outlive any amount of chaos below it.
      maxRestarts: 1_000_000,
      maxSeconds: 1,
    },
    { name: ROOT, timeout: 60_000 },
  );
  tree.processes = 2 + tree.zones.length + tree.groups.length + tree.workers.length;
  tree.localNames += 2 + tree.zones.length + tree.groups.length;
  return tree;
}

// ── Clients ──────────────────────────────────────────────────────────────────

export interface ClientStats {
  /** Calls made, and how they settled. */
  calls: number;
  ok: number;
  /** Rejected with a CallError, by reason: noproc, timeout, or the server's exit. */
  noproc: number;
  timeout: number;
  exited: number;
  /** Rejected with anything but a CallError: must stay 0. */
  other: number;
  otherErrors: unknown[];
  casts: number;
  /** The slowest call, and how many took longer than their timeout plus a second. */
  maxCallMs: number;
  overdue: number;
}

export function clientStats(): ClientStats {
  return {
    calls: 0,
    ok: 0,
    noproc: 0,
    timeout: 0,
    exited: 0,
    other: 0,
    otherErrors: [],
    casts: 0,
    maxCallMs: 0,
    overdue: 0,
  };
}

export const settled = (s: ClientStats): number => s.ok + s.noproc + s.timeout + s.exited + s.other;

export interface Clients {
  stats: ClientStats;
  /** Resolves once `n` more calls have settled. */
  settledMore(n: number): Promise<void>;
  /** Stops every client after its call in flight settles; resolves once all have exited. */
  stop(): Promise<void>;
}

/** Starts `opts.clients` processes that call and cast to random workers until stopped. */
export function startClients(rt: Runtime, tree: Tree, opts: ChaosOptions): Clients {
  const stats = clientStats();
  const rand = random(opts.seed ^ 0x5eed);
  let running = true;
  let waiters: Array<{ at: number; resolve: () => void }> = [];
  const onSettled = (): void => {
    if (waiters.length === 0) return;
    const done = settled(stats);
    const due = waiters.filter((w) => w.at <= done);
    if (due.length === 0) return;
    waiters = waiters.filter((w) => w.at > done);
    for (const w of due) w.resolve();
  };
  const call = async (self: Self, dest: Name, request: CounterCall): Promise<void> => {
    stats.calls++;
    const t0 = performance.now();
    let failed = false;
    try {
      await GenServer.call(self, dest, request, opts.callTimeout);
      stats.ok++;
    } catch (error) {
      failed = true;
      if (!(error instanceof CallError)) {
        stats.other++;
        if (stats.otherErrors.length < 10) stats.otherErrors.push(error);
      } else if (error.reason === 'noproc') stats.noproc++;
      else if (error.reason === 'timeout') stats.timeout++;
      else stats.exited++;
    }
    const ms = performance.now() - t0;
    if (ms > stats.maxCallMs) stats.maxCallMs = ms;
    if (ms > opts.callTimeout + 1000) stats.overdue++;
    onSettled();
    // A call to a name nobody holds fails at once: let the event loop turn before the next.
    if (failed) await macrotask();
  };
  const pids: Pid[] = [];
  for (let c = 0; c < opts.clients; c++) {
    pids.push(
      rt.spawn(async (self) => {
        while (running) {
          const dest = tree.names[Math.floor(rand() * tree.names.length)]!;
          const dice = rand();
          if (dice < 0.7) await call(self, dest, { type: 'inc' });
          else if (dice < 0.8) await call(self, dest, { type: 'slow' });
          else if (dice < 0.85) await call(self, dest, { type: 'get' });
          else {
            GenServer.cast(self, dest, { type: 'inc' });
            stats.casts++;
            await Promise.resolve();
          }
        }
      }),
    );
  }
  return {
    stats,
    settledMore: (n) =>
      new Promise((resolve) => {
        waiters.push({ at: settled(stats) + n, resolve });
      }),
    stop: async () => {
      running = false;
      await Promise.all(pids.map((pid) => rt.awaitExit(pid)));
      for (const w of waiters) w.resolve();
      waiters = [];
    },
  };
}

// ── Chaos ────────────────────────────────────────────────────────────────────

export interface ChaosStats {
  acts: number;
  /** Workers killed, by how. */
  kill: number;
  thrown: number;
  rejected: number;
  sysTerminate: number;
  /** Supervisors killed or terminated. */
  groups: number;
  zones: number;
  /** Targets found not running (restarting) when picked. */
  missed: number;
}

/**
 * Runs the chaos process until `until()` says stop: each act picks a random worker
 * (mostly) or supervisor and ends it, waits for it to exit, then lets the clients settle
 * `callsPerAct` more calls before the next act, so chaos keeps pace with the load.
 */
export function startChaos(
  rt: Runtime,
  tree: Tree,
  clients: Clients,
  opts: ChaosOptions,
  until: () => boolean,
): { stats: ChaosStats; done: Promise<void> } {
  const stats: ChaosStats = {
    acts: 0,
    kill: 0,
    thrown: 0,
    rejected: 0,
    sysTerminate: 0,
    groups: 0,
    zones: 0,
    missed: 0,
  };
  const rand = random(opts.seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
  let finish!: () => void;
  let fail!: (error: unknown) => void;
  const done = new Promise<void>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  const pid = rt.spawn(async (self) => {
    while (!until()) {
      const dice = rand();
      const kind = dice < 0.85 ? 'worker' : dice < 0.96 ? 'group' : 'zone';
      const name: Name =
        kind === 'worker'
          ? pick(tree.names)
          : kind === 'group'
            ? pick(tree.groups)
            : pick(tree.zones);
      const target = rt.whereis(name);
      if (target === undefined || !rt.isAlive(target)) {
        stats.missed++;
        await clients.settledMore(opts.callsPerAct);
        continue;
      }
      stats.acts++;
      const exited = rt.awaitExit(target);
      const how =
        kind === 'worker'
          ? pick(['kill', 'thrown', 'rejected', 'sys'] as const)
          : pick(['kill', 'sys'] as const);
      if (kind === 'group') stats.groups++;
      if (kind === 'zone') stats.zones++;
      switch (how) {
        case 'kill':
          if (kind === 'worker') stats.kill++;
          self.exit(target, 'kill');
          break;
        case 'thrown':
          stats.thrown++;
          if (rand() < 0.5) {
            // The call fails with the server's exit reason: a CallError, as the caller expects.
            await GenServer.call(self, target, { type: 'crash', by: 'chaos' }).catch(() => {});
          } else {
            GenServer.cast(self, target, { type: 'crash', by: 'chaos' });
          }
          break;
        case 'rejected':
          stats.rejected++;
          GenServer.cast(self, target, { type: 'reject' });
          break;
        case 'sys':
          if (kind === 'worker') stats.sysTerminate++;
          await Sys.terminate(self, target, { chaos: 'Sys.terminate' }).catch(() => {});
          break;
      }
      await exited;
      await clients.settledMore(opts.callsPerAct);
    }
  });
  rt.awaitExit(pid).then(
    (reason) => (reason === 'normal' ? finish() : fail(reason)),
    (error: unknown) => fail(error),
  );
  return { stats, done };
}

// ── Checking the tree ────────────────────────────────────────────────────────

/**
 * Walks the tree with whichChildren calls and lists what is not as it should be: a
 * child not running, a supervisor or worker not registered under its name, a count
 * that differs. Empty when the tree is complete.
 */
export async function treeFaults(rt: Runtime, tree: Tree): Promise<string[]> {
  const faults: string[] = [];
  const running = (pid: unknown): pid is Pid => pid instanceof Pid && rt.isAlive(pid);
  const registered = (name: Name, pid: Pid, what: string): void => {
    if (rt.whereis(name) !== pid) faults.push(`${what} is not registered under its name`);
  };
  const root = rt.whereis(ROOT);
  if (root === undefined) return ['the root is not running'];
  const top = await Supervisor.whichChildren(rt, root);
  if (top.length !== 1 + tree.zones.length) faults.push(`the root has ${top.length} children`);
  for (const child of top) {
    if (!running(child.pid)) {
      faults.push(`${String(child.id)} is not running`);
      continue;
    }
    registered(
      child.id === 'registry' ? REGISTRY : (child.id as string),
      child.pid,
      String(child.id),
    );
    if (child.id === 'registry') continue;
    const groups = await Supervisor.whichChildren(rt, child.pid);
    if (groups.length !== tree.groups.length / tree.zones.length)
      faults.push(`${String(child.id)} has ${groups.length} children`);
    for (const group of groups) {
      if (!running(group.pid)) {
        faults.push(`${String(group.id)} is not running`);
        continue;
      }
      registered(group.id as string, group.pid, String(group.id));
      const workers = await Supervisor.whichChildren(rt, group.pid);
      if (workers.length !== tree.workers.length / tree.groups.length)
        faults.push(`${String(group.id)} has ${workers.length} children`);
      for (const worker of workers) {
        const id = worker.id as string;
        if (!running(worker.pid)) faults.push(`${id} is not running`);
        else registered(nameOf(id), worker.pid, id);
      }
    }
  }
  return faults;
}

/** The name of worker `id`: even-numbered workers are registered in the Registry. */
export function nameOf(id: string): Name {
  const i = Number(id.split('.')[3]);
  return i % 2 === 0 ? { via: REGISTRY, key: id } : id;
}

/**
 * Polls the tree with whichChildren walks until it is complete: each walk's calls queue
 * behind the exits and restarts the supervisors still have to handle, so it paces
 * itself. Returns how many walks it took; throws with the faults after `maxWalks`.
 */
export async function awaitCompleteTree(rt: Runtime, tree: Tree, maxWalks = 1000): Promise<number> {
  let faults: string[] = [];
  for (let walk = 1; walk <= maxWalks; walk++) {
    faults = await treeFaults(rt, tree);
    if (faults.length === 0) return walk;
  }
  throw new Error(
    `the tree is still incomplete after ${maxWalks} walks: ${faults.slice(0, 10).join('; ')}`,
  );
}
