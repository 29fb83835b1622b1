import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { FrameError, FrameReader, frame } from './frames.js';

// A connection between two nodes after its handshake: 4-byte framed messages, each a
// pass-through byte (112) and the control message's terms, and ticks (empty frames)
// that keep it alive as Erlang's net_kernel does: with a tick time T, a tick goes out
// when nothing was written for T/4, and the connection is down when nothing came in
// for T. Writes made in one turn of the event loop leave in one socket write.

const PASS_THROUGH = 112;

/** Options of a {@link TcpLink}. @internal */
export interface LinkOptions {
  /** Erlang's net_ticktime, in ms. @defaultValue 60000 */
  tickTime?: number;
  /** The largest frame accepted from the other node. @defaultValue 128 MB */
  maxFrame?: number;
}

/** Why a link went down: `'noconnection'` (closed or failed), `'net_tick_timeout'`, or `'bad_frame'`. @internal */
export type LinkDownReason = 'noconnection' | 'net_tick_timeout' | 'bad_frame';

/**
 * One node's end of a connection. Emits `'message'` with each message's bytes (the
 * terms after the pass-through byte) and `'down'` once, with its reason.
 * @internal
 */
export class TcpLink extends EventEmitter<{
  /** The messages of one chunk that came, in order. */
  messages: [Uint8Array[]];
  down: [LinkDownReason, string];
}> {
  readonly #socket: Socket;
  readonly #reader: FrameReader;
  readonly #tickTime: number;
  #outbox: Uint8Array[] = [];
  #flushing = false;
  #wroteSinceTick = false;
  #heardSinceCheck = false;
  /** Quarter periods without a word from the other node. */
  #silentQuarters = 0;
  readonly #timer: NodeJS.Timeout;
  #down = false;

  /** Takes over `socket`, paused after the handshake, with the bytes that came after it. */
  constructor(socket: Socket, rest: Uint8Array, opts: LinkOptions = {}) {
    super();
    this.#socket = socket;
    this.#tickTime = opts.tickTime ?? 60_000;
    this.#reader = new FrameReader(4, opts.maxFrame ?? 128 * 1024 * 1024);
    socket.setNoDelay(true);
    socket.on('data', this.#onData);
    socket.on('close', () => this.#goDown('noconnection', 'the connection closed'));
    socket.on('error', (error) => this.#goDown('noconnection', error.message));
    this.#timer = setInterval(this.#quarter, Math.max(1, this.#tickTime / 4));
    this.#timer.unref();
    if (rest.length > 0) this.#onData(Buffer.from(rest.buffer, rest.byteOffset, rest.length));
    socket.resume();
  }

  /** Whether the link is still up. */
  get up(): boolean {
    return !this.#down;
  }

  /**
   * Writes messages already framed (4-byte length, pass-through byte, terms) now: the
   * node layer batches a turn's messages, so there is one write per turn.
   */
  write(frames: Uint8Array): void {
    if (this.#down) return;
    this.#wroteSinceTick = true;
    this.#socket.write(frames);
  }

  /** Sends one message: its control message's terms, and its payload's if any, already encoded. */
  send(terms: Uint8Array): void {
    if (this.#down) return;
    const body = new Uint8Array(1 + terms.length);
    body[0] = PASS_THROUGH;
    body.set(terms, 1);
    this.#outbox.push(frame(4, body));
    if (!this.#flushing) {
      this.#flushing = true;
      setImmediate(this.#flush);
    }
  }

  /** Closes the link; the other node sees the connection go. */
  /**
   * Closes the link; the other node sees the connection go. What was written before
   * goes first (the last exits of a node that shuts down): the socket is ended, not
   * destroyed, and destroyed only if the other side does not close it soon.
   */
  close(): void {
    this.#goDown('noconnection', 'closed by this node', true);
  }

  readonly #flush = (): void => {
    this.#flushing = false;
    const out = this.#outbox;
    if (out.length === 0 || this.#down) return;
    this.#outbox = [];
    this.#wroteSinceTick = true;
    this.#socket.write(out.length === 1 ? out[0]! : Buffer.concat(out));
  };

  readonly #onData = (chunk: Buffer): void => {
    this.#heardSinceCheck = true;
    let frames: Uint8Array[];
    try {
      frames = this.#reader.push(chunk);
    } catch (error) {
      this.#goDown('bad_frame', error instanceof FrameError ? error.message : String(error));
      return;
    }
    const messages: Uint8Array[] = [];
    for (const f of frames) {
      if (f.length === 0) continue; // a tick
      if (f[0] !== PASS_THROUGH) {
        this.#goDown('bad_frame', `a message of type ${f[0]}, not pass-through (112)`);
        return;
      }
      messages.push(f.subarray(1));
    }
    if (messages.length > 0) this.emit('messages', messages);
  };

  /** Every quarter of the tick time: tick if we said nothing, and count the other's silence. */
  readonly #quarter = (): void => {
    if (this.#down) return;
    if (!this.#wroteSinceTick && this.#outbox.length === 0) this.#socket.write(new Uint8Array(4));
    this.#wroteSinceTick = false;
    if (this.#heardSinceCheck) {
      this.#heardSinceCheck = false;
      this.#silentQuarters = 0;
    } else if (++this.#silentQuarters >= 4) {
      this.#goDown('net_tick_timeout', `no word from the other node in ${this.#tickTime} ms`);
    }
  };

  #goDown(reason: LinkDownReason, detail: string, graceful = false): void {
    if (this.#down) return;
    this.#down = true;
    clearInterval(this.#timer);
    this.#outbox = [];
    if (graceful) {
      const socket = this.#socket;
      socket.end();
      setTimeout(() => socket.destroy(), 1000).unref();
    } else {
      this.#socket.destroy();
    }
    this.emit('down', reason, detail);
  }
}
