import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  isMainThread,
  MessageChannel,
  type MessagePort,
  parentPort,
  receiveMessageOnPort,
  Worker,
  workerData,
} from 'node:worker_threads';
import { dynamicImport, type Peer, type PeerOptions, Runtime } from '../../core/kernel.js';
import { describeValue } from '../../describe.js';
import { NodeError } from '../../errors.js';
import { decode, encode } from '../codec.js';
import { type Carrier, type Channel, NODE_NAME, type WireCodec } from '../node/carrier.js';
import { NodeLayer, nodeLayerOf } from '../node.js';

// The thread carrier: every node of one Node.js process (the main thread's and its
// peers on worker threads) is connected to every other by a MessageChannel of its
// own, as Erlang connects nodes transitively; the runtime that starts the peers (the
// hub) hands each new peer one end of a channel to it and to every peer already up.
// A peer is started from this very module: the worker runs it with a flag in its
// workerData, and it boots the peer's runtime (see `bootPeer` at the bottom).

/**
 * This module's own file, which a peer's worker runs. In the CommonJS bundle,
 * `import.meta.url` is a shim that names the file of a chunk the entries share, not
 * the bundle that holds this code, so the module's own `__filename` comes first there.
 */
const OWN_URL: URL =
  typeof __filename === 'string' ? pathToFileURL(__filename) : new URL(import.meta.url);

/** The workerData key that tells a worker it is a peer. */
const PEER_FLAG = 'otp-ts.peer';

/** How long `peer.stop()` waits for the peer's shutdown before it ends the thread. */
const STOP_TIMEOUT = 10_000;

/** What a peer's worker gets. */
interface PeerData {
  [PEER_FLAG]: true;
  node: string;
  creation: number;
  entry: string;
  arg: unknown;
  hub: { node: string; creation: number; port: MessagePort };
  peers: { node: string; creation: number; port: MessagePort }[];
}

/** Orders between the hub and a peer's thread (not node traffic, which has its channels). */
type HubOrder =
  | { t: 'connect'; node: string; creation: number; port: MessagePort }
  | { t: 'down'; node: string }
  | { t: 'stop' };
type PeerReport = { t: 'booted' } | { t: 'boot_failed'; error: unknown };

/** A channel over a MessagePort. */
class PortChannel implements Channel {
  readonly node: string;
  readonly creation: number;
  readonly codec: WireCodec;
  readonly #port: MessagePort;
  readonly #layer: NodeLayer;

  constructor(layer: NodeLayer, node: string, creation: number, port: MessagePort) {
    this.node = node;
    this.creation = creation;
    this.codec = layer.threadCodec;
    this.#port = port;
    this.#layer = layer;
    port.on('message', (batch: unknown[]) => layer.receive(node, batch));
    port.on('close', () => layer.lost(node));
  }

  /**
   * The other node is gone: what it posted before it went (its processes' final EXITs
   * and DOWNs) may still wait in the port, behind the news of its end, which comes by
   * another way. Those messages are taken first.
   */
  drain(): void {
    for (;;) {
      const queued = receiveMessageOnPort(this.#port);
      if (queued === undefined) return;
      this.#layer.receive(this.node, queued.message as unknown[]);
    }
  }

  post(batch: unknown[]): void {
    this.#port.postMessage(batch);
  }

  close(): void {
    this.#port.close();
  }
}

/** A peer as the hub knows it. */
interface PeerRecord {
  readonly node: string;
  readonly creation: number;
  readonly worker: Worker;
  booted: boolean;
  gone: boolean;
  /** Why its thread failed, if it did. */
  error: unknown;
  readonly exited: Promise<void>;
}

/** The thread carrier of one node. @internal */
export class ThreadCarrier implements Carrier {
  readonly #layer: NodeLayer;
  /** Whether this node starts peers (the main thread's); a peer cannot. */
  readonly #hub: boolean;
  readonly #peers = new Map<string, PeerRecord>();
  /** The channel to each node this one is connected to. */
  readonly #channels = new Map<string, PortChannel>();

  constructor(layer: NodeLayer, hub: boolean) {
    this.#layer = layer;
    this.#hub = hub;
  }

