import { exitSignalTo, type Pid, type Process } from '../../core/kernel.js';
import type { ExitReason } from '../../types.js';
import type { Connection } from './connection.js';
import { Op } from './ops.js';
import type { Pids } from './pids.js';
import { type Entry, entryFor, entryOf } from './remote-entry.js';

// Links between local processes and processes of other nodes, and the exit signals
// that cross nodes: along a link (LINK, UNLINK_ID and its ack, EXIT) or not (EXIT2,
// Erlang's `exit/2`).

/** The links of a node layer's processes to processes of other nodes. @internal */
export class RemoteLinks {
  readonly #pids: Pids;
  /** The node layer's connections, by node. */
  readonly #connections: ReadonlyMap<string, Connection>;
  #nextUnlinkId = 1;

  constructor(pids: Pids, connections: ReadonlyMap<string, Connection>) {
    this.#pids = pids;
    this.#connections = connections;
  }

  /** Links the local `proc` to `to`, over `conn` (`undefined`: `to`'s node cannot be reached). */
  link(proc: Process, to: Pid, conn: Connection | undefined): void {
    if (conn === undefined) {
      exitSignalTo(proc, to, 'noconnection', true);
      return;
    }
    if (conn.stale(to)) {
      exitSignalTo(proc, to, 'noproc', true);
      return;
    }
    const entry = entryFor(proc);
    if (entry.links.get(to) === 0) return;
    entry.links.set(to, 0);
    conn.linked.set(proc.pid, proc);
    this.#pids.exportPid(proc.pid);
    conn.push(Op.LINK, proc.pid.id, to.id, to.creation);
  }

  unlink(proc: Process, to: Pid): void {
    const entry = entryOf(proc);
    if (entry === undefined || entry.links.get(to) !== 0) return;
    const conn = this.#connections.get(to.node);
    if (conn === undefined) {
      entry.links.delete(to);
      return;
    }
    // OTP 26's unlink protocol: the link stays (ignoring exits along it) until the
    // other side acknowledges, so neither side can see a stale exit afterwards.
    const id = this.#nextUnlinkId++;
    entry.links.set(to, id);
    conn.push(Op.UNLINK_ID, id, proc.pid.id, to.id);
  }

  /** An exit signal from `from` to `to`, over `conn` (EXIT2); none when `to`'s node cannot be reached. */
  exit(from: Pid, to: Pid, reason: ExitReason, conn: Connection | undefined): void {
    if (conn === undefined || conn.stale(to)) return;
    this.#pids.exportPid(from);
    conn.push(Op.EXIT2, from.id, to.id, to.creation, conn.codec.encodeReason(reason));
  }

  // ---- what comes from other nodes: the fields of one control message, b[i]... ----

  /** LINK: fromId, toId, toCreation. */
  onLink(conn: Connection, b: unknown[], i: number): void {
    const from = this.#pids.their(conn, b[i] as number);
    const proc = this.#pids.local(b[i + 1] as number, b[i + 2] as number);
    if (proc === undefined) {
      conn.push(Op.EXIT, b[i + 1], b[i], conn.codec.encodeReason('noproc'));
      return;
    }
    entryFor(proc).links.set(from, 0);
    conn.linked.set(proc.pid, proc);
  }

  /** UNLINK_ID: unlinkId, fromId, toId. */
  onUnlinkId(conn: Connection, b: unknown[], i: number): void {
    const from = this.#pids.their(conn, b[i + 1] as number);
    const proc = this.#pids.localById(b[i + 2] as number);
    const entry = proc === undefined ? undefined : entryOf(proc);
    if (entry?.links.get(from) === 0) entry.links.delete(from);
    conn.push(Op.UNLINK_ID_ACK, b[i], b[i + 2], b[i + 1]);
  }

  /** UNLINK_ID_ACK: unlinkId, fromId, toId. */
  onUnlinkIdAck(conn: Connection, b: unknown[], i: number): void {
    const from = this.#pids.their(conn, b[i + 1] as number);
    const proc = this.#pids.localById(b[i + 2] as number);
    const entry = proc === undefined ? undefined : entryOf(proc);
    if (entry !== undefined && entry.links.get(from) === b[i]) entry.links.delete(from);
  }

  /** EXIT: fromId, toId, reason. */
  onExit(conn: Connection, b: unknown[], i: number): void {
    const from = this.#pids.their(conn, b[i] as number);
    const proc = this.#pids.localById(b[i + 1] as number);
    const entry = proc === undefined ? undefined : entryOf(proc);
    // Only a link that is still there carries the exit (not one being unlinked).
    if (proc === undefined || entry?.links.get(from) !== 0) return;
    entry.links.delete(from);
    exitSignalTo(proc, from, conn.codec.decodeReason(b[i + 2]), true);
  }

  /** EXIT2: fromId, toId, toCreation, reason. */
  onExit2(conn: Connection, b: unknown[], i: number): void {
    const proc = this.#pids.local(b[i + 1] as number, b[i + 2] as number);
    if (proc !== undefined) {
      exitSignalTo(
        proc,
        this.#pids.their(conn, b[i] as number),
        conn.codec.decodeReason(b[i + 3]),
        false,
      );
    }
  }

  // ---- a connection lost, a local process exited ----

  /** `conn` is gone: each link along it fires `'noconnection'`. */
  lost(conn: Connection): void {
    const node = conn.node;
    for (const proc of conn.linked.values()) {
      const entry = entryOf(proc);
      if (entry === undefined) continue;
      for (const pid of [...entry.links.keys()]) {
        if (pid.node !== node) continue;
        entry.links.delete(pid);
        exitSignalTo(proc, pid, 'noconnection', true);
      }
    }
    conn.linked.clear();
  }

  /**
   * The local process `pid` exited: an EXIT goes along each of its links (one being
   * unlinked carries none). `wireReason` gives its reason in a connection's wire form.
   */
  exited(pid: Pid, entry: Entry, wireReason: (conn: Connection) => unknown): void {
    for (const [to, state] of entry.links) {
      const conn = this.#connections.get(to.node);
      if (conn === undefined) continue;
      if (state === 0) conn.push(Op.EXIT, pid.id, to.id, wireReason(conn));
      conn.linked.delete(pid);
    }
  }
}
