import type { DecodeLimits } from '../etf/decode.js';
import { ARITY } from '../node/ops.js';
import type { NodeLayer } from '../node.js';
import { ControlContext } from './control/context.js';
import { readMessage } from './control/incoming.js';
import { writeMessage } from './control/outgoing.js';
import type { TermCodec } from './wire-codec.js';

// One connection's translation between the node layer's control messages (node/ops.ts:
// flat batches, pids as ids, refs as numbers) and Erlang's (erl_dist_protocol: a
// control tuple and a payload term). Erlang has no call or cast of its own: a call is
// a monitor and a `{'$gen_call', {From, [alias | Ref]}, Request}` message answered by
// an ALIAS_SEND to the ref, a cast a `{'$gen_cast', Msg}` message; both ways, they
// become the layer's calls and casts, so an otp-ts GenServer answers Elixir's
// `GenServer.call` and an Elixir GenServer answers ours. Out is control/outgoing.ts,
// in control/incoming.ts, gen's messages and sys control/gen-messages.ts; what both
// directions share, control/context.ts.

/** @internal */
export class ControlTranslator {
  readonly #cx: ControlContext;
  readonly #limits: DecodeLimits;

  constructor(layer: NodeLayer, codec: TermCodec, node: string, limits: DecodeLimits) {
    this.#cx = new ControlContext(layer, codec, node);
    this.#limits = limits;
  }

  /** The other node's incarnation, once the handshake tells it. */
  set creation(creation: number) {
    this.#cx.creation = creation;
  }

  // ---- out: the layer's batch → Erlang's messages (control/outgoing.ts) ----

  /** The messages of `batch`, as frames in one buffer (`undefined`: none to send). */
  write(batch: unknown[]): Uint8Array | undefined {
    const cx = this.#cx;
    const writer = cx.writer;
    let i = 0;
    while (i < batch.length) {
      const op = batch[i] as number;
      writer.begin();
      if (!writeMessage(cx, op, batch, i + 1)) writer.drop();
      i += 1 + arity(op);
    }
    return writer.take();
  }

  /** Whether `read` wrote answers that no `write` or `takeAnswers` has taken yet. */
  get hasAnswers(): boolean {
    return this.#cx.writer.size > 0;
  }

  /** The answers `read` wrote (a DEMONITOR_P after a call's reply, a refused start), as frames; `write` takes them too. */
  takeAnswers(): Uint8Array | undefined {
    return this.#cx.writer.take();
  }

  // ---- in: Erlang's message → the layer's batch (control/incoming.ts) ----

  /**
   * Adds the layer's control messages for one of Erlang's to `batch`; the messages
   * this side must answer by itself (a DEMONITOR_P after a call's reply, a refused
   * start) wait for `takeAnswers`.
   * @throws TermError for a message that is malformed: the connection is closed.
   */
  read(bytes: Uint8Array, batch: unknown[]): void {
    readMessage(this.#cx, bytes, batch, this.#limits);
  }
}

/** How many fields follow one of the layer's operation codes. */
function arity(op: number): number {
  const n = ARITY[op];
  if (n === undefined)
    throw new Error(`the node layer sent an unknown control message ${String(op)}`);
  return n;
}
