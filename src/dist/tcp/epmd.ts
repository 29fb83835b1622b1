import { EventEmitter, once } from 'node:events';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { FrameError, FrameReader, frame } from './frames.js';

// epmd, Erlang's port mapper (erl_dist_protocol, "EPMD Protocol"): a node registers its
// name and listening port with ALIVE2_REQ and keeps that connection open (closing it
// unregisters the name); another node finds the port with PORT_PLEASE2_REQ. Both the
// client, for a real epmd, and an epmd-compatible server, for hosts without Erlang.
// NAMES_REQ and KILL_REQ are what `epmd -names` and `epmd -kill` send: the first tells
// whether an epmd answers at all, the second stops the daemon otp-ts starts.

/** epmd's well-known port. @internal */
export const EPMD_PORT = 4369;

const ALIVE2_REQ = 120;
const ALIVE2_RESP = 121;
const ALIVE2_X_RESP = 118;
const PORT_PLEASE2_REQ = 122;
const PORT2_RESP = 119;
const NAMES_REQ = 110;
const KILL_REQ = 107;

/** How a node registers, and what a lookup finds. @internal */
export interface NodeEntry {
  /** The name's part before `@`. */
  name: string;
  port: number;
  /** `true` for a hidden node (node type 72), `false` for a normal one (77). */
  hidden: boolean;
  highestVersion: number;
  lowestVersion: number;
}

/** An epmd that could not be reached, or refused: the node cannot be named there. @internal */
export class EpmdError extends Error {
  override name = 'EpmdError';

  /** Whether nothing listens there (the connection was refused): an epmd may be started. */
  get refused(): boolean {
    return (this.cause as NodeJS.ErrnoException | undefined)?.code === 'ECONNREFUSED';
  }
}

/** Where an epmd listens. @internal */
export interface EpmdAddress {
  host?: string;
  port?: number;
}

/**
 * Registers `entry` with the epmd at `address`; resolves the creation it gave and the
 * connection to keep open for as long as the name is held.
 * @internal
 */
export async function registerNode(
  entry: NodeEntry,
  address: EpmdAddress = {},
): Promise<{ creation: number; socket: Socket }> {
  const socket = await connect(address);
  const name = new TextEncoder().encode(entry.name);
  const request = new Uint8Array(13 + name.length);
  const view = new DataView(request.buffer);
  request[0] = ALIVE2_REQ;
  view.setUint16(1, entry.port);
  request[3] = entry.hidden ? 72 : 77;
  request[4] = 0; // TCP/IPv4
  view.setUint16(5, entry.highestVersion);
  view.setUint16(7, entry.lowestVersion);
  view.setUint16(9, name.length);
  request.set(name, 11);
  view.setUint16(11 + name.length, 0); // no extra
  socket.write(frame(2, request));
  // ALIVE2_X_RESP is 6 bytes; a refusal may be shorter, with the connection closed.
  const reply = await readAtLeast(socket, 6);
  const result = reply[1];
  if (reply[0] === ALIVE2_X_RESP && reply.length >= 6 && result === 0) {
    return { creation: new DataView(reply.buffer, reply.byteOffset).getUint32(2), socket };
  }
  if (reply[0] === ALIVE2_RESP && reply.length >= 4 && result === 0) {
    return { creation: new DataView(reply.buffer, reply.byteOffset).getUint16(2), socket };
  }
  socket.destroy();
  throw new EpmdError(
    `epmd refused the name ${JSON.stringify(entry.name)} (result ${result}): is it taken?`,
  );
}

/**
 * The port under which `name` (the part before `@`) is registered at `address`, or
 * `undefined` when no node has that name there.
 * @internal
 */
export async function lookupNode(
  name: string,
  address: EpmdAddress = {},
): Promise<NodeEntry | undefined> {
  const socket = await connect(address);
  try {
    socket.write(frame(2, new Uint8Array([PORT_PLEASE2_REQ, ...new TextEncoder().encode(name)])));
    const reply = await readToEnd(socket);
    if (reply[0] !== PORT2_RESP || reply.length < 2)
      throw new EpmdError('epmd answered a lookup with something else');
    if (reply[1] !== 0) return undefined;
    const view = new DataView(reply.buffer, reply.byteOffset, reply.byteLength);
    if (reply.length < 12) throw new EpmdError('a truncated PORT2_RESP');
    const nameLength = view.getUint16(10);
    return {
      port: view.getUint16(2),
      hidden: reply[4] === 72,
      highestVersion: view.getUint16(6),
      lowestVersion: view.getUint16(8),
      name: new TextDecoder().decode(reply.subarray(12, 12 + nameLength)),
    };
  } finally {
    socket.destroy();
  }
}

/**
 * What the epmd at `address` answers to NAMES_REQ (`epmd -names`): the port it says it
 * listens on and the names registered there. Rejects with an {@link EpmdError} when
 * nothing answers as an epmd within `timeout` ms, which is how a caller tells an epmd from
 * some other server on the port.
 * @internal
 */
