import { randomInt } from 'node:crypto';
import { once } from 'node:events';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import * as tls from 'node:tls';
import type { DistributionOptions, DistributionTlsOptions } from '../../core/kernel.js';
import { describeValue } from '../../describe.js';
import { NodeError } from '../../errors.js';
import { TermError } from '../etf/terms.js';
import { type Carrier, type Channel, NODE_NAME } from '../node/carrier.js';
import { NodeLayer } from '../node.js';
import { BusyWait } from '../tcp/busy-wait.js';
import { ControlTranslator } from '../tcp/control.js';
import { ensurePortMapper } from '../tcp/ensure-port-mapper.js';
import { EPMD_PORT, EpmdError, lookupNode, registerNode } from '../tcp/epmd.js';
import {
  acceptHandshake,
  HandshakeError,
  type HandshakeIdentity,
  initiateHandshake,
  OUR_FLAGS,
  type Verdict,
} from '../tcp/handshake.js';
import { TcpLink } from '../tcp/link.js';
import { TermCodec } from '../tcp/wire-codec.js';

// The TCP carrier: Erlang's distribution over TCP (erl_dist_protocol), so that otp-ts
// nodes on several machines, and real Erlang and Elixir nodes, are connected as the
// BEAM's are. A node listens on a port it registers with the host's epmd (or with the
// port mapper otp-ts starts when none runs); a connection to a node is dialled the
// first time something goes to it: the layer gets its channel at once, and what is
// sent meanwhile waits in it until the handshake is done.

/** Frames and terms from another node larger than these are refused (the connection closes). */
const MAX_FRAME = 128 * 1024 * 1024;
const MAX_INFLATED = 64 * 1024 * 1024;

/** How long the event loop keeps polling after traffic, in µs (see busy-wait.ts). */
const DEFAULT_BUSY_WAIT = 100;

/** How long a handshake may take, each way. */
const HANDSHAKE_TIMEOUT = 7000;

/** The carrier's options, with defaults filled in. */
interface Settings {
  readonly cookie: string;
  readonly port: number;
  readonly epmdPort: number;
  readonly tickTime: number;
  readonly tls: NodeTlsOptions | undefined;
  readonly busyWait: number;
}

/** What both `tls.createServer` and `tls.connect` take of the TLS options. */
type NodeTlsOptions = tls.SecureContextOptions & {
  requestCert: boolean;
  rejectUnauthorized: boolean;
};

/** One connection: dialled or accepted; its link once the handshake is done. */
class TcpChannel implements Channel {
  readonly node: string;
  creation = 0;
  readonly codec: TermCodec;
  readonly #carrier: TcpCarrier;
  readonly #translator: ControlTranslator;
  #link: TcpLink | undefined = undefined;
  /** Batches sent before the handshake was done. */
  #waiting: unknown[][] = [];
  #closed = false;
  /** The socket of a dial under way, to end it when the other node's own connection wins. */
  dialing: Socket | undefined = undefined;

  constructor(carrier: TcpCarrier, node: string) {
    this.node = node;
    this.#carrier = carrier;
    this.codec = carrier.codec;
    this.#translator = new ControlTranslator(carrier.layer, carrier.codec, node, {
      maxInflated: MAX_INFLATED,
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  get established(): boolean {
    return this.#link !== undefined;
  }

  post(batch: unknown[]): void {
    if (this.#closed) return;
    const link = this.#link;
    if (link === undefined) {
      this.#waiting.push(batch);
      return;
    }
    const frames = this.#translator.write(batch);
    if (frames !== undefined) link.write(frames);
    this.#carrier.busyWait.touch();
  }

  /** The handshake is done: the connection carries what waited, then the traffic. */
  attach(socket: Socket, creation: number, rest: Uint8Array): void {
    if (this.#closed) {
      socket.destroy();
      return;
    }
    this.dialing = undefined;
    this.creation = creation;
    this.#translator.creation = creation;
    const link = new TcpLink(socket, rest, {
      tickTime: this.#carrier.settings.tickTime,
      maxFrame: MAX_FRAME,
    });
    this.#link = link;
    link.on('messages', this.#onMessages);
    link.on('down', (reason, detail) => {
      if (reason === 'bad_frame') {
        this.#carrier.layer.runtime.logger.warn(
          `otp-ts: closing the connection to ${this.node}: ${detail}`,
        );
      }
      this.#carrier.channelDown(this, reason);
    });
    this.#carrier.layer.established(this.node, creation);
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const batch of waiting) this.post(batch);
  }

  readonly #onMessages = (messages: Uint8Array[]): void => {
    this.#carrier.busyWait.touch();
    const batch: unknown[] = [];
    try {
      for (const bytes of messages) this.#translator.read(bytes, batch);
    } catch (error) {
      // Whatever comes from the network is untrusted: a bad message ends this
      // connection, and nothing else.
      const why = error instanceof TermError ? error.message : String(error);
      this.#carrier.layer.runtime.logger.warn(
        `otp-ts: closing the connection to ${this.node}: ${why}`,
      );
      // What came whole before the bad message is delivered, as it would have been
      // had the bad one come in the next chunk.
      if (batch.length > 0) this.#carrier.layer.receive(this.node, batch);
      this.#carrier.channelDown(this, 'bad_frame');
      return;
    }
    // Answers (a DEMONITOR_P after a call's reply) are not urgent: they leave with
    // the next batch (most often the caller's next call), or on their own a moment later.
    if (this.#translator.hasAnswers && !this.#answering) {
      this.#answering = true;
      setImmediate(this.#sendAnswers);
    }
    if (batch.length > 0) this.#carrier.layer.receive(this.node, batch);
  };