  /** Every node of the mesh is connected as it comes up: nothing to dial. */
  connect(): Channel | undefined {
    return undefined;
  }

  /** Takes one end of a channel to `node`: the connection is up. */
  join(node: string, creation: number, port: MessagePort): void {
    const channel = new PortChannel(this.#layer, node, creation, port);
    this.#channels.set(node, channel);
    this.#layer.accept(channel);
  }

  /** `node` is gone: its last messages are taken, then the layer hears of it. */
  lost(node: string): void {
    this.#channels.get(node)?.drain();
    this.#channels.delete(node);
    this.#layer.lost(node, 'noconnection');
  }

  startPeer(opts: PeerOptions): Promise<Peer> {
    const layer = this.#layer;
    let data: PeerData;
    let execArgv: string[] | undefined;
    let resourceLimits: PeerOptions['resourceLimits'];
    const others: { record: PeerRecord; port: MessagePort }[] = [];
    const hubChannel = new MessageChannel();
    try {
      if (!this.#hub) {
        throw new NodeError(
          `startPeer: ${layer.node} is itself a peer; start peers from the main thread's runtime`,
          layer.node,
          'not_allowed',
        );
      }
      if (typeof opts !== 'object' || opts === null) {
        throw new TypeError(
          `startPeer: expected options { name, entry, arg? }, got ${describeValue(opts, 100)}`,
        );
      }
      const { name, entry } = opts;
      if (typeof name !== 'string' || !NODE_NAME.test(name)) {
        throw new TypeError(
          `startPeer: expected \`name\` to be a node name 'name@host', got ${describeValue(name, 100)}`,
        );
      }
      if (name === layer.node || this.#peers.has(name) || layer.nodes().includes(name)) {
        throw new NodeError(
          `startPeer: a node named ${name} is already connected to ${layer.node}`,
          name,
          'not_allowed',
        );
      }
      resourceLimits = opts.resourceLimits;
      const creation = 1 + Math.floor(Math.random() * 0xffff_fffe);
      const peers: PeerData['peers'] = [];
      for (const record of this.#peers.values()) {
        if (record.gone) continue;
        const channel = new MessageChannel();
        others.push({ record, port: channel.port1 });
        peers.push({ node: record.node, creation: record.creation, port: channel.port2 });
      }
      data = {
        [PEER_FLAG]: true,
        node: name,
        creation,
        entry: entryUrl(entry),
        arg: encode(opts.arg, layer, 'startPeer'),
        hub: { node: layer.node, creation: layer.creation, port: hubChannel.port2 },
        peers,
      };
      // From the sources (under tsx or vitest), the worker runs this .ts file, and needs
      // a loader for TypeScript; the published build runs its own .js.
      if (OWN_URL.href.endsWith('.ts')) {
        execArgv = ['--import', new URL('../../../scripts/peer-register.mjs', OWN_URL).href];
      }
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<Peer>((resolvePeer, rejectPeer) => {
      const worker = new Worker(OWN_URL, {
        workerData: data,
        transferList: [data.hub.port, ...data.peers.map((p) => p.port)],
        ...(execArgv === undefined ? {} : { execArgv }),
        ...(resourceLimits === undefined ? {} : { resourceLimits }),
      });
      let exited!: () => void;
      const record: PeerRecord = {
        node: data.node,
        creation: data.creation,
        worker,
        booted: false,
        gone: false,
        error: undefined,
        exited: new Promise((r) => {
          exited = r;
        }),
      };
      this.#peers.set(data.node, record);
      for (const { record: other, port } of others) {
        const order: HubOrder = { t: 'connect', node: data.node, creation: data.creation, port };
        other.worker.postMessage(order, [port]);
      }
      // A peer's failure must never reach this thread as an uncaught error.
      worker.on('error', (error) => {
        record.error = error;
      });
      worker.on('exit', () => {
        record.gone = true;
        this.#peers.delete(record.node);
        // The thread's 'exit' can come before the messages it posted last.
        this.lost(record.node);
        hubChannel.port1.close();
        for (const other of this.#peers.values()) {
          const order: HubOrder = { t: 'down', node: record.node };
          other.worker.postMessage(order);
        }
        if (!record.booted) {
          rejectPeer(
            new NodeError(
              `startPeer of ${record.node} failed: its thread ended before it booted${record.error === undefined ? '' : ` (${describeValue(record.error, 300)})`}`,
              record.node,
              'boot_failed',
              { cause: record.error },
            ),
          );
        }
        exited();
      });
      worker.on('message', (report: PeerReport) => {
        if (report.t === 'booted') {
          record.booted = true;
          this.join(record.node, record.creation, hubChannel.port1);
          resolvePeer({ node: record.node, stop: () => this.#stop(record) });
        } else if (report.t === 'boot_failed') {
          const error = decode(report.error, layer);
          record.error = error;
          rejectPeer(
            new NodeError(
              `startPeer of ${record.node} failed: its entry ${data.entry} threw ${describeValue(error, 300)}`,
              record.node,
              'boot_failed',
              { cause: error },
            ),
          );
          void worker.terminate();
        }
      });
    });
  }

  async #stop(record: PeerRecord): Promise<void> {
    if (record.gone) return;
    const order: HubOrder = { t: 'stop' };
    record.worker.postMessage(order);
    const timer = setTimeout(() => void record.worker.terminate(), STOP_TIMEOUT);
    await record.exited;
    clearTimeout(timer);
  }

  async shutdown(): Promise<void> {
    await Promise.all([...this.#peers.values()].map((record) => this.#stop(record)));
  }
}

/** The URL of a peer's entry module: a URL, a URL string, or a path. */
function entryUrl(entry: unknown): string {
  if (entry instanceof URL) return entry.href;
  if (typeof entry === 'object' && entry !== null && typeof (entry as URL).href === 'string') {
    return (entry as URL).href;
  }
  if (typeof entry === 'string' && entry.length > 0) {
    return /^[a-z][a-z0-9+.-]+:/i.test(entry) && !/^[a-z]:[\\/]/i.test(entry)
      ? entry
      : pathToFileURL(resolve(entry)).href;
  }
  throw new TypeError(
    `startPeer: expected \`entry\` to be the URL or path of a module, got ${describeValue(entry, 100)}`,
  );
}

NodeLayer.threadCarrier = (layer) => new ThreadCarrier(layer, true);

/** Boots this worker thread as a peer: its runtime, its channels, then its entry. */
async function bootPeer(data: PeerData, port: NonNullable<typeof parentPort>): Promise<void> {
  const rt = new Runtime({ node: data.node, creation: data.creation, name: data.node });
  const layer = nodeLayerOf(rt);
  const carrier = new ThreadCarrier(layer, false);
  layer.useThreads(carrier);
  carrier.join(data.hub.node, data.hub.creation, data.hub.port);
  for (const peer of data.peers) carrier.join(peer.node, peer.creation, peer.port);
  port.on('message', (order: HubOrder) => {
    if (order.t === 'connect') carrier.join(order.node, order.creation, order.port);
    else if (order.t === 'down') carrier.lost(order.node);
    else if (order.t === 'stop') {
      void rt.shutdown().finally(() => process.exit(0));
    }
  });
  let report: PeerReport;
  try {
    const module = (await dynamicImport(data.entry)) as { default?: unknown };
    const boot = module.default;
    if (typeof boot !== 'function') {
      throw new TypeError(
        `the entry ${data.entry} of peer ${data.node} has no default export (rt, arg) => ...; got ${describeValue(boot, 100)}`,
      );
    }
    await boot(rt, decode(data.arg, layer));
    report = { t: 'booted' };
  } catch (error) {
    report = { t: 'boot_failed', error: safeEncode(error, layer) };
  }
  port.postMessage(report);
}

function safeEncode(error: unknown, layer: NodeLayer): unknown {
  try {
    return encode(error, layer, 'startPeer');
  } catch {
    return describeValue(error, 300);
  }
}

if (!isMainThread && parentPort !== null) {
  const data = workerData as Partial<PeerData> | null;
  if (typeof data === 'object' && data !== null && data[PEER_FLAG] === true) {
    void bootPeer(data as PeerData, parentPort);
  }
}