export async function listNames(
  address: EpmdAddress = {},
  timeout = 5_000,
): Promise<{ port: number; names: { name: string; port: number }[] }> {
  const socket = await connect(address, timeout);
  try {
    socket.write(frame(2, Uint8Array.of(NAMES_REQ)));
    const reply = await readToEnd(socket, timeout);
    if (reply.length < 4) {
      throw new EpmdError(`a NAMES_RESP of ${reply.length} bytes, too short: is this an epmd?`);
    }
    const names: { name: string; port: number }[] = [];
    // Each line is "name <name> at port <port>", as erl_epmd parses them.
    for (const line of new TextDecoder().decode(reply.subarray(4)).split('\n')) {
      const match = /^name (.+) at port (\d+)$/.exec(line);
      if (match !== null) names.push({ name: match[1]!, port: Number(match[2]) });
      else if (line !== '') {
        throw new EpmdError(
          `a NAMES_RESP line that names no node, ${JSON.stringify(line)}: is this an epmd?`,
        );
      }
    }
    return { port: new DataView(reply.buffer, reply.byteOffset).getUint32(0), names };
  } finally {
    socket.destroy();
  }
}

/**
 * Stops the epmd at `address` with KILL_REQ (`epmd -kill`): resolves `true` when it
 * answers "OK" (and exits), `false` when it answers "NO" because nodes are still
 * registered there. An epmd ignores a KILL_REQ from another host.
 * @internal
 */
export async function killPortMapper(address: EpmdAddress = {}): Promise<boolean> {
  const socket = await connect(address);
  try {
    socket.write(frame(2, Uint8Array.of(KILL_REQ)));
    const reply = new TextDecoder().decode(await readToEnd(socket));
    if (reply === 'OK') return true;
    if (reply === 'NO') return false;
    throw new EpmdError(`epmd answered KILL_REQ with ${JSON.stringify(reply)}`);
  } finally {
    socket.destroy();
  }
}

async function connect(
  { host = '127.0.0.1', port = EPMD_PORT }: EpmdAddress,
  timeout?: number,
): Promise<Socket> {
  const socket = createConnection({ host, port });
  socket.setNoDelay(true);
  // Only where asked: a connection that hangs (a host that drops packets) would otherwise
  // wait for the system's TCP timeout, minutes.
  const timer =
    timeout === undefined
      ? undefined
      : setTimeout(() => socket.destroy(new Error(`no answer in ${timeout} ms`)), timeout);
  try {
    await once(socket, 'connect');
  } catch (error) {
    socket.destroy();
    throw new EpmdError(`no epmd at ${host}:${port}: ${(error as Error).message}`, {
      cause: error,
    });
  } finally {
    clearTimeout(timer);
  }
  return socket;
}

/** The first `n` or more bytes that arrive, or fewer if the peer closes first. */
function readAtLeast(socket: Socket, n: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let got = 0;
    const onData = (chunk: Buffer) => {
      parts.push(chunk);
      got += chunk.length;
      if (got >= n) {
        cleanup();
        resolve(Buffer.concat(parts));
      }
    };
    const onEnd = () => {
      cleanup();
      if (got > 0) resolve(Buffer.concat(parts));
      else reject(new EpmdError('epmd closed the connection before it answered'));
    };
    const cleanup = () => {
      socket.off('data', onData);
      socket.off('close', onEnd);
      socket.off('error', onEnd);
    };
    socket.on('data', onData);
    socket.on('close', onEnd);
    socket.on('error', onEnd);
  });
}

/**
 * Everything the peer sends until it closes (epmd closes after a lookup's reply), within
 * `timeout` ms if given.
 */
function readToEnd(socket: Socket, timeout?: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    const timer =
      timeout === undefined
        ? undefined
        : setTimeout(() => socket.destroy(new Error(`no answer in ${timeout} ms`)), timeout);
    socket.on('data', (chunk: Buffer) => parts.push(chunk));
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(new EpmdError(`epmd: ${error.message}`, { cause: error }));
    });
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(parts));
    });
  });
}

/**
 * An epmd-compatible port mapper: what otp-ts serves when no epmd runs on the host, so
 * that a cluster of Node.js processes needs no Erlang installed (an Erlang node on the
 * same host can use it too). It answers ALIVE2_REQ (holding the name while the
 * connection lasts), PORT_PLEASE2_REQ, NAMES_REQ and KILL_REQ, and closes a connection
 * that sends anything else. As epmd does, it obeys KILL_REQ only from this host and only
 * while no name is registered: it answers "OK", closes, and emits `killed`, for the
 * daemon (epmd-daemon.ts) to exit.
 * @internal
 */
