import { createHash, randomInt, timingSafeEqual } from 'node:crypto';
import type { Socket } from 'node:net';
import { FrameError, FrameReader, frame } from './frames.js';

// The distribution handshake, version 6 (erl_dist_protocol, "Distribution Handshake"),
// both sides: the initiator sends its name, the acceptor answers with a status and a
// challenge, each proves it knows the cookie with an MD5 digest of the cookie and the
// other's challenge (as decimal text). Messages are framed by a 2-byte length (4 over
// TLS, as Erlang's inet_tls_dist frames them); the
// connection switches to 4-byte frames once both digests check. The cookie is never
// logged, nor put in an error.

/** The capability flags of erl_dist_protocol, as bigints (some are past bit 31). @internal */
export const Flag = {
  PUBLISHED: 0x1n,
  EXTENDED_REFERENCES: 0x4n,
  DIST_MONITOR: 0x8n,
  FUN_TAGS: 0x10n,
  DIST_MONITOR_NAME: 0x20n,
  NEW_FUN_TAGS: 0x80n,
  EXTENDED_PIDS_PORTS: 0x100n,
  EXPORT_PTR_TAG: 0x200n,
  BIT_BINARIES: 0x400n,
  NEW_FLOATS: 0x800n,
  UTF8_ATOMS: 0x10000n,
  MAP_TAG: 0x20000n,
  BIG_CREATION: 0x40000n,
  HANDSHAKE_23: 0x1000000n,
  UNLINK_ID: 0x2000000n,
  MANDATORY_25_DIGEST: 0x4000000n,
  SPAWN: 1n << 32n,
  NAME_ME: 2n << 32n,
  V4_NC: 4n << 32n,
  ALIAS: 8n << 32n,
} as const;

/** What OTP 25 and later require of a peer (MANDATORY_DFLAGS_25 of OTP's dist.hrl). @internal */
export const MANDATORY_FLAGS =
  Flag.EXTENDED_REFERENCES |
  Flag.FUN_TAGS |
  Flag.EXTENDED_PIDS_PORTS |
  Flag.UTF8_ATOMS |
  Flag.NEW_FUN_TAGS |
  Flag.BIG_CREATION |
  Flag.NEW_FLOATS |
  Flag.MAP_TAG |
  Flag.EXPORT_PTR_TAG |
  Flag.BIT_BINARIES |
  Flag.HANDSHAKE_23;

/** What an otp-ts node offers: the mandatory flags, monitors, unlink ids, V4_NC and aliases; no atom cache, no fragments. @internal */
export const OUR_FLAGS =
  MANDATORY_FLAGS |
  Flag.MANDATORY_25_DIGEST |
  Flag.DIST_MONITOR |
  Flag.DIST_MONITOR_NAME |
  Flag.UNLINK_ID |
  Flag.V4_NC |
  Flag.ALIAS;

/** Who this node is in a handshake. @internal */
export interface HandshakeIdentity {
  /** The full node name, `name@host`. */
  node: string;
  cookie: string;
  creation: number;
  flags: bigint;
}

/** What a completed handshake tells about the other node. @internal */
export interface HandshakeResult {
  node: string;
  flags: bigint;
  creation: number;
  /** Bytes that came after the handshake, the start of the 4-byte framed stream; the socket is paused after them. */
  rest: Uint8Array;
}

/** A handshake that failed: the connection is closed. Its message never holds the cookie. @internal */
export class HandshakeError extends Error {
  override name = 'HandshakeError';
  constructor(
    message: string,
    /** `'bad_cookie'`, `'not_allowed'`, `'timeout'`, `'protocol'` or the peer's status word. */
    readonly reason: string,
  ) {
    super(message);
  }
}

const MAX_HANDSHAKE_FRAME = 4096;
const utf8 = new TextEncoder();
const text = new TextDecoder();

/**
 * Runs the initiator's side on a connected `socket` to the node `peer`.
 * @throws HandshakeError when the peer refuses, its digest is wrong, or `timeout` passes.
 * @internal
 */