  #answering = false;

  readonly #sendAnswers = (): void => {
    this.#answering = false;
    const answers = this.#translator.takeAnswers();
    if (answers !== undefined) this.#link?.write(answers);
  };

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#waiting = [];
    this.dialing?.destroy();
    this.#link?.close();
  }
}

/** The TCP carrier of one node. @internal */
export class TcpCarrier implements Carrier {
  readonly layer: NodeLayer;
  readonly settings: Settings;
  readonly codec: TermCodec;
  readonly busyWait: BusyWait;
  readonly #channels = new Map<string, TcpChannel>();
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  #epmd: Socket | undefined = undefined;
  #port = 0;
  #stopped = false;

  constructor(layer: NodeLayer, settings: Settings) {
    this.layer = layer;
    this.settings = settings;
    this.codec = new TermCodec(layer);
    this.busyWait = new BusyWait(settings.busyWait);
    const secure = settings.tls;
    if (secure === undefined) {
      this.#server = createServer((socket) => this.#accepted(socket));
    } else {
      this.#server = tls.createServer(secure, (socket) => this.#accepted(socket));
      // A node that fails the TLS handshake is refused; nothing else is disturbed.
      this.#server.on('tlsClientError', (_error, socket) => socket.destroy());
    }
    this.#server.on('error', () => {});
  }

