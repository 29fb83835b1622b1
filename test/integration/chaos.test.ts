import { describe, expect, it } from 'vitest';
import { GenServer, Registry } from '../../src/index.js';
import { makeRuntime } from '../helpers.js';
import {
  awaitCompleteTree,
  type ChaosOptions,
  REGISTRY,
  settled,
  startChaos,
  startClients,
  startTree,
} from './chaos-workload.js';

// A supervision tree of 520 counters under 4 zones of 5 groups, under the load of 120
// clients, while a chaos process kills workers and supervisors in every way a process
// can die. OTP's promise: the system keeps working while parts of it crash.

const OPTIONS: ChaosOptions = {
  zones: 4,
  groupsPerZone: 5,
  workersPerGroup: 26,
  clients: 120,
  callTimeout: 2_000,
  callsPerAct: 400,
  seed: Number(process.env.CHAOS_SEED ?? Date.now() % 1_000_000),
};
/** How long the chaos runs, in ms of wall time. */
const CHAOS_MS = Number(process.env.CHAOS_MS ?? 6_000);

/** What Node.js reports as keeping the event loop alive, counted by kind. */
function activeResources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}

describe('chaos', () => {
  it('keeps every call answered or failed with a CallError, the tree whole, and leaves nothing behind', async () => {
    const resourcesBefore = activeResources();
    const escaped: unknown[] = [];
    const onEscape = (error: unknown): void => void escaped.push(error);
    process.on('uncaughtException', onEscape);
    process.on('unhandledRejection', onEscape);
    try {
      const rt = makeRuntime();
      let restarts = 0;
      rt.on('restart', () => restarts++);
      let crashes = 0;
      rt.on('crash', () => crashes++);
      const tree = await startTree(rt, OPTIONS);
      expect(rt.processes()).toHaveLength(tree.processes);

      const clients = startClients(rt, tree, OPTIONS);
      const t0 = performance.now();
      const chaos = startChaos(rt, tree, clients, OPTIONS, () => performance.now() - t0 > CHAOS_MS);
      await chaos.done;
      const chaosMs = performance.now() - t0;

      // The tree comes back whole, under load: polled with whichChildren walks.
      const walks = await awaitCompleteTree(rt, tree);
      await clients.stop();
      const calls = clients.stats;

      // Every worker answers, under its name; the registry holds exactly the via names.
      const counts = await Promise.all(
        tree.workers.map((w) => GenServer.call<number>(rt, w.name, { type: 'get' })),
      );
      expect(counts.every((n) => Number.isInteger(n) && n >= 0)).toBe(true);
      expect(Registry.count(rt, REGISTRY)).toBe(tree.viaNames);
      // Nothing else is left: no client, no stray process, no name, link or monitor to a dead process.
      expect(rt.processes()).toHaveLength(tree.processes);
      expect(rt.registered()).toHaveLength(tree.localNames);
      for (const pid of rt.processes()) {
        const info = rt.info(pid)!;
        for (const other of [...info.links, ...info.monitors, ...info.monitoredBy])
          expect(rt.isAlive(other), `${pid} refers to the dead ${other}`).toBe(true);
      }
      expect(rt.stats.timers).toBe(0);

      // Nothing went wrong inside the runtime itself: only crash reports and supervisor reports.
      const internal = rt.log.entries.filter((e) => e.text.startsWith('otp-ts'));
      expect(internal.map((e) => e.text.slice(0, 200))).toEqual([]);
      const retried = rt.log.entries.filter((e) => e.text.includes('could not restart')).length;

      await rt.shutdown();
      expect(rt.processes()).toEqual([]);
      expect(rt.registered()).toEqual([]);
      expect(rt.stats).toEqual({ processes: 0, names: 0, timers: 0, runQueue: 0 });
      const resourcesAfter = activeResources();
      for (const [kind, n] of Object.entries(resourcesAfter))
        expect(n, `${kind} left active`).toBeLessThanOrEqual(resourcesBefore[kind] ?? 0);

      const c = chaos.stats;
      console.log(
        `chaos: ${tree.workers.length} workers in ${tree.zones.length} zones of ${tree.groups.length / tree.zones.length} groups, ` +
          `${OPTIONS.clients} clients, ${(chaosMs / 1000).toFixed(1)} s of chaos (seed ${OPTIONS.seed}): ` +
          `${c.acts} kills (${c.kill} 'kill', ${c.thrown} thrown, ${c.rejected} rejected, ${c.sysTerminate} Sys.terminate; ` +
          `${c.groups} groups, ${c.zones} zones), ${restarts} restarts (${retried} retried after a failed start), ${crashes} crash reports; ` +
          `${calls.calls} calls: ${calls.ok} answered, ${calls.noproc + calls.timeout + calls.exited} CallError ` +
          `(${calls.noproc} noproc, ${calls.exited} server exited, ${calls.timeout} timeout), ${calls.other} other, ` +
          `none pending; ${calls.casts} casts; slowest call ${Math.round(calls.maxCallMs)} ms; ` +
          `tree whole after ${walks} whichChildren walk(s); after shutdown 0 processes, names, timers; ` +
          `active resources ${JSON.stringify(resourcesBefore)} before, ${JSON.stringify(resourcesAfter)} after; ` +
          `${escaped.length} uncaught exceptions or unhandled rejections`,
      );
      expect(calls.otherErrors).toEqual([]);
      expect(calls.other).toBe(0);
      expect(settled(calls)).toBe(calls.calls);
      expect(calls.overdue).toBe(0);
      expect(calls.ok).toBeGreaterThan(0);
      expect(c.acts).toBeGreaterThan(50);
      expect(restarts).toBeGreaterThanOrEqual(c.acts);
    } finally {
      process.off('uncaughtException', onEscape);
      process.off('unhandledRejection', onEscape);
    }
    expect(escaped).toEqual([]);
  }, 60_000);
});