export async function initiateHandshake(
  socket: Socket,
  me: HandshakeIdentity,
  peer: string,
  timeout = 7000,
  prefix: 2 | 4 = 2,
  replaces: () => boolean = () => true,
): Promise<HandshakeResult> {
  const channel = new Channel(socket, timeout, prefix);
  try {
    channel.send(nameMessage(me));
    const status = await channel.next();
    if (status[0] !== 0x73) throw protocol(`expected a status ('s'), got tag ${status[0]}`);
    const word = text.decode(status.subarray(1));
    if (word === 'alive') {
      // The peer has a connection from a node of our name: we take it over if we are
      // a new incarnation (we have no connection to it), else this one is not needed.
      const takeOver = replaces();
      channel.send(new Uint8Array([0x73, ...utf8.encode(takeOver ? 'true' : 'false')]));
      if (!takeOver) {
        throw new HandshakeError(`${peer} is connected to this node already`, 'alive');
      }
    }
    if (word !== 'ok' && word !== 'ok_simultaneous' && word !== 'alive') {
      throw new HandshakeError(`${peer} refused the connection (${word})`, word);
    }
    const challenge = await channel.next();
    const theirs = parseChallenge(challenge, peer);
    const ours = randomInt(0, 0xffffffff);
    const reply = new Uint8Array(21);
    reply[0] = 0x72; // 'r'
    new DataView(reply.buffer).setUint32(1, ours);
    reply.set(digest(me.cookie, theirs.challenge), 5);
    channel.send(reply);
    const ack = await channel.next().catch((error: unknown) => {
      // Erlang closes without a word when our digest is wrong.
      throw error instanceof HandshakeError && error.reason === 'protocol'
        ? new HandshakeError(
            `${peer} closed the connection after our challenge reply: most likely the cookies differ`,
            'bad_cookie',
          )
        : error;
    });
    if (ack[0] !== 0x61 || ack.length !== 17)
      throw protocol(`expected the challenge ack ('a'), got tag ${ack[0]}`);
    if (!timingSafeEqual(ack.subarray(1), digest(me.cookie, ours))) {
      throw new HandshakeError(`${peer} did not prove it knows the cookie`, 'bad_cookie');
    }
    return {
      node: theirs.node,
      flags: theirs.flags,
      creation: theirs.creation,
      rest: channel.finish(),
    };
  } catch (error) {
    channel.abandon();
    throw error;
  }
}

/**
 * What the acceptor answers a node: `true` (`ok`), `false` (`not_allowed`); when it is
 * dialling that node at the same time, `'nok'` (its own dial wins) or
 * `'ok_simultaneous'` (this one wins; its own dial is dropped); when it is connected to
 * that node already, `'alive'` (the node answers whether it is a new incarnation, whose
 * connection replaces the old one). @internal
 */
export type Verdict = boolean | 'nok' | 'ok_simultaneous' | 'alive';

/**
 * Runs the acceptor's side on an accepted `socket`. `allow(node)` says whether that node
 * may connect (`false`: the status `not_allowed`).
 * @throws HandshakeError when the peer's digest is wrong, it is not allowed, or `timeout` passes.
 * @internal
 */
export async function acceptHandshake(
  socket: Socket,
  me: HandshakeIdentity,
  allow: (node: string) => Verdict = () => true,
  timeout = 7000,
  prefix: 2 | 4 = 2,
): Promise<HandshakeResult> {
  const channel = new Channel(socket, timeout, prefix);
  try {
    const name = await channel.next();
    if (name[0] !== 0x4e || name.length < 15) {
      throw protocol(`expected a version 6 name ('N'), got tag ${name[0]}`);
    }
    const view = new DataView(name.buffer, name.byteOffset, name.byteLength);
    const flags = view.getBigUint64(1);
    const creation = view.getUint32(9);
    const nameLength = view.getUint16(13);
    const node = text.decode(name.subarray(15, 15 + nameLength));
    if ((flags & MANDATORY_FLAGS) !== MANDATORY_FLAGS) {
      channel.send(status('not_allowed'));
      throw new HandshakeError(`${node} lacks the capabilities OTP 25 requires`, 'not_allowed');
    }
    const verdict = allow(node);
    if (verdict === false) {
      channel.send(status('not_allowed'));
      throw new HandshakeError(`${node} is not allowed to connect`, 'not_allowed');
    }
    if (verdict === 'nok') {
      channel.send(status('nok'));
      throw new HandshakeError(
        `${node} dialled at the same time, and this node's dial wins`,
        'nok',
      );
    }
    if (verdict === 'alive') {
      // A connection to that node is up: it says whether it is a new incarnation.
      channel.send(status('alive'));
      const answer = await channel.next();
      const word = text.decode(answer.subarray(1));
      if (answer[0] !== 0x73 || (word !== 'true' && word !== 'false')) {
        throw protocol(`expected 'true' or 'false' after status alive, got ${word}`);
      }
      if (word === 'false') {
        throw new HandshakeError(`${node} is connected to this node already`, 'alive');
      }
    } else {
      channel.send(status(verdict === true ? 'ok' : 'ok_simultaneous'));
    }
    const ours = randomInt(0, 0xffffffff);
    channel.send(challengeMessage(me, ours));
    const reply = await channel.next();
    if (reply[0] !== 0x72 || reply.length !== 21)
      throw protocol(`expected a challenge reply ('r'), got tag ${reply[0]}`);
    const theirs = new DataView(reply.buffer, reply.byteOffset).getUint32(1);
    if (!timingSafeEqual(reply.subarray(5), digest(me.cookie, ours))) {
      throw new HandshakeError(`${node} did not prove it knows the cookie`, 'bad_cookie');
    }
    channel.send(new Uint8Array([0x61, ...digest(me.cookie, theirs)]));
    return { node, flags, creation, rest: channel.finish() };
  } catch (error) {
    channel.abandon();
    throw error;
  }
}

/** The acceptor's challenge: 'N', Flags(8), Challenge(4), Creation(4), Nlen(2), Name. */
function challengeMessage(me: HandshakeIdentity, challenge: number): Uint8Array {
  const name = utf8.encode(me.node);
  const out = new Uint8Array(19 + name.length);
  const view = new DataView(out.buffer);
  out[0] = 0x4e;
  view.setBigUint64(1, me.flags);
  view.setUint32(9, challenge);
  view.setUint32(13, me.creation);
  view.setUint16(17, name.length);
  out.set(name, 19);
  return out;
}

