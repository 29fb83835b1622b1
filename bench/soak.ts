/**
 * `npm run soak -- --minutes N`: the soak and leak test of issue 8 (a script, not a
 * test). It runs the chaos workload of test/integration/chaos.test.ts for N minutes
 * (a tree of 520 counters, 120 clients calling and casting, a chaos process killing
 * workers and supervisors), and beside it a churn of 1,000,000 spawn/exit cycles and
 * 1,000,000 calls. Every few seconds it prints the heap, the process count and the
 * event-loop delay. It ends with a summary, and exits with code 1 if the heap after
 * shutdown and a full GC is not within 10% of the heap at the start, if a call failed
 * with anything but a CallError, or if anything was left behind.
 *
 *   npm run soak -- --minutes 10
 *   npm run soak -- --minutes 1 --spawns 200000 --calls 200000 --sample 2
 *
 * Options: --minutes (default 10), --spawns and --calls (the churn, default 1,000,000
 * each), --sample (seconds between samples, default 5), --seed.
 */
import os from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Down, Exit, GenServer, type Logger, Runtime, type Self } from '../src/index.js';
import {
  awaitCompleteTree,
  type ChaosOptions,
  type Clients,
  Counter,
  startChaos,
  startClients,
  startTree,
} from '../test/integration/chaos-workload.js';

// ── Options ──────────────────────────────────────────────────────────────────

const argv = process.argv.slice(2);

function option(name: string, fallback: number): number {
  const i = argv.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return fallback;
  const raw = argv[i]!.includes('=') ? argv[i]!.split('=')[1] : argv[i + 1];
  const value = Number(String(raw).replaceAll('_', ''));
  if (!Number.isFinite(value) || value < 0) {
    console.error(`soak: expected --${name} to be a number >= 0, got ${raw}`);
    process.exit(2);
  }
  return value;
}

const MINUTES = option('minutes', 10);
const SPAWNS = option('spawns', 1_000_000);
const CALLS = option('calls', 1_000_000);
const SAMPLE_MS = option('sample', 5) * 1000;
const SEED = option('seed', Date.now() % 1_000_000);

const OPTIONS: ChaosOptions = {
  zones: 4,
  groupsPerZone: 5,
  workersPerGroup: 26,
  clients: 120,
  callTimeout: 2_000,
  callsPerAct: 400,
  seed: SEED,
};

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) {
  console.error('soak: run with node --expose-gc (npm run soak does)');
  process.exit(2);
}

/**
 * Heap in use after full collections, in bytes: several, with a turn of the event loop
 * between them, so that what finalizers and weak callbacks release is collected too.
 */
