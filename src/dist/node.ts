import { castToProcess } from '../behaviours/gen-server.js';
import {
  type DistributionOptions,
  emit,
  NodeDown,
  type NodeService,
  type Peer,
  type PeerOptions,
  Pid,
  type Process,
  provideNodeLayer,
  type Ref,
  type RemoteEntry,
  type Runtime,
} from '../core/kernel.js';
import { describeReasonBriefly } from '../describe.js';
import { NodeError } from '../errors.js';
import type { BehaviourRef, ExitReason, RemoteName } from '../types.js';
import { type CodecHost, decode, encode } from './codec.js';
import { RemoteCalls } from './node/calls.js';
import type { Carrier, Channel, WireCodec } from './node/carrier.js';
import { Connection, type Outbox } from './node/connection.js';
import { RemoteLinks } from './node/links.js';
import { RemoteMonitors } from './node/monitors.js';
import { ARITY, NO_PID, Op } from './node/ops.js';
import { Pids } from './node/pids.js';
import { type Entry, entryFor, entryOf } from './node/remote-entry.js';

export { NodeDown };

// The node layer: a runtime with a node name routes what its processes do to pids of
// other nodes through one connection per node, in the control messages of Erlang's
// distribution protocol (node/ops.ts). A carrier (threads today, TCP next) moves
// batches of them; everything here is the same over any carrier.

/**
 * The node layer of one runtime: its connections, the links and monitors across
 * them, and the calls in flight to other nodes. @internal
 */
export class NodeLayer implements NodeService<Process>, CodecHost, Outbox {
  readonly runtime: Runtime;
  readonly node: string;
  readonly creation: number;
  readonly #connections = new Map<string, Connection>();
  /** The one object of each pid and ref, and the local processes they name. */
  readonly #pids: Pids;
  /** Links and exit signals across the connections. */
  readonly #links: RemoteLinks;
  /** Monitors across the connections, a call's included. */
  readonly #monitors: RemoteMonitors;
  /** Calls and starts across the connections. */
  readonly #calls: RemoteCalls;
  readonly #carriers: Carrier[] = [];
  /** Node monitors: node → process → how many. */
  readonly #nodeMonitors = new Map<string, Map<Process, number>>();
  #threads: (Carrier & { startPeer(opts: PeerOptions): Promise<Peer> }) | undefined;
  /** Made by the TCP carrier's module when it loads: how the node is made reachable over TCP. */
  static tcpCarrier:
    | ((layer: NodeLayer, opts: DistributionOptions) => Promise<Carrier>)
    | undefined;
  #tcp: Promise<Carrier> | undefined;
  /** Made by the thread carrier's module when it loads: how peers are started. */
  static threadCarrier:
    | ((layer: NodeLayer) => Carrier & {
        startPeer(opts: PeerOptions): Promise<Peer>;
      })
    | undefined;

