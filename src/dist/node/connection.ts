import type { Pid, Process } from '../../core/kernel.js';
import type { Channel, WireCodec } from './carrier.js';

// One connection of the node layer: the control messages for one other node wait in
// one batch until the end of the turn, then go to the carrier in one `post`; and what
// the other node holds of this one (links, monitors, the pids it sent).

/**
 * Where a connection lists itself when it starts a batch: the node layer, which the
 * scheduler asks to send every waiting batch before it runs local work. @internal
 */
export interface Outbox {
  /** `conn` started a batch. */
  listForFlush(conn: Connection): void;
}

/** The connection to one other node. @internal */
export class Connection {
  readonly node: string;
  /** The other node's incarnation: 0 until the connection is made. */
  creation: number;
  readonly channel: Channel;
  readonly codec: WireCodec;
  /** Who waits in `connect` for a connection still being made. */
  waiting: ((up: boolean) => void)[] | undefined = undefined;
  /** The control messages waiting for the end of this turn. */
  out: unknown[] = [];
  #flushing = false;
  /** Local processes with links to processes of this node, by pid. */
  readonly linked = new Map<Pid, Process>();
  /** Monitors this node's processes set on ours: ref id → our process. */
  readonly inMonitors = new Map<number, Process>();
  /** The pids of this node's current incarnation, by id, as one object each. */
  readonly pids = new Map<number, WeakRef<Pid>>();
  up = true;

  /** Whether the connection is made: the other node's creation is known. */
  get established(): boolean {
    return this.creation !== 0;
  }

  /** Whether `pid` cannot be of the other node's current incarnation (a pid of a previous one is dead). */
  stale(pid: Pid): boolean {
    return this.creation !== 0 && pid.creation !== this.creation;
  }

  /** Whether it is on its layer's list of connections with a batch to send. */
  listed = false;
  readonly #outbox: Outbox;

  constructor(channel: Channel, outbox: Outbox) {
    this.node = channel.node;
    this.creation = channel.creation;
    this.channel = channel;
    this.codec = channel.codec;
    this.#outbox = outbox;
  }

  /** Queues control messages; the batch goes at the end of the turn. */
  push(...fields: unknown[]): void {
    if (!this.up) return;
    const out = this.out;
    for (let i = 0; i < fields.length; i++) out.push(fields[i]);
    if (!this.#flushing) this.#startBatch();
  }

  /**
   * The first message of a batch: it goes at the end of the turn (a microtask), or
   * sooner, when the scheduler is about to run a local process (the layer's outbox).
   */
  #startBatch(): void {
    this.#flushing = true;
    queueMicrotask(this.#flush);
    if (!this.listed) this.#outbox.listForFlush(this);
  }

  /** Sends the batch now, if there is one (the scheduler is about to run local work). */
  flushNow(): void {
    if (this.#flushing) this.#flush();
  }

  /** Queues a control message of three fields without a rest array (the hot path of sends). */
  push4(op: number, a: unknown, b: unknown, c: unknown): void {
    if (!this.up) return;
    const out = this.out;
    out.push(op, a, b, c);
    if (!this.#flushing) this.#startBatch();
  }

  readonly #flush = (): void => {
    this.#flushing = false;
    const batch = this.out;
    if (batch.length === 0 || !this.up) return;
    this.out = [];
    this.channel.post(batch);
  };
}