/** The initiator's name: 'N', Flags(8), Creation(4), Nlen(2), Name. */
function nameMessage(me: HandshakeIdentity): Uint8Array {
  const name = utf8.encode(me.node);
  const out = new Uint8Array(15 + name.length);
  const view = new DataView(out.buffer);
  out[0] = 0x4e;
  view.setBigUint64(1, me.flags);
  view.setUint32(9, me.creation);
  view.setUint16(13, name.length);
  out.set(name, 15);
  return out;
}

function parseChallenge(
  message: Uint8Array,
  peer: string,
): { flags: bigint; challenge: number; creation: number; node: string } {
  if (message[0] !== 0x4e || message.length < 19) {
    throw protocol(`expected a version 6 challenge ('N') from ${peer}, got tag ${message[0]}`);
  }
  const view = new DataView(message.buffer, message.byteOffset, message.byteLength);
  const flags = view.getBigUint64(1);
  if ((flags & MANDATORY_FLAGS) !== MANDATORY_FLAGS) {
    throw new HandshakeError(`${peer} lacks the capabilities OTP 25 requires`, 'not_allowed');
  }
  const nameLength = view.getUint16(17);
  return {
    flags,
    challenge: view.getUint32(9),
    creation: view.getUint32(13),
    node: text.decode(message.subarray(19, 19 + nameLength)),
  };
}

function status(word: string): Uint8Array {
  return new Uint8Array([0x73, ...utf8.encode(word)]);
}

/** MD5 of the cookie followed by the challenge as unsigned decimal text. */
function digest(cookie: string, challenge: number): Uint8Array {
  return createHash('md5')
    .update(cookie)
    .update(String(challenge >>> 0))
    .digest();
}

function protocol(message: string): HandshakeError {
  return new HandshakeError(`handshake: ${message}`, 'protocol');
}

/**
 * The 2-byte framed messages of a handshake on a socket, each awaited within the
 * timeout. Frames are read one at a time, as they are asked for: what follows the last
 * handshake message is already the 4-byte framed stream, and is handed over unread.
 */
class Channel {
  readonly #socket: Socket;
  readonly #reader: FrameReader;
  readonly #prefix: 2 | 4;
  #waiting: { resolve: (frame: Uint8Array) => void; reject: (error: Error) => void } | undefined;
  #failure: Error | undefined = undefined;
  readonly #timer: NodeJS.Timeout;

  constructor(socket: Socket, timeout: number, prefix: 2 | 4) {
    this.#socket = socket;
    this.#prefix = prefix;
    this.#reader = new FrameReader(prefix, MAX_HANDSHAKE_FRAME);
    socket.on('data', this.#onData);
    socket.on('close', this.#onClose);
    socket.on('error', this.#onError);
    this.#timer = setTimeout(
      () =>
        this.#fail(new HandshakeError(`the handshake took longer than ${timeout} ms`, 'timeout')),
      timeout,
    );
  }

  send(message: Uint8Array): void {
    this.#socket.write(frame(this.#prefix, message));
  }

  next(): Promise<Uint8Array> {
    let ready: Uint8Array | undefined;
    try {
      ready = this.#reader.next();
    } catch (error) {
      this.#fail(protocol((error as Error).message));
    }
    if (ready !== undefined) return Promise.resolve(ready);
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => {
      this.#waiting = { resolve, reject };
    });
  }

  /**
   * The handshake is done: stop listening, and hand over what came after it, unread.
   * The socket is paused, so that nothing is lost before the connection listens: the
   * caller resumes it.
   */
  finish(): Uint8Array {
    this.#detach();
    this.#socket.pause();
    return this.#reader.rest();
  }

  abandon(): void {
    this.#detach();
    this.#socket.destroy();
  }

  #detach(): void {
    clearTimeout(this.#timer);
    this.#socket.off('data', this.#onData);
    this.#socket.off('close', this.#onClose);
    this.#socket.off('error', this.#onError);
  }

  readonly #onData = (chunk: Buffer): void => {
    this.#reader.append(chunk);
    const waiting = this.#waiting;
    if (waiting === undefined) return;
    let ready: Uint8Array | undefined;
    try {
      ready = this.#reader.next();
    } catch (error) {
      this.#fail(protocol((error instanceof FrameError ? error : (error as Error)).message));
      return;
    }
    if (ready === undefined) return;
    this.#waiting = undefined;
    waiting.resolve(ready);
  };

  readonly #onClose = (): void => {
    this.#fail(
      new HandshakeError('the other node closed the connection during the handshake', 'protocol'),
    );
  };

  readonly #onError = (error: Error): void => {
    this.#fail(
      new HandshakeError(
        `the connection failed during the handshake: ${error.message}`,
        'protocol',
      ),
    );
  };

  #fail(error: Error): void {
    this.#failure ??= error;
    const waiting = this.#waiting;
    this.#waiting = undefined;
    waiting?.reject(this.#failure);
  }
}
