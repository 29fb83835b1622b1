import type { BehaviourRef, ExitReason, RemoteName } from '../types.js';
import type { Pid, Ref } from './pid.js';
import type { Outbox } from './scheduler.js';

// The one door from the core to the node layer (src/dist/): what the core asks of it
// for a pid, or a `{ name, node }`, of another node. The core never imports dist; a
// runtime with a node name gets its router from the factory dist installs here. On
// the local paths it costs nothing: the core asks only once a pid has no local record
// (a send to a live local pid never looks at it).

/**
 * What a process's record keeps for the node layer: its links to processes of other
 * nodes and its monitors across nodes. The layer owns its contents; the core only
 * hands it back when the process exits.
 * @internal
 */
export interface RemoteEntry {
  /** Whether the entry holds nothing any more (so that `info` and exits can skip it). */
  readonly empty: boolean;
  /** The remote pids linked to the process, for `info`. */
  linkedPids(): Pid[];
  /** The remote processes the process monitors, for `info`. */
  monitoredPids(): Pid[];
}

/**
 * What the core asks of the node layer. Implemented by src/dist/node.ts. Generic over
 * the process record's type, so that this file and process.ts do not import each other.
 * @internal
 */
export interface NodeRouter<Process> {
  /** Sends `message` to a pid of another node (SEND). `from` is the sender, for ordering. */
  send(from: Pid | undefined, to: Pid, message: unknown, operation: string): void;
  /** Sends `message` to `{ name, node }` of another node (REG_SEND). */
  sendNamed(from: Pid | undefined, to: RemoteName, message: unknown, operation: string): void;
  /** Links the local `proc` to the remote `to` (LINK). */
  link(proc: Process, to: Pid): void;
  /** Removes a link of `proc` to the remote `to` (UNLINK_ID). */
  unlink(proc: Process, to: Pid): void;
  /** An exit signal from `from` to the remote `to`, as Erlang's `exit/2` (EXIT2). */
  exit(from: Pid, to: Pid, reason: ExitReason): void;
  /** `proc` monitors a remote pid or `{ name, node }` under `ref` (MONITOR_P). */
  monitor(proc: Process, to: Pid | RemoteName, ref: Ref): void;
  /** Removes the remote monitor `ref` of `proc` (DEMONITOR_P); whether it was active. */
  demonitor(proc: Process, ref: Ref): boolean;
  /**
   * A call (`GenServer.call`, `Sys`, `GenServer.stop`) to a process of another node:
   * resolves with the reply, rejects as a local call would (NoProcError, CallError
   * with the server's exit reason or `'noconnection'`, CallTimeoutError).
   */
  call(
    caller: Process | undefined,
    dest: Pid | RemoteName,
    request: unknown,
    timeout: number,
    operation: string,
    system: boolean,
  ): Promise<unknown>;
  /** A cast to a process of another node; dropped when it is not there. */
  cast(dest: Pid | RemoteName, request: unknown, operation: string): void;
  /**
   * Starts `ref` with `arg` on `node` (Erlang's SPAWN_REQUEST): resolves with the new
   * pid once its `init` has returned; linked to `parent` first when one is given (a
   * supervisor). Rejects with NodeError when the node cannot be reached, StartError
   * when the start fails there.
   */
  spawnRequest(
    node: string,
    ref: BehaviourRef,
    arg: unknown,
    opts: { name?: unknown; timeout?: number },
    parent: Process | undefined,
  ): Promise<Pid>;
  /** The exit reason of a pid of another node, once it exits (`'noconnection'` if its node goes). */
  awaitExit(pid: Pid): Promise<ExitReason>;
  /** The local process `pid`, which had an entry, exited: its links and monitors across fire. */
  exited(pid: Pid, entry: RemoteEntry, reason: ExitReason): void;
}

/** The node layer's factory, installed by src/dist/node.ts when it is loaded. */
let makeRouter: ((runtime: unknown) => NodeService<never>) | undefined;

/**
 * Installs the node layer's factory: done once, by src/dist/node.ts as it loads.
 * Not a hand-off between calls: the factory never changes afterwards. @internal
 */
export function provideNodeLayer<P>(factory: (runtime: unknown) => NodeService<P>): void {
  makeRouter = factory as unknown as (runtime: unknown) => NodeService<never>;
}

/** The router of a runtime with a node name, or `undefined` when no node layer is loaded. @internal */
export function createRouter<P>(runtime: unknown): NodeService<P> | undefined {
  return makeRouter?.(runtime) as NodeService<P> | undefined;
}

/**
 * Options of `rt.startPeer`.
 *
 * @example
 * ```ts
 * const peer = await rt.startPeer({
 *   name: 'worker1@localhost',
 *   entry: new URL('./worker-node.ts', import.meta.url),
 *   arg: { size: 4 },
 * });
 * ```
 */