  /** The handshake's length prefix: Erlang's TLS distribution frames it by 4 bytes. */
  get #framing(): 2 | 4 {
    return this.settings.tls === undefined ? 2 : 4;
  }

  /** The port this node listens on. */
  get port(): number {
    return this.#port;
  }

  get #identity(): HandshakeIdentity {
    return {
      node: this.layer.node,
      cookie: this.settings.cookie,
      creation: this.layer.creation,
      flags: OUR_FLAGS,
    };
  }

  /** Listens, and registers the node's name with the host's port mapper. */
  async start(): Promise<void> {
    const host = hostOf(this.layer.node);
    const address = listenAddress(host);
    this.#server.listen({ port: this.settings.port, host: address });
    await new Promise<void>((resolve, reject) => {
      this.#server.once('listening', resolve);
      this.#server.once('error', (error) =>
        reject(
          new NodeError(
            `startDistribution: cannot listen on ${address}:${this.settings.port}: ${error.message}`,
            this.layer.node,
            'not_allowed',
          ),
        ),
      );
    });
    const bound = this.#server.address();
    this.#port = typeof bound === 'object' && bound !== null ? bound.port : this.settings.port;
    const epmd = { host: '127.0.0.1', port: this.settings.epmdPort };
    try {
      await ensurePortMapper(epmd);
      const { socket } = await registerNode(
        {
          name: this.layer.node.slice(0, this.layer.node.indexOf('@')),
          port: this.#port,
          hidden: true,
          highestVersion: 6,
          lowestVersion: 6,
        },
        epmd,
      );
      this.#epmd = socket;
      // The port mapper going away does not end the node (Erlang's does not either).
      socket.on('error', () => {});
    } catch (error) {
      this.#server.close();
      throw new NodeError(
        `startDistribution: the name ${this.layer.node} cannot be registered: ${(error as Error).message}`,
        this.layer.node,
        error instanceof EpmdError ? 'not_allowed' : 'noconnection',
      );
    }
  }

  connect(node: string): Channel | undefined {
    if (this.#stopped || !NODE_NAME.test(node)) return undefined;
    const channel = new TcpChannel(this, node);
    this.#channels.set(node, channel);
    this.#dial(channel).catch((error: unknown) => {
      // The other node's connection, accepted meanwhile, is this channel's now (and
      // this dial was ended for it), or the channel was closed: nothing failed.
      if (channel.established || channel.closed) return;
      if (error instanceof HandshakeError && error.reason === 'nok') {
        // Both nodes dialled at once and the other's dial wins: it is on its way.
        this.#expectAccept(channel);
        return;
      }
      this.layer.runtime.logger.debug(
        `otp-ts: cannot connect to ${node}: ${(error as Error).message}`,
      );
      this.channelDown(channel, 'noconnection');
    });
    return channel;
  }

  async #dial(channel: TcpChannel): Promise<void> {
    const node = channel.node;
    const at = node.indexOf('@');
    const host = node.slice(at + 1);
    const entry = await lookupNode(node.slice(0, at), { host, port: this.settings.epmdPort });
    if (entry === undefined) throw new Error(`no node ${node} is registered at ${host}`);
    if (channel.closed) return;
    const secure = this.settings.tls;
    const socket =
      secure === undefined
        ? createConnection({ host, port: entry.port })
        : tls.connect({
            host,
            port: entry.port,
            ...secure,
            // A host name, not an address, is what a certificate names (SNI).
            ...(/^[\d.]+$|:/.test(host) ? {} : { servername: host }),
          });
    channel.dialing = socket;
    const failed = new Promise<never>((_, reject) => socket.once('error', reject));
    socket.on('error', () => {});
    await Promise.race([once(socket, secure === undefined ? 'connect' : 'secureConnect'), failed]);
    if (channel.closed) {
      socket.destroy();
      return;
    }
    const result = await initiateHandshake(
      socket,
      this.#identity,
      node,
      HANDSHAKE_TIMEOUT,
      this.#framing,
      // Asked when the other node is connected to one of our name already: that is an
      // earlier incarnation of ours, unless the connection it has is this channel's.
      () => !channel.established,
    );
    if (result.node !== node) {
      socket.destroy();
      throw new Error(`the node at ${host}:${entry.port} is ${result.node}, not ${node}`);
    }
    if (channel.dialing !== socket) {
      // The other node's connection won meanwhile.
      socket.destroy();
      return;
    }
    channel.attach(socket, result.creation, result.rest);
  }

  /** Waits for the connection the other node is making. */
  #expectAccept(channel: TcpChannel): void {
    const timer = setTimeout(() => {
      if (!channel.established) this.channelDown(channel, 'noconnection');
    }, HANDSHAKE_TIMEOUT);
    timer.unref();
  }

  #accepted(socket: Socket): void {
    this.#sockets.add(socket);
    socket.on('close', () => this.#sockets.delete(socket));
    socket.on('error', () => {});
    acceptHandshake(
      socket,
      this.#identity,
      (node) => this.#verdict(node),
      HANDSHAKE_TIMEOUT,
      this.#framing,
    ).then(
      (result) => {
        this.#sockets.delete(socket);
        const current = this.#channels.get(result.node);
        if (current !== undefined && !current.established && !current.closed) {
          // Ours was still being dialled: this one is the connection now.
          current.dialing?.destroy();
          current.dialing = undefined;
          current.attach(socket, result.creation, result.rest);
          return;
        }
        const channel = new TcpChannel(this, result.node);
        this.#channels.set(result.node, channel);
        // A node that connects again is a new incarnation: the layer drops the old one.
        this.layer.accept(channel);
        channel.attach(socket, result.creation, result.rest);
      },
      () => {
        // A failed handshake closes that socket and nothing else; the cookie is never logged.
        socket.destroy();
      },
    );
  }

  /**
   * Erlang's rules: of two nodes dialling each other at once, the greater name's dial
   * wins; a node connected already is asked whether it is a new incarnation.
   */
  #verdict(node: string): Verdict {
    if (this.#stopped) return false;
    const current = this.#channels.get(node);
    if (current === undefined || current.closed) return true;
    if (current.established) return 'alive';
    return this.layer.node > node ? 'nok' : 'ok_simultaneous';
  }

  /** A channel is down: if it is still the node's connection, the layer hears of it. */
  channelDown(channel: TcpChannel, reason: string): void {
    if (this.#channels.get(channel.node) !== channel) {
      channel.close();
      return;
    }
    this.#channels.delete(channel.node);
    channel.close();
    this.layer.lost(
      channel.node,
      reason === 'net_tick_timeout' ? 'net_tick_timeout' : 'noconnection',
    );
  }

  async shutdown(): Promise<void> {
    this.#stopped = true;
    for (const channel of [...this.#channels.values()]) this.channelDown(channel, 'noconnection');
    for (const socket of this.#sockets) socket.destroy();
    this.#epmd?.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

/** The host part of a node name. */
function hostOf(node: string): string {
  return node.slice(node.indexOf('@') + 1);
}

/**
 * Where to listen: a node named for the loopback host listens there only; any other
 * on every interface, as Erlang's nodes do.
 */
function listenAddress(host: string): string {
  if (host === 'localhost' || host.startsWith('127.')) return '127.0.0.1';
  if (host === '::1') return '::1';
  return '::';
}

/** The cookie: given, or `~/.erlang.cookie` (made as Erlang makes it when there is none). */
async function cookieOf(given: string | undefined): Promise<string> {
  if (given !== undefined) return given;
  const path = join(homedir(), '.erlang.cookie');
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch {
    const letters = Array.from({ length: 20 }, () => String.fromCharCode(65 + randomInt(26))).join(
      '',
    );
    await writeFile(path, letters, { flag: 'wx', mode: 0o400 }).catch(() => {});
    await chmod(path, 0o400).catch(() => {});
    return (await readFile(path, 'utf8')).trim();
  }
}

/** The TLS options as `node:tls` takes them (its types want `Buffer`s where bytes are). */
function nodeTlsOptions(opts: DistributionTlsOptions): NodeTlsOptions {
  const pem = (
    value: string | Uint8Array | Array<string | Uint8Array> | undefined,
  ): string | Buffer | Array<string | Buffer> | undefined => {
    const one = (v: string | Uint8Array) =>
      typeof v === 'string' ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
    if (value === undefined) return undefined;
    return Array.isArray(value) ? value.map(one) : one(value);
  };
  const out: NodeTlsOptions = {
    requestCert: opts.requestCert ?? true,
    rejectUnauthorized: opts.rejectUnauthorized ?? true,
  };
  if (opts.key !== undefined) out.key = pem(opts.key);
  if (opts.cert !== undefined) out.cert = pem(opts.cert);
  if (opts.ca !== undefined) out.ca = pem(opts.ca);
  if (opts.passphrase !== undefined) out.passphrase = opts.passphrase;
  return out;
}

/** Starts the TCP carrier of `layer`. */
async function startTcp(layer: NodeLayer, opts: DistributionOptions): Promise<TcpCarrier> {
  if (typeof opts !== 'object' || opts === null) {
    throw new TypeError(`startDistribution: expected options, got ${describeValue(opts, 80)}`);
  }
  const {
    cookie,
    port = 0,
    epmd = EPMD_PORT,
    tickTime = 60_000,
    tls: secure,
    busyWait = DEFAULT_BUSY_WAIT,
  } = opts;
  if (typeof busyWait !== 'number' || !(busyWait >= 0 && busyWait <= 10_000)) {
    throw new TypeError(
      `startDistribution: expected \`busyWait\` to be between 0 and 10000 (µs), got ${describeValue(busyWait, 80)}`,
    );
  }
  if (secure !== undefined && (typeof secure !== 'object' || secure === null)) {
    throw new TypeError(
      `startDistribution: expected \`tls\` to be TLS options, got ${describeValue(secure, 80)}`,
    );
  }
  if (cookie !== undefined && (typeof cookie !== 'string' || cookie.length === 0)) {
    throw new TypeError('startDistribution: expected `cookie` to be a non-empty string');
  }
  for (const [name, value] of [
    ['port', port],
    ['epmd', epmd],
  ] as const) {
    if (!Number.isInteger(value) || value < 0 || value > 65535) {
      throw new TypeError(
        `startDistribution: expected \`${name}\` to be a port number, got ${describeValue(value, 80)}`,
      );
    }
  }
  if (typeof tickTime !== 'number' || !(tickTime >= 100)) {
    throw new TypeError(
      `startDistribution: expected \`tickTime\` to be at least 100 (ms), got ${describeValue(tickTime, 80)}`,
    );
  }
  const carrier = new TcpCarrier(layer, {
    cookie: await cookieOf(cookie),
    port,
    epmdPort: epmd,
    tickTime,
    tls: secure === undefined ? undefined : nodeTlsOptions(secure),
    busyWait,
  });
  await carrier.start();
  return carrier;
}

NodeLayer.tcpCarrier = startTcp;