async function heapAfterGc(): Promise<number> {
  for (let i = 0; i < 4; i++) {
    gc!();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage().heapUsed;
}

const MB = (bytes: number, digits = 1): string => `${(bytes / 1024 / 1024).toFixed(digits)} MB`;
const n = (x: number): string => Math.round(x).toLocaleString('en-US');
/** monitorEventLoopDelay's sampling interval, in ms. */
const RESOLUTION = 10;
/** A delay from monitorEventLoopDelay, in ms: it records the time between ticks of its timer, so less the resolution. */
const ms = (ns: number): string => `${Math.max(0, ns / 1e6 - RESOLUTION).toFixed(1)} ms`;
const clock = (t: number): string => {
  const s = Math.floor(t / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
};

/** A logger that counts what it is given and keeps nothing, so it cannot grow the heap. */
function countingLogger(): Logger & { counts: Record<string, number> } {
  const counts: Record<string, number> = { error: 0, warn: 0, info: 0, debug: 0 };
  return {
    counts,
    error: () => void counts.error!++,
    warn: () => void counts.warn!++,
    info: () => void counts.info!++,
    debug: () => void counts.debug!++,
  };
}

// ── Churn ────────────────────────────────────────────────────────────────────

interface Churn {
  spawned: number;
  calls: number;
  callsFailed: number;
  /** When each churn finished, in ms from the start. */
  spawnsMs: number;
  callsMs: number;
  done: Promise<void>;
}

const BATCH = 1_000;

/**
 * One process spawns `total` processes in batches, each monitored, a quarter of them
 * also linked: they return at once, take a name and wait for a message, exit by
 * themselves with 'shutdown', or are killed. It waits for every Down (and Exit) of a
 * batch before the next, so names, links and monitors all churn.
 */
function spawnChurn(rt: Runtime, total: number, churn: Churn): Promise<void> {
  return new Promise((resolve, reject) => {
    const driver = rt.spawn(async (self: Self) => {
      self.trapExit(true);
      const waitFor = async (self: Self): Promise<void> => {
        await self.receive({ match: (m) => m === 'go' });
      };
      while (churn.spawned < total) {
        const size = Math.min(BATCH, total - churn.spawned);
        let downs = 0;
        let exits = 0;
        for (let i = 0; i < size; i++) {
          switch (i % 4) {
            case 0:
              self.spawnMonitor(() => {});
              break;
            case 1: {
              const [pid] = self.spawnMonitor(waitFor, { name: `churn.${i}` });
              self.send(pid, 'go');
              break;
            }
            case 2: {
              const pid = self.spawnLink((c) => c.exit('shutdown'));
              self.monitor(pid);
              exits++;
              break;
            }
            case 3: {
              const [pid] = self.spawnMonitor(waitFor);
              self.exit(pid, 'kill');
              break;
            }
          }
          downs++;
        }
        while (downs > 0 || exits > 0) {
          const m = await self.receive({ match: (m) => m instanceof Down || m instanceof Exit });
          if (m instanceof Down) downs--;
          else exits--;
        }
        churn.spawned += size;
      }
    });
    rt.awaitExit(driver).then(
      (reason) => (reason === 'normal' ? resolve() : reject(reason)),
      reject,
    );
  });
}

/** `total` calls to one counter outside the chaos tree, from 10 processes at once. */
async function callChurn(rt: Runtime, total: number, churn: Churn): Promise<void> {
  const server = await rt.start(Counter, undefined);
  const callers = 10;
  const exits: Promise<unknown>[] = [];
  for (let c = 0; c < callers; c++) {
    const share = Math.floor(total / callers) + (c < total % callers ? 1 : 0);
    const pid = rt.spawn(async (self) => {
      for (let i = 0; i < share; i++) {
        try {
          await GenServer.call(self, server, { type: 'inc' });
          churn.calls++;
        } catch {
          churn.callsFailed++;
        }
      }
    });
    exits.push(rt.awaitExit(pid));
  }
  await Promise.all(exits);
  await GenServer.stop(rt, server);
}

// ── The run ──────────────────────────────────────────────────────────────────

interface Outcome {
  seconds: number;
  samples: number;
  peakHeap: number;
  maxProcesses: number;
  restarts: number;
  clientCalls: number;
  clientOk: number;
  clientFailed: number;
  noproc: number;
  exited: number;
  timeout: number;
  other: number;
  otherErrors: string[];
  casts: number;
  maxCallMs: number;
  churnSpawns: number;
  churnSpawnsMs: number;
  churnCalls: number;
  churnCallsMs: number;
  churnCallsFailed: number;
  acts: number;
  walks: number;
  p50: number;
  p99: number;
  maxDelay: number;
  leftAfterShutdown: { processes: number; names: number; timers: number; runQueue: number };
  crashReports: number;
}

/**
 * Runs the workload for `minutes` and the churn beside it; everything it creates is
 * unreachable once it returns, so the heap can be measured after.
 */
async function run(
  minutes: number,
  spawns: number,
  calls: number,
  sampleMs: number,
  quiet: boolean,
): Promise<Outcome> {
  const logger = countingLogger();
  const rt = new Runtime({ name: 'soak', logger });
  let restarts = 0;
  rt.on('restart', () => restarts++);
  const tree = await startTree(rt, OPTIONS);
  const clients: Clients = startClients(rt, tree, OPTIONS);
  const churn: Churn = {
    spawned: 0,
    calls: 0,
    callsFailed: 0,
    spawnsMs: 0,
    callsMs: 0,
    done: Promise.resolve(),
  };
  let churnDone = false;
  const t0 = performance.now();
  churn.done = Promise.all([
    spawnChurn(rt, spawns, churn).then(() => (churn.spawnsMs = performance.now() - t0)),
    callChurn(rt, calls, churn).then(() => (churn.callsMs = performance.now() - t0)),
  ]).then(() => {
    churnDone = true;
  });

  const delay = monitorEventLoopDelay({ resolution: RESOLUTION });
  const window = monitorEventLoopDelay({ resolution: RESOLUTION });
  delay.enable();
  window.enable();
  const deadline = t0 + minutes * 60_000;
  let peakHeap = 0;
  let maxProcesses = 0;
  let samples = 0;
  const sample = (): void => {
    const heap = process.memoryUsage().heapUsed;
    const processes = rt.stats.processes;
    peakHeap = Math.max(peakHeap, heap);
    maxProcesses = Math.max(maxProcesses, processes);
    samples++;
    const s = clients.stats;
    if (!quiet) {
      console.log(
        `[${clock(performance.now() - t0)}] heap ${MB(heap)}, processes ${n(processes)}, ` +
          (window.count === 0
            ? 'event-loop delay n/a, '
            : `event-loop delay p50 ${ms(window.percentile(50))} p99 ${ms(window.percentile(99))} max ${ms(window.max)}, `) +
          `restarts ${n(restarts)}, calls ${n(s.calls + churn.calls)} (${n(s.calls - s.ok + churn.callsFailed)} failed), ` +
          `churn ${n(churn.spawned)}/${n(spawns)} spawns, ${n(churn.calls + churn.callsFailed)}/${n(calls)} calls`,
      );
    }
    window.reset();
  };
  const sampler = setInterval(sample, sampleMs);
  const chaos = startChaos(
    rt,
    tree,
    clients,
    OPTIONS,
    () => churnDone && performance.now() >= deadline,
  );
  await chaos.done;
  await churn.done;
  const walks = await awaitCompleteTree(rt, tree);
  await clients.stop();
  clearInterval(sampler);
  sample();
  delay.disable();
  window.disable();
  const seconds = (performance.now() - t0) / 1000;
  await rt.shutdown();
  const s = clients.stats;
  return {
    seconds,
    samples,
    peakHeap,
    maxProcesses,
    restarts,
    clientCalls: s.calls,
    clientOk: s.ok,
    clientFailed: s.noproc + s.exited + s.timeout + s.other,
    noproc: s.noproc,
    exited: s.exited,
    timeout: s.timeout,
    other: s.other,
    otherErrors: s.otherErrors.map((e) => String(e)),
    casts: s.casts,
    maxCallMs: s.maxCallMs,
    churnSpawns: churn.spawned,
    churnSpawnsMs: churn.spawnsMs,
    churnCalls: churn.calls,
    churnCallsMs: churn.callsMs,
    churnCallsFailed: churn.callsFailed,
    acts: chaos.stats.acts,
    walks,
    p50: delay.percentile(50),
    p99: delay.percentile(99),
    maxDelay: delay.max,
    leftAfterShutdown: rt.stats,
    crashReports: logger.counts.error!,
  };
}

async function main(): Promise<void> {
  console.log(
    `soak: ${MINUTES} min of chaos (seed ${SEED}) on ${os.cpus().length} cores, Node.js ${process.version}; ` +
      `churn of ${n(SPAWNS)} spawn/exit cycles and ${n(CALLS)} calls`,
  );
  // Two short warm-ups first, so the start figure is taken with the code compiled and
  // V8's caches filled, as they are at the end.
  for (let i = 0; i < 2; i++) await run(0.05, 50_000, 50_000, 60_000, true);
  const heapStart = await heapAfterGc();
  const o = await run(MINUTES, SPAWNS, CALLS, SAMPLE_MS, false);
  const heapEnd = await heapAfterGc();
  const growth = (heapEnd - heapStart) / heapStart;
  const heapOk = growth <= 0.1;
  const left = o.leftAfterShutdown;
  const clean = left.processes === 0 && left.names === 0 && left.timers === 0;
  const callsOk = o.other === 0;
  const pass = heapOk && clean && callsOk;
  const callsDone = o.clientOk + o.churnCalls;
  const callsFailed = o.clientFailed + o.churnCallsFailed;
  console.log(
    [
      '',
      `soak summary: ${(o.seconds / 60).toFixed(1)} min, ${o.samples} samples, seed ${SEED}`,
      `  heap:         start ${MB(heapStart, 2)}, peak ${MB(o.peakHeap)}, end after GC ${MB(heapEnd, 2)} ` +
        `(${growth >= 0 ? '+' : ''}${(growth * 100).toFixed(1)}%: ${heapOk ? 'within' : 'NOT within'} 10% of the start)`,
      `  processes:    at most ${n(o.maxProcesses)} when sampled; after shutdown ${left.processes} processes, ${left.names} names, ${left.timers} timers`,
      `  restarts:     ${n(o.restarts)} (${n(o.acts)} chaos kills; ${n(o.crashReports)} error reports), tree whole after ${o.walks} walk(s)`,
      `  calls done:   ${n(callsDone)} (${n(o.clientOk)} by the chaos clients, ${n(o.churnCalls)} churn calls in ${(o.churnCallsMs / 1000).toFixed(1)} s); slowest ${Math.round(o.maxCallMs)} ms`,
      `  calls failed: ${n(callsFailed)}, every one a CallError (noproc ${n(o.noproc)}, server exited ${n(o.exited)}, timeout ${n(o.timeout)}); other errors ${o.other}`,
      `  casts:        ${n(o.casts)}`,
      `  spawn/exit:   ${n(o.churnSpawns)} cycles in ${(o.churnSpawnsMs / 1000).toFixed(1)} s`,
      `  event loop:   delay p50 ${ms(o.p50)}, p99 ${ms(o.p99)}, max ${ms(o.maxDelay)}`,
      `  result:       ${pass ? 'PASS' : 'FAIL'}`,
    ].join('\n'),
  );
  if (o.otherErrors.length > 0) console.log('  other errors:', o.otherErrors);
  process.exitCode = pass ? 0 : 1;
}

await main();
