import { Sys } from '../behaviours/sys.js';
import type { Runtime } from '../core/kernel.js';
import { describeValue } from '../describe.js';
import { findProcess, nameText } from './snapshot.js';

/** Behaviours whose state `Sys.getStatus` can read. */
const SYS_BEHAVIOURS = new Set([
  'GenServer',
  'GenStatem',
  'Supervisor',
  'DynamicSupervisor',
  'Registry',
  'Agent',
  'TaskSupervisor',
]);

/** What the page shows of one process, every value already text or a number. */
export interface ProcessDetails {
  pid: string;
  name: string | null;
  behaviour: string | null;
  status: string;
  messageQueueLen: number;
  messagesHandled: number;
  trapExit: boolean;
  parent: string | null;
  links: string[];
  monitors: string[];
  monitoredBy: string[];
  state: string | null;
}

/**
 * The details of the process of `runtime` whose pid reads `text`, or `undefined` when
 * none lives: its info, and its state through `Sys.getStatus` (and so through its
 * `formatStatus`) for a behaviour that has one. Used by the observer for its own
 * runtime and by its agent on another node.
 */
export async function processDetails(
  runtime: Runtime,
  text: string,
): Promise<ProcessDetails | undefined> {
  const proc = findProcess(runtime, text);
  if (proc === undefined) return undefined;
  const info = runtime.info(proc.pid);
  if (info === undefined) return undefined;
  let state: string | null = null;
  let status: string | null = null;
  if (info.behaviour !== undefined && SYS_BEHAVIOURS.has(info.behaviour)) {
    try {
      const got = await Sys.getStatus(runtime, proc.pid, 1_000);
      state = describeValue(got.state, 20_000);
      status = got.status;
    } catch (error) {
      state = `<the state could not be read: ${describeValue(error, 300)}>`;
    }
  }
  return {
    pid: String(info.pid),
    name: nameText(info.name),
    behaviour: info.behaviour ?? null,
    status: status ?? info.status,
    messageQueueLen: info.messageQueueLen,
    messagesHandled: info.messagesHandled,
    trapExit: info.trapExit,
    parent: proc.parent === undefined ? null : String(proc.parent),
    links: info.links.map(String),
    monitors: info.monitors.map(String),
    monitoredBy: info.monitoredBy.map(String),
    state,
  };
}

/** Kills the process of `runtime` whose pid reads `text`; its pid text, or `undefined` when none lives. */
export function killProcess(runtime: Runtime, text: string): string | undefined {
  const proc = findProcess(runtime, text);
  if (proc === undefined) return undefined;
  runtime.exit(proc.pid, 'kill');
  return String(proc.pid);
}
