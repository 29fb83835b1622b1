import type { ExitReason } from '../../types.js';

// What a carrier (threads, TCP) gives the node layer and is given by it: channels to
// other nodes, and how values travel on them.

/** A node name: `name@host`. @internal */
export const NODE_NAME = /^[^@\s]+@[^@\s]+$/;

/**
 * How a carrier's connections carry values: the thread carrier's structured-clone
 * form (codec.ts), or the TCP carrier's external term format. `encode` copies at the
 * send (a message is a copy of what it was when sent); what a carrier hands to the
 * layer's `receive` goes through `decode`. @internal
 */
export interface WireCodec {
  /** The wire form of a message. @throws TypeError naming what cannot be copied. */
  encode(value: unknown, operation: string): unknown;
  /** The wire form of a Sys request, when the carrier's peers say them otherwise (Erlang's sys). */
  encodeSystem?(request: unknown, operation: string): unknown;
  decode(wire: unknown): unknown;
  /** The wire form of an exit reason: never throws (an uncopyable reason travels as its description). */
  encodeReason(reason: ExitReason): unknown;
  decodeReason(wire: unknown): ExitReason;
}

/**
 * A connection as a carrier gives it: the node at the other end and how to send it a
 * batch. The carrier calls the layer's `receive` with the batches that come, and its
 * `lost` when the connection is gone. @internal
 */
export interface Channel {
  readonly node: string;
  /**
   * The other node's incarnation; 0 while a connection is still being made (the
   * carrier calls the layer's `established` once it knows).
   */
  readonly creation: number;
  /** How values travel on this channel. */
  readonly codec: WireCodec;
  /** Sends a batch (a flat array of control messages); the carrier owns it from now on. */
  post(batch: unknown[]): void;
  /** Closes the connection from this side. */
  close(): void;
}

/** A way to reach other nodes: the thread carrier, and the TCP carrier next. @internal */
export interface Carrier {
  /** A channel to `node` if this carrier reaches it, else `undefined`. */
  connect(node: string): Channel | undefined;
  /** Stops what the carrier started (peers, listeners) and closes its channels. */
  shutdown(): Promise<void>;
}