export class PortMapper extends EventEmitter<{
  register: [string];
  unregister: [string];
  killed: [];
}> {
  readonly #names = new Map<string, NodeEntry & { socket: Socket }>();
  /** Every open connection, so that `close` ends them all rather than wait for them. */
  readonly #sockets = new Set<Socket>();
  #creation = (Math.random() * 0x7fffffff) >>> 0;
  readonly #server: Server;

  constructor() {
    super();
    this.#server = createServer((socket) => this.#serve(socket));
  }

  /** Listens on `host:port`; resolves the port (useful with 0). */
  async listen(port = EPMD_PORT, host = '127.0.0.1'): Promise<number> {
    this.#server.listen(port, host);
    await once(this.#server, 'listening');
    const address = this.#server.address();
    return typeof address === 'object' && address !== null ? address.port : port;
  }

  /** Stops listening, drops every registration and ends every connection. */
  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    this.#names.clear();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  /** The names registered, for NAMES_REQ and tests. */
  names(): NodeEntry[] {
    return [...this.#names.values()].map(({ socket: _socket, ...entry }) => entry);
  }

  #serve(socket: Socket): void {
    const reader = new FrameReader(2, 1024);
    this.#sockets.add(socket);
    socket.once('close', () => this.#sockets.delete(socket));
    socket.setNoDelay(true);
    socket.on('error', () => socket.destroy());
    const onData = (chunk: Buffer) => {
      let frames: Uint8Array[];
      try {
        frames = reader.push(chunk);
      } catch (error) {
        if (error instanceof FrameError) socket.destroy();
        return;
      }
      const request = frames[0];
      if (request === undefined) return;
      // One request per connection, as epmd serves them.
      socket.off('data', onData);
      this.#answer(socket, request);
    };
    socket.on('data', onData);
  }

  #answer(socket: Socket, request: Uint8Array): void {
    const view = new DataView(request.buffer, request.byteOffset, request.byteLength);
    switch (request[0]) {
      case ALIVE2_REQ: {
        if (request.length < 13) {
          socket.destroy();
          return;
        }
        const nameLength = view.getUint16(9);
        if (request.length < 11 + nameLength) {
          socket.destroy();
          return;
        }
        const name = new TextDecoder().decode(request.subarray(11, 11 + nameLength));
        if (name === '' || this.#names.has(name)) {
          socket.end(new Uint8Array([ALIVE2_X_RESP, 1, 0, 0, 0, 0]));
          return;
        }
        this.#creation = (this.#creation % 0xfffffffe) + 1;
        const entry = {
          name,
          port: view.getUint16(1),
          hidden: request[3] === 72,
          highestVersion: view.getUint16(5),
          lowestVersion: view.getUint16(7),
          socket,
        };
        this.#names.set(name, entry);
        socket.once('close', () => {
          if (this.#names.get(name) !== entry) return;
          this.#names.delete(name);
          this.emit('unregister', name);
        });
        const reply = new Uint8Array(6);
        reply[0] = ALIVE2_X_RESP;
        new DataView(reply.buffer).setUint32(2, this.#creation);
        socket.write(reply);
        this.emit('register', name);
        return;
      }
      case PORT_PLEASE2_REQ: {
        const name = new TextDecoder().decode(request.subarray(1));
        const entry = this.#names.get(name);
        if (entry === undefined) {
          socket.end(new Uint8Array([PORT2_RESP, 1]));
          return;
        }
        const encoded = new TextEncoder().encode(entry.name);
        const reply = new Uint8Array(14 + encoded.length);
        const out = new DataView(reply.buffer);
        reply[0] = PORT2_RESP;
        reply[1] = 0;
        out.setUint16(2, entry.port);
        reply[4] = entry.hidden ? 72 : 77;
        reply[5] = 0;
        out.setUint16(6, entry.highestVersion);
        out.setUint16(8, entry.lowestVersion);
        out.setUint16(10, encoded.length);
        reply.set(encoded, 12);
        out.setUint16(12 + encoded.length, 0);
        socket.end(reply);
        return;
      }
      case NAMES_REQ: {
        const address = this.#server.address();
        const head = new Uint8Array(4);
        new DataView(head.buffer).setUint32(
          0,
          typeof address === 'object' && address !== null ? address.port : EPMD_PORT,
        );
        const lines = [...this.#names.values()]
          .map((e) => `name ${e.name} at port ${e.port}\n`)
          .join('');
        socket.end(new Uint8Array([...head, ...new TextEncoder().encode(lines)]));
        return;
      }
      case KILL_REQ: {
        // epmd refuses it from another host without a word, and with "NO" while nodes
        // are registered: killing it would leave them unreachable by name.
        if (!isLoopback(socket.remoteAddress)) {
          socket.destroy();
          return;
        }
        if (this.#names.size > 0) {
          socket.end('NO');
          return;
        }
        // The answer goes out before the connections are cut, as epmd replies, then exits.
        socket.end('OK', () => {
          void this.close().then(() => this.emit('killed'));
        });
        return;
      }
      default:
        socket.destroy();
    }
  }
}

/** Whether a peer's address is this host's loopback (an IPv4 one may come IPv6-mapped). */
function isLoopback(address: string | undefined): boolean {
  return address !== undefined && (address === '::1' || /^(::ffff:)?127\./.test(address));
}
