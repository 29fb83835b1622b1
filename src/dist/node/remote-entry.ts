import type { Pid, Process, RemoteEntry } from '../../core/kernel.js';
import type { Connection } from './connection.js';

// What the node layer keeps on a local process's record (the core hands it back when
// the process exits): its links and monitors across nodes.

/** What a local process has across nodes: its links and monitors. @internal */
export class Entry implements RemoteEntry {
  /** Linked remote pids: 0 when linked, an unlink id while an unlink waits for its ack. */
  readonly links = new Map<Pid, number>();
  /** Ids of the monitors this process set on other nodes. */
  readonly monitors = new Set<number>();
  /** Monitors other nodes set on this process: by connection, their ref ids. */
  readonly monitoredBy = new Map<Connection, Set<number>>();
  /** Node monitors it holds: node → how many. */
  readonly nodeMonitors = new Map<string, number>();

  get empty(): boolean {
    return (
      this.links.size === 0 &&
      this.monitors.size === 0 &&
      this.monitoredBy.size === 0 &&
      this.nodeMonitors.size === 0
    );
  }

  linkedPids(): Pid[] {
    return [...this.links.keys()];
  }

  monitoredPids(): Pid[] {
    return [];
  }
}

/** The entry of `proc`, if it has one. @internal */
export function entryOf(proc: Process): Entry | undefined {
  return proc.extras?.remote as Entry | undefined;
}

/** The entry of `proc`, made if it has none. @internal */
export function entryFor(proc: Process): Entry {
  const extras = proc.more();
  if (extras.remote === undefined) extras.remote = new Entry();
  return extras.remote as Entry;
}
