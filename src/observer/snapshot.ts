import { eachProcess, localProcess, type Pid, type Process, type Runtime } from '../core/kernel.js';
import { describeValue } from '../describe.js';
import type { Name } from '../types.js';

/** How the process table is sorted: the column, biggest first for counts. */
export type SortKey = 'queue' | 'handled' | 'name' | 'pid';

/** What one observer page looks at: its sort and page of the process table. */
export interface View {
  sort: SortKey;
  offset: number;
  limit: number;
}

/** One row of the process table, every value already text or a number. */
export interface Row {
  pid: string;
  name: string | null;
  behaviour: string | null;
  queue: number;
  handled: number;
}

/** A supervisor and its children, or a child. */
export interface TreeNode {
  pid: string;
  name: string | null;
  behaviour: string | null;
  children: TreeNode[];
  /** Children not listed (past the cap per supervisor). */
  more: number;
}

/** What one update of the page carries. */
export interface Snapshot {
  at: number;
  runtime: string;
  processes: number;
  tree: TreeNode[];
  table: { total: number; offset: number; limit: number; sort: SortKey; rows: Row[] };
}

/** Children listed per supervisor; the rest are counted. */
const MAX_CHILDREN = 200;
/** Processes a tree may list in all. */
const MAX_TREE = 2_000;

/** Behaviours that supervise the processes they start. */
function supervises(behaviour: string | undefined): boolean {
  return (
    behaviour === 'Supervisor' ||
    behaviour === 'DynamicSupervisor' ||
    behaviour === 'TaskSupervisor'
  );
}

/** A name as the page shows it. */
export function nameText(name: Name | undefined): string | null {
  if (name === undefined) return null;
  return typeof name === 'string' ? name : describeValue(name, 200);
}

function rowOf(proc: Process): Row {
  return {
    pid: String(proc.pid),
    name: nameText(proc.name),
    behaviour: proc.behaviour ?? null,
    queue: proc.messageQueueLen,
    handled: proc.handled,
  };
}

/** The sort value of a process for a count column (higher first). */
function countOf(proc: Process, sort: 'queue' | 'handled'): number {
  return sort === 'queue' ? proc.messageQueueLen : proc.handled;
}

/**
 * One update for `view`: the supervision tree and one page of the process table, in
 * one pass over the processes. The page is found with a bounded top-k (no sort of
 * 100,000 rows): a process that cannot make the page costs one comparison.
 */
export function snapshot(runtime: Runtime, view: View): Snapshot {
  const { sort, offset, limit } = view;
  const k = offset + limit;
  const top: Process[] = [];
  const topValues: number[] = [];
  const named: Process[] = [];
  const byPid: Process[] = [];
  const supervisors: Process[] = [];
  const children = new Map<Pid, Process[]>();
  /** Children past the cap, counted by parent. */
  const overflow = new Map<Pid, number>();
  let total = 0;
  eachProcess(runtime, (proc) => {
    total++;
    const behaviour = proc.behaviour;
    if (behaviour !== undefined && supervises(behaviour)) supervisors.push(proc);
    const parent = proc.parent;
    if (parent !== undefined) {
      const list = children.get(parent);
      if (list === undefined) children.set(parent, [proc]);
      else if (list.length < MAX_CHILDREN) list.push(proc);
      else overflow.set(parent, (overflow.get(parent) ?? 0) + 1);
    }
    if (sort === 'queue' || sort === 'handled') {
      const value = countOf(proc, sort);
      if (top.length === k && value <= topValues[k - 1]!) return;
      // Insert after every equal value: ties keep the table's order (oldest first).
      let lo = 0;
      let hi = top.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (topValues[mid]! >= value) lo = mid + 1;
        else hi = mid;
      }
      top.splice(lo, 0, proc);
      topValues.splice(lo, 0, value);
      if (top.length > k) {
        top.pop();
        topValues.pop();
      }
    } else if (sort === 'name') {
      if (proc.name !== undefined) named.push(proc);
      else if (byPid.length < k) byPid.push(proc);
    } else if (byPid.length < k) {
      byPid.push(proc);
    }
  });
  let page: Process[];
  if (sort === 'name') {
    named.sort((a, b) => nameText(a.name)!.localeCompare(nameText(b.name)!));
    page = named.concat(byPid).slice(offset, k);
  } else if (sort === 'pid') {
    page = byPid.slice(offset, k);
  } else {
    page = top.slice(offset, k);
  }
  return {
    at: Date.now(),
    runtime: runtime.name,
    processes: total,
    tree: buildTree(runtime, supervisors, children, overflow),
    table: { total, offset, limit, sort, rows: page.map(rowOf) },
  };
}

function buildTree(
  runtime: Runtime,
  supervisors: Process[],
  children: Map<Pid, Process[]>,
  overflow: Map<Pid, number>,
): TreeNode[] {
  let budget = MAX_TREE;
  const node = (proc: Process): TreeNode => {
    budget--;
    const kids = children.get(proc.pid) ?? [];
    const listed: TreeNode[] = [];
    let more = overflow.get(proc.pid) ?? 0;
    for (const kid of kids) {
      if (listed.length >= MAX_CHILDREN || budget <= 0) more++;
      else listed.push(supervises(kid.behaviour) ? node(kid) : leaf(kid));
    }
    return { ...leaf(proc), children: listed, more };
  };
  const leaf = (proc: Process): TreeNode => {
    budget--;
    return {
      pid: String(proc.pid),
      name: nameText(proc.name),
      behaviour: proc.behaviour ?? null,
      children: [],
      more: 0,
    };
  };
  // The roots: supervisors that no live supervisor started.
  const roots: TreeNode[] = [];
  for (const sup of supervisors) {
    const parent = sup.parent === undefined ? undefined : localProcess(runtime, sup.parent);
    if (parent !== undefined && supervises(parent.behaviour)) continue;
    roots.push(node(sup));
  }
  return roots;
}

/** The live process whose pid reads `text` (`<0.42.0>`), if any. */
export function findProcess(runtime: Runtime, text: string): Process | undefined {
  const match = /^<0\.(\d+)\.0>$/.exec(text);
  if (match === null) return undefined;
  const id = Number(match[1]);
  let found: Process | undefined;
  eachProcess(runtime, (proc) => {
    if (proc.pid.id === id) found = proc;
  });
  return found;
}
