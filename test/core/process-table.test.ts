import { describe, expect, it } from 'vitest';
import { Pid } from '../../src/core/pid.js';
import type { Process } from '../../src/core/process.js';
import { ProcessTable } from '../../src/core/process-table.js';
import type { Self } from '../../src/index.js';
import { makeRuntime } from '../helpers.js';

const idle = async (self: Self): Promise<void> => void (await self.receive());

/** Just what the table reads and writes of a process record. */
function fakeProcess(id: number): Process {
  return { slot: -1, pid: new Pid('nonode@nohost', id, 0) } as unknown as Process;
}

function ids(table: ProcessTable): number[] {
  return table.toArray().map((proc) => proc.pid.id);
}

describe('ProcessTable', () => {
  it('keeps processes oldest first as they come and go', () => {
    const table = new ProcessTable();
    const procs = [0, 1, 2, 3].map(fakeProcess);
    for (const proc of procs) table.add(proc);
    table.remove(procs[1]!);
    table.add(fakeProcess(4));
    expect(ids(table)).toEqual([0, 2, 3, 4]);
    expect(table.toArray()[0]).toBe(procs[0]);
    expect(table.size).toBe(4);
  });

  it('ignores removing a process twice', () => {
    const table = new ProcessTable();
    const [a, b] = [fakeProcess(0), fakeProcess(1)];
    table.add(a);
    table.add(b);
    table.remove(a);
    table.remove(a);
    expect(table.size).toBe(1);
    expect(ids(table)).toEqual([1]);
  });

  it('closes the holes once they outnumber the live processes, keeping the order', () => {
    const table = new ProcessTable();
    const procs = Array.from({ length: 1_000 }, (_, i) => fakeProcess(i));
    for (const proc of procs) table.add(proc);
    // Remove all but every tenth: the holes soon outnumber the live processes.
    for (const proc of procs) if (proc.pid.id % 10 !== 0) table.remove(proc);
    expect(table.size).toBe(100);
    expect(table.slotsInUse).toBeLessThan(1_000);
    expect(ids(table)).toEqual(Array.from({ length: 100 }, (_, i) => i * 10));
    // Slots were renumbered: removing after a compaction still finds each process.
    for (const proc of procs) if (proc.pid.id % 20 === 0) table.remove(proc);
    expect(ids(table)).toEqual(Array.from({ length: 50 }, (_, i) => i * 20 + 10));
    for (const proc of procs) table.remove(proc);
    expect(table.size).toBe(0);
    expect(table.slotsInUse).toBe(0);
  });
});

describe('Runtime.processes across many exits', () => {
  it('stays oldest first and complete when most processes have exited', async () => {
    const rt = makeRuntime();
    const pids = Array.from({ length: 500 }, () => rt.spawn(idle));
    const survivors = pids.filter((_, i) => i % 7 === 0);
    const exits = pids.filter((_, i) => i % 7 !== 0).map((pid) => rt.awaitExit(pid));
    for (let i = 0; i < pids.length; i++) if (i % 7 !== 0) rt.exit(pids[i]!, 'kill');
    await Promise.all(exits);
    expect(rt.processes()).toEqual(survivors);
    const late = rt.spawn(idle);
    expect(rt.processes()).toEqual([...survivors, late]);
  });
});