export interface PeerOptions {
  /** The peer's node name, `name@host`; unique among the nodes this one knows. */
  name: string;
  /**
   * The module that boots the peer (a `URL`, a `file:` URL string, or a path): its
   * default export `(rt, arg) => void | Promise<void>` runs on the new node's runtime,
   * typically to start its supervision tree.
   */
  entry:
    | string
    | {
        /** The module's URL: a `URL` object fits. */
        readonly href: string;
      };
  /** What the entry's default export gets, copied by the rules of `messages: 'copy'`. */
  arg?: unknown;
  /**
   * Limits of the peer's thread (Node.js's `Worker` `resourceLimits`): a peer that
   * goes beyond them fails, which every other node sees as that node going down.
   * @defaultValue Node.js's defaults
   */
  resourceLimits?: {
    /** Maximum size of the main heap, in MB. */
    maxOldGenerationSizeMb?: number;
    /** Maximum size of the heap for recently created objects, in MB. */
    maxYoungGenerationSizeMb?: number;
  };
}

/**
 * A node started by `rt.startPeer` on a worker thread of this Node.js process.
 *
 * @example
 * ```ts
 * const peer = await rt.startPeer({ name: 'w1@localhost', entry: url });
 * await GenServer.call(rt, { name: 'Pool', node: peer.node }, 'status');
 * await peer.stop();
 * ```
 */
export interface Peer {
  /** The peer's node name. */
  readonly node: string;
  /**
   * Stops the peer: its runtime shuts down (its processes stop in order), then its
   * thread ends; every other node sees it go down. Resolves once the thread has ended,
   * at once for a peer that already failed.
   */
  stop(): Promise<void>;
}

/**
 * Options of `rt.startDistribution`: how the node is reached over TCP by other otp-ts
 * nodes and by Erlang and Elixir nodes.
 *
 * @example
 * ```ts
 * const rt = new Runtime({ node: 'store@localhost' });
 * await rt.startDistribution({ cookie: 'secret', tickTime: 10_000 });
 * ```
 */
export interface DistributionOptions {
  /**
   * The shared secret of the cluster: a node that does not know it cannot connect.
   * It is never logged.
   * @defaultValue the contents of `~/.erlang.cookie` (made, as Erlang makes it, when missing)
   */
  cookie?: string;
  /**
   * The port to listen on; 0 takes a free one. The node listens on the loopback
   * interface when its host is `localhost` or `127.x.x.x`, else on every interface.
   * @defaultValue 0
   */
  port?: number;
  /**
   * The port of the epmd on each host (Erlang's `ERL_EPMD_PORT`). When none answers
   * on this host, otp-ts starts its own port mapper there, detached, as `erl` starts
   * `epmd -daemon`.
   * @defaultValue 4369
   */
  epmd?: number;
  /**
   * Erlang's `net_ticktime`, in ms: a connection silent for about that long is down.
   * At least 100.
   * @defaultValue 60000
   */
  tickTime?: number;
  /**
   * Distribution over TLS (`node:tls`), as Erlang's `-proto_dist inet_tls`: every
   * connection, both ways, is TLS from its first byte, the distribution handshake
   * inside it. Every node of the cluster must use TLS. The options are Node.js's:
   * `key` and `cert` (this node's, for both sides), `ca` (whom to trust),
   * `rejectUnauthorized` (verify the other node's certificate and host name; default
   * `true`), `requestCert` (ask a connecting node for its certificate; default `true`).
   * @defaultValue no TLS
   */
  tls?: DistributionTlsOptions;
  /**
   * How long, in µs, the event loop keeps polling for the next message after traffic
   * on a connection instead of sleeping, as the BEAM's schedulers busy-wait: a reply
   * that comes within it is read at once (on a virtual machine, waking a sleeping
   * thread can cost more than the round trip). It costs at most that much CPU after
   * each burst of traffic; 0 turns it off. At most 10,000.
   * @defaultValue 100
   */
  busyWait?: number;
}

/**
 * The TLS options of `rt.startDistribution`, a subset of Node.js's `tls` options.
 *
 * @example
 * ```ts
 * await rt.startDistribution({
 *   tls: { key: readFileSync('node.key'), cert: readFileSync('node.pem'), ca: readFileSync('ca.pem') },
 * });
 * ```
 */
export interface DistributionTlsOptions {
  /** This node's private key, PEM (a string, or its bytes: a `Buffer` fits). */
  key?: string | Uint8Array | Array<string | Uint8Array>;
  /** This node's certificate chain, PEM: it proves the node to the others, both ways. */
  cert?: string | Uint8Array | Array<string | Uint8Array>;
  /** The authorities whose certificates this node trusts, PEM. @defaultValue Node.js's bundled ones */
  ca?: string | Uint8Array | Array<string | Uint8Array>;
  /** The passphrase of `key`. */
  passphrase?: string;
  /** @defaultValue true */
  rejectUnauthorized?: boolean;
  /** @defaultValue true */
  requestCert?: boolean;
}

/**
 * The node operations of a runtime with a node name, behind `rt.startPeer`,
 * `rt.connect`, `rt.nodes` and `self.monitorNode`. @internal
 */
export interface NodeService<Process> extends NodeRouter<Process>, Outbox {
  startPeer(opts: PeerOptions): Promise<Peer>;
  startDistribution(opts: DistributionOptions): Promise<void>;
  connect(node: string): Promise<boolean>;
  nodes(): string[];
  /** Turns a node monitor of `proc` on `node` on (adds one) or off (removes one). */
  monitorNode(proc: Process, node: string, on: boolean): void;
  /** Stops the peers, closes the connections: the runtime is shutting down. */
  shutdown(): Promise<void>;
}
