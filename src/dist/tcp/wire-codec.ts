import { copyMessage, Pid, Ref } from '../../core/kernel.js';
import type { ExitReason } from '../../types.js';
import { encodeTerm } from '../etf/encode.js';
import { encodeReasonTerm } from '../etf/reasons.js';
import {
  type EncodedTerm,
  type PidCodec,
  TermError,
  Tuple,
  type WirePid,
  type WireRef,
} from '../etf/terms.js';
import type { WireCodec } from '../node/carrier.js';
import type { NodeLayer } from '../node.js';

// How a node's values travel over TCP: Erlang's external term format, with the
// node layer's pids and refs. A pid's id goes on the wire as Erlang's number and
// serial (the low and high 32 bits), so every pid comes back as the same object;
// a reference of another node keeps all its words (Erlang code matches on them).

const TWO_32 = 2 ** 32;
/** An id of 53 bits at most: the serial may hold 21 of them. */
const MAX_SERIAL = 2 ** 21;

/**
 * The third word of a reference this node puts in a SPAWN_REQUEST (the request's
 * id), so that the reply's reference is told from every other.
 */
export const SPAWN_WORD = 1;

/** A reference of another node, with every word of it. @internal */
export class ForeignRef extends Ref {
  readonly words: readonly number[];
  constructor(node: string, creation: number, words: readonly number[]) {
    super(node, words[0]! + (words[1] ?? 0) * TWO_32, creation);
    this.words = words;
  }
}

/** The TCP codec of one node layer. @internal */
export class TermCodec implements PidCodec, WireCodec {
  readonly #layer: NodeLayer;
  /**
   * Other nodes' refs met, so that each comes back as one object. Most live for one
   * call (its tag): rather than a finaliser per ref, dead entries are swept once the
   * map has doubled since the last sweep, which keeps the cost per ref constant.
   */
  readonly #refs = new Map<string, WeakRef<ForeignRef>>();
  #sweepAt = 1024;

  constructor(layer: NodeLayer) {
    this.#layer = layer;
  }

  // ---- PidCodec ----

  pidOf(value: unknown): WirePid | undefined {
    if (!(value instanceof Pid)) return undefined;
    this.#layer.exportPid(value);
    return {
      node: value.node,
      id: value.id % TWO_32,
      serial: Math.floor(value.id / TWO_32),
      creation: value.creation,
    };
  }

  refOf(value: unknown): WireRef | undefined {
    if (value instanceof ForeignRef) {
      return { node: value.node, creation: value.creation, words: value.words };
    }
    if (!(value instanceof Ref)) return undefined;
    this.#layer.exportRef(value);
    return { node: value.node, creation: value.creation, words: refWords(value.id) };
  }

  pid(wire: WirePid): Pid {
    if (wire.serial >= MAX_SERIAL) {
      throw new TermError(`a pid whose serial (${wire.serial}) is past what otp-ts can hold`);
    }
    return this.#layer.pid(wire.node, wire.id + wire.serial * TWO_32, wire.creation);
  }

  ref(wire: WireRef): Ref {
    const { node, creation, words } = wire;
    if (node === this.#layer.node && creation === this.#layer.creation && isOurs(words)) {
      return this.#layer.ref(node, words[0]! + words[1]! * TWO_32, creation);
    }
    const key = `${node}\u0000${creation}\u0000${words.join(',')}`;
    const found = this.#refs.get(key)?.deref();
    if (found !== undefined) return found;
    const ref = new ForeignRef(node, creation, words);
    this.#refs.set(key, new WeakRef(ref));
    if (this.#refs.size >= this.#sweepAt) this.#sweep();
    return ref;
  }

  #sweep(): void {
    for (const [key, held] of this.#refs) if (held.deref() === undefined) this.#refs.delete(key);
    this.#sweepAt = Math.max(1024, this.#refs.size * 2);
  }

  // ---- WireCodec ----

  /** The term's bytes, version byte first: copied now, as a send copies. */
  encode(value: unknown, operation: string): Uint8Array {
    try {
      return encodeTerm(value, this);
    } catch (error) {
      if (!(error instanceof TermError)) throw error;
      // The core's copy rules name the path of what cannot be copied, when they can.
      copyMessage(value, operation);
      throw new TypeError(
        `${operation}: cannot copy the message to another node: ${error.message}; messages between nodes are copied by value`,
      );
    }
  }

  /**
   * A Sys request as Erlang's sys says it (`get_state`, `{terminate, Reason}`...), so
   * that `Sys.getState` works on an Erlang process; an otp-ts node reads them back.
   */
  encodeSystem(request: unknown, operation: string): Uint8Array {
    const kind = (request as { kind?: unknown } | null)?.kind;
    switch (kind) {
      case 'get_state':
      case 'get_status':
      case 'suspend':
      case 'resume':
        return encodeTerm(Symbol.for(kind), this);
      case 'terminate':
        return encodeTerm(
          new Tuple(
            Symbol.for('terminate'),
            encodeReasonTerm((request as { reason: unknown }).reason, this),
          ),
          this,
        );
      default:
        return this.encode(request, operation);
    }
  }

  /** What the carrier hands the layer is decoded already (a bad term closes the connection there). */
  decode(wire: unknown): unknown {
    return wire;
  }

  /** The reason's term, encoded (no version byte): never throws (see encodeReasonTerm). */
  encodeReason(reason: ExitReason): EncodedTerm {
    return encodeReasonTerm(reason, this);
  }

  decodeReason(wire: unknown): ExitReason {
    return wire;
  }
}

/** Whether the words are of a reference made by `refWords`. */
function isOurs(words: readonly number[]): boolean {
  return words.length === 3 && words[2] === 0;
}

/** The words of one of this node's references: its id, low bits first; the third word 0. */
export function refWords(id: number): number[] {
  return [id % TWO_32, Math.floor(id / TWO_32), 0];
}