  /** How values travel between the threads of one Node.js process (codec.ts). */
  readonly threadCodec: WireCodec = {
    encode: (value, operation) => encode(value, this.#pids, operation),
    decode: (wire) => decode(wire, this.#pids),
    encodeReason: (reason) => encodeReason(reason, this.#pids),
    decodeReason: (wire) => decodeReason(wire, this.#pids),
  };

  constructor(runtime: Runtime) {
    this.runtime = runtime;
    this.node = runtime.node;
    this.creation = runtime.creation;
    this.#pids = new Pids(runtime, this.#connections);
    this.#links = new RemoteLinks(this.#pids, this.#connections);
    this.#monitors = new RemoteMonitors(runtime, this.#pids);
    this.#calls = new RemoteCalls(runtime, this.#pids, this.#monitors, this.threadCodec);
  }

  // ---- carriers ----

  /** Adds a carrier: the connections it reaches become available. */
  addCarrier(carrier: Carrier): void {
    this.#carriers.push(carrier);
  }

  /** Connections with a batch waiting (each listed once until the next flush). */
  #toFlush: Connection[] = [];

  /** Whether a batch waits for some node: the scheduler then sends it before local work. */
  get pending(): boolean {
    return this.#toFlush.length > 0;
  }

  /** Sends every waiting batch now (the scheduler's outbox). */
  flush(): void {
    const list = this.#toFlush;
    this.#toFlush = [];
    for (const conn of list) {
      conn.listed = false;
      conn.flushNow();
    }
  }

  /** `conn` started a batch. @internal */
  listForFlush(conn: Connection): void {
    conn.listed = true;
    this.#toFlush.push(conn);
  }

  /**
   * A connection a carrier made (or accepted): `'nodeup'`, or, for one still being
   * made (its channel's creation is 0), once the carrier calls `established`.
   */
  accept(channel: Channel): void {
    const old = this.#connections.get(channel.node);
    if (old !== undefined) this.lost(channel.node, 'noconnection');
    const conn = new Connection(channel, this);
    this.#connections.set(channel.node, conn);
    if (conn.established) emit(this.runtime, 'nodeup', channel.node);
  }

  /** The connection to `node`, accepted while being made, is made: its node is `creation`. */
  established(node: string, creation: number): void {
    const conn = this.#connections.get(node);
    if (conn === undefined || conn.established) return;
    conn.creation = creation;
    // Pids of that incarnation met before the connection was made become its pids.
    this.#pids.adopt(conn);
    emit(this.runtime, 'nodeup', node);
    const waiting = conn.waiting;
    conn.waiting = undefined;
    if (waiting !== undefined) for (const resolve of waiting) resolve(true);
  }

  /** A batch came from `node`. */
  receive(node: string, batch: unknown[]): void {
    const conn = this.#connections.get(node);
    if (conn === undefined) return;
    let i = 0;
    while (i < batch.length) {
      const op = batch[i] as number;
      try {
        this.#dispatch(conn, op, batch, i + 1);
      } catch (error) {
        this.runtime.logger.error(`otp-ts: a control message from ${node} failed:`, error);
      }
      i += 1 + (ARITY[op] ?? batch.length);
    }
  }

  /** The connection to `node` is gone: links fire `'noconnection'`, monitors too. */
  lost(node: string, reason: ExitReason = 'noconnection'): void {
    const conn = this.#connections.get(node);
    if (conn === undefined) return;
    this.#connections.delete(node);
    conn.up = false;
    conn.out = [];
    const waiting = conn.waiting;
    conn.waiting = undefined;
    if (waiting !== undefined) for (const resolve of waiting) resolve(false);
    try {
      conn.channel.close();
    } catch {
      // Already closed.
    }
    this.#monitors.lost(conn);
    this.#links.lost(conn);
    this.#calls.lost(conn);
    const watchers = this.#nodeMonitors.get(node);
    if (watchers !== undefined) {
      this.#nodeMonitors.delete(node);
      for (const [proc, count] of watchers) {
        entryOf(proc)?.nodeMonitors.delete(node);
        for (let k = 0; k < count; k++) proc.deliver(new NodeDown(node, reason));
      }
    }
    if (conn.established) emit(this.runtime, 'nodedown', node, reason);
  }

  /** The connection to `node`, made first if a carrier reaches it (auto-connect). */
  #connection(node: string): Connection | undefined {
    const conn = this.#connections.get(node);
    if (conn !== undefined) return conn;
    if (node === this.node) return undefined;
    for (const carrier of this.#carriers) {
      const channel = carrier.connect(node);
      if (channel !== undefined) {
        this.accept(channel);
        return this.#connections.get(node);
      }
    }
    return undefined;
  }

  // ---- codec host ----

  pid(node: string, id: number, creation: number): Pid {
    return this.#pids.pid(node, id, creation);
  }

  ref(node: string, id: number, creation: number): Ref {
    return this.#pids.ref(node, id, creation);
  }

  exportPid(pid: Pid): void {
    this.#pids.exportPid(pid);
  }

  exportRef(ref: Ref): void {
    this.#pids.exportRef(ref);
  }

  // ---- what the core asks (NodeRouter) ----

  send(_from: Pid | undefined, to: Pid, message: unknown, operation: string): void {
    const conn = this.#connection(to.node);
    if (conn === undefined || conn.stale(to)) {
      this.#checkCopyable(message, operation);
      return; // Dropped, as in Erlang.
    }
    conn.push4(Op.SEND, to.id, to.creation, conn.codec.encode(message, operation));
  }

  sendNamed(from: Pid | undefined, to: RemoteName, message: unknown, operation: string): void {
    const conn = this.#connection(to.node);
    if (conn === undefined) {
      this.#checkCopyable(message, operation);
      return;
    }
    const wire = conn.codec.encode(message, operation);
    if (from !== undefined) this.#pids.exportPid(from);
    conn.push(Op.REG_SEND, from === undefined ? NO_PID : from.id, to.name, wire);
  }

  cast(dest: Pid | RemoteName, request: unknown, operation: string): void {
    const conn = this.#connection(dest.node);
    if (conn === undefined || (dest instanceof Pid && conn.stale(dest))) {
      this.#checkCopyable(request, operation);
      return;
    }
    const wire = conn.codec.encode(request, operation);
    if (dest instanceof Pid) conn.push4(Op.SEND_CAST, dest.id, dest.creation, wire);
    else conn.push(Op.REG_CAST, dest.name, wire);
  }

  /** A message to a node that cannot be reached is dropped, but one that cannot be copied is still an error. */
  #checkCopyable(message: unknown, operation: string): void {
    encode(message, this.#pids, operation);
  }

  call(
    caller: Process | undefined,
    dest: Pid | RemoteName,
    request: unknown,
    timeout: number,
    operation: string,
    system: boolean,
  ): Promise<unknown> {
    const conn = this.#connection(dest.node);
    return this.#calls.call(caller, dest, request, timeout, operation, system, conn);
  }

  spawnRequest(
    node: string,
    ref: BehaviourRef,
    arg: unknown,
    opts: { name?: unknown; timeout?: number },
    parent: Process | undefined,
  ): Promise<Pid> {
    return this.#calls.spawnRequest(node, ref, arg, opts, parent, this.#connection(node));
  }

  awaitExit(pid: Pid): Promise<ExitReason> {
    return this.#monitors.awaitExit(pid, this.#connection(pid.node));
  }

  link(proc: Process, to: Pid): void {
    this.#links.link(proc, to, this.#connection(to.node));
  }

  unlink(proc: Process, to: Pid): void {
    this.#links.unlink(proc, to);
  }

  exit(from: Pid, to: Pid, reason: ExitReason): void {
    this.#links.exit(from, to, reason, this.#connection(to.node));
  }

  monitor(proc: Process, to: Pid | RemoteName, ref: Ref): void {
    this.#monitors.monitor(proc, to, ref, this.#connection(to.node));
  }

  demonitor(proc: Process, ref: Ref): boolean {
    return this.#monitors.demonitor(proc, ref);
  }

  exited(pid: Pid, remote: RemoteEntry, reason: ExitReason): void {
    const entry = remote as Entry;
    // Encoded once for each codec it goes out by (most often one).
    let wire: unknown;
    let wireCodec: WireCodec | undefined;
    const wireReason = (conn: Connection): unknown => {
      if (conn.codec !== wireCodec) {
        wireCodec = conn.codec;
        wire = wireCodec.encodeReason(reason);
      }
      return wire;
    };
    this.#links.exited(pid, entry, wireReason);
    this.#monitors.exited(entry, wireReason);
    for (const node of entry.nodeMonitors.keys()) {
      const watchers = this.#nodeMonitors.get(node);
      if (watchers === undefined) continue;
      for (const proc of watchers.keys()) if (proc.pid === pid) watchers.delete(proc);
      if (watchers.size === 0) this.#nodeMonitors.delete(node);
    }
  }

  // ---- node operations ----

  startPeer(opts: PeerOptions): Promise<Peer> {
    const make = NodeLayer.threadCarrier;
    if (make === undefined) {
      return Promise.reject(
        new NodeError(`startPeer: the thread carrier is not loaded`, this.node, 'not_allowed'),
      );
    }
    if (this.#threads === undefined) {
      this.#threads = make(this);
      this.addCarrier(this.#threads);
    }
    return this.#threads.startPeer(opts);
  }

  startDistribution(opts: DistributionOptions): Promise<void> {
    const make = NodeLayer.tcpCarrier;
    if (make === undefined) {
      return Promise.reject(
        new NodeError(`startDistribution: the TCP carrier is not loaded`, this.node, 'not_allowed'),
      );
    }
    if (this.#tcp !== undefined) {
      return Promise.reject(
        new NodeError(
          `startDistribution: ${this.node} is distributed already`,
          this.node,
          'already_started',
        ),
      );
    }
    const started = make(this, opts);
    this.#tcp = started;
    return started.then(
      (carrier) => {
        this.addCarrier(carrier);
      },
      (error: unknown) => {
        this.#tcp = undefined;
        throw error;
      },
    );
  }

  /** Attaches a thread carrier made elsewhere (a peer's own, at boot). */
  useThreads(carrier: Carrier & { startPeer(opts: PeerOptions): Promise<Peer> }): void {
    this.#threads = carrier;
    this.addCarrier(carrier);
  }

  connect(node: string): Promise<boolean> {
    if (node === this.node) return Promise.resolve(true);
    const conn = this.#connection(node);
    if (conn === undefined) return Promise.resolve(false);
    if (conn.established) return Promise.resolve(true);
    return new Promise((resolve) => {
      conn.waiting ??= [];
      conn.waiting.push(resolve);
    });
  }

  nodes(): string[] {
    const nodes: string[] = [];
    for (const conn of this.#connections.values()) if (conn.established) nodes.push(conn.node);
    return nodes;
  }

  monitorNode(proc: Process, node: string, on: boolean): void {
    const entry = entryFor(proc);
    if (!on) {
      const count = entry.nodeMonitors.get(node) ?? 0;
      if (count <= 1) {
        entry.nodeMonitors.delete(node);
        this.#nodeMonitors.get(node)?.delete(proc);
      } else {
        entry.nodeMonitors.set(node, count - 1);
        this.#nodeMonitors.get(node)?.set(proc, count - 1);
      }
      return;
    }
    if (this.#connection(node) === undefined) {
      proc.deliver(new NodeDown(node, 'noconnection'));
      return;
    }
    const count = (entry.nodeMonitors.get(node) ?? 0) + 1;
    entry.nodeMonitors.set(node, count);
    let watchers = this.#nodeMonitors.get(node);
    if (watchers === undefined) {
      watchers = new Map();
      this.#nodeMonitors.set(node, watchers);
    }
    watchers.set(proc, count);
  }

  async shutdown(): Promise<void> {
    // The last exits of this node's processes (their links' EXITs, their monitors'
    // DOWNs) wait in this turn's batches: they go before the connections close.
    this.flush();
    await Promise.all(this.#carriers.map((carrier) => carrier.shutdown()));
    for (const node of [...this.#connections.keys()]) this.lost(node, 'noconnection');
  }

  // ---- what comes from other nodes ----

  #dispatch(conn: Connection, op: number, b: unknown[], i: number): void {
    switch (op) {
      case Op.SEND: {
        const proc = this.#pids.local(b[i] as number, b[i + 1] as number);
        if (proc !== undefined) proc.deliver(conn.codec.decode(b[i + 2]));
        return;
      }
      case Op.SEND_CAST: {
        const proc = this.#pids.local(b[i] as number, b[i + 1] as number);
        if (proc !== undefined) castToProcess(proc, conn.codec.decode(b[i + 2]));
        return;
      }
      case Op.REG_SEND: {
        const proc = this.#pids.named(b[i + 1] as string);
        if (proc !== undefined) proc.deliver(conn.codec.decode(b[i + 2]));
        return;
      }
      case Op.REG_CAST: {
        const proc = this.#pids.named(b[i] as string);
        if (proc !== undefined) castToProcess(proc, conn.codec.decode(b[i + 1]));
        return;
      }
      case Op.SEND_CALL:
        this.#calls.onCall(conn, this.#pids.local(b[i] as number, b[i + 1] as number), b, i + 2);
        return;
      case Op.REG_CALL:
        this.#calls.onCall(conn, this.#pids.named(b[i] as string), b, i + 1);
        return;
      case Op.ALIAS_SEND:
      case Op.ALIAS_SEND_ERROR:
        this.#calls.onReply(conn, op, b, i);
        return;
      case Op.SPAWN_REQUEST:
        this.#calls.onSpawnRequest(conn, b, i);
        return;
      case Op.SPAWN_REPLY:
        this.#calls.onSpawnReply(conn, b, i);
        return;
      case Op.LINK:
        this.#links.onLink(conn, b, i);
        return;
      case Op.UNLINK_ID:
        this.#links.onUnlinkId(conn, b, i);
        return;
      case Op.UNLINK_ID_ACK:
        this.#links.onUnlinkIdAck(conn, b, i);
        return;
      case Op.EXIT:
        this.#links.onExit(conn, b, i);
        return;
      case Op.EXIT2:
        this.#links.onExit2(conn, b, i);
        return;
      case Op.MONITOR_P:
        this.#monitors.onMonitor(conn, b, i);
        return;
      case Op.DEMONITOR_P:
        this.#monitors.dropIn(conn, b[i] as number);
        return;
      case Op.MONITOR_P_EXIT:
        this.#monitors.onMonitorExit(conn, b, i);
        return;
      default:
        throw new Error(`unknown control message ${String(op)}`);
    }
  }

  /** Whether a local process is registered under `name`. */
  isRegistered(name: string): boolean {
    return this.#pids.named(name) !== undefined;
  }
}

/** An exit reason on the wire: OTP's words as they are, anything else through the codec. */
function encodeReason(reason: ExitReason, host: CodecHost): unknown {
  if (typeof reason === 'string') return reason;
  try {
    return encode(reason, host, 'exit');
  } catch {
    // A reason that cannot be copied still ends the link: it travels as its description.
    return describeReasonBriefly(reason);
  }
}

function decodeReason(wire: unknown, host: CodecHost): ExitReason {
  return typeof wire === 'string' ? wire : decode(wire, host);
}

/** The node layer of a runtime with a node name. @internal */
export function nodeLayerOf(runtime: Runtime): NodeLayer {
  const router = runtime.router;
  if (!(router instanceof NodeLayer)) {
    throw new NodeError(
      `runtime ${runtime.name} is not a node: give it a node name (new Runtime({ node }))`,
      runtime.node,
      'not_alive',
    );
  }
  return router;
}

provideNodeLayer((runtime) => new NodeLayer(runtime as Runtime));
