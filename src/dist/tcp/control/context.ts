import type { Pid, Ref } from '../../../core/kernel.js';
import { NO_PID } from '../../node/ops.js';
import type { NodeLayer } from '../../node.js';
import { ControlWriter } from '../control-writer.js';
import { refWords, type TermCodec } from '../wire-codec.js';

// What both directions of one connection's translation share: the two nodes, the refs
// of the other node as the layer numbers them, the monitors this node set on the
// other's processes, and the writer (reading writes the answers this side gives by
// itself into it too).

/** A reference the other node sent (a monitor's, a call's, a start's), as the layer numbers it. @internal */
export interface TheirRef {
  readonly ref: Ref;
  /** Set while it is a monitor of theirs on one of our processes: the watcher, and what it watches. */
  monitor?: { watcher: Pid; watched: { id: number } | { name: string } };
  /** Set while it tags a call of theirs: who waits, and whether by alias. */
  call?: { from: Pid; alias: boolean };
  /** Set while it is a start of theirs: who asked. */
  spawn?: Pid;
}

/** A monitor this node set on the other's processes: what DEMONITOR_P must name. @internal */
export interface OurMonitor {
  readonly fromId: number;
  readonly to: { id: number; creation: number } | { name: string };
  /** Whether it is a call's: the reply ends it (the layer sends no DEMONITOR_P for it). */
  call: boolean;
}

/** One connection's translation state, and how its pids and refs are written. @internal */
export class ControlContext {
  readonly layer: NodeLayer;
  readonly codec: TermCodec;
  readonly writer = new ControlWriter();
  /** The other node. */
  readonly node: string;
  /** The other node's incarnation, once the handshake tells it. */
  creation = 0;
  readonly #theirRefs = new Map<Ref, number>();
  readonly #theirs = new Map<number, TheirRef>();
  #nextTheirs = 1;
  /** Our monitors on the other node's processes, by ref id. */
  readonly ourMonitors = new Map<number, OurMonitor>();

  constructor(layer: NodeLayer, codec: TermCodec, node: string) {
    this.layer = layer;
    this.codec = codec;
    this.node = node;
  }

  // ---- the other node's refs ----

  /** The ref of theirs the layer numbers `n`. */
  theirs(n: number): TheirRef | undefined {
    return this.#theirs.get(n);
  }

  /** The layer's number for a ref of the other node, if it has one. */
  numberIfKnown(ref: Ref): number | undefined {
    return this.#theirRefs.get(ref);
  }

  /** The layer's number for a ref of the other node, made on first sight. */
  numberOf(ref: Ref): number {
    let n = this.#theirRefs.get(ref);
    if (n === undefined) {
      n = this.#nextTheirs++;
      this.#theirRefs.set(ref, n);
      this.#theirs.set(n, { ref });
    }
    return n;
  }

  /** Drops a ref of theirs that nothing uses any more. */
  forget(n: number, theirs: TheirRef): void {
    if (theirs.monitor !== undefined || theirs.call !== undefined || theirs.spawn !== undefined)
      return;
    this.#theirs.delete(n);
    this.#theirRefs.delete(theirs.ref);
  }

  // ---- writing pids and refs ----

  ourPid(w: ControlWriter, id: number): ControlWriter {
    // "No process" (a call from outside any process) is the runtime's root, which
    // has no mailbox: Erlang needs some pid there.
    return w.pid(this.layer.node, id === NO_PID ? 0 : id, this.layer.creation);
  }

  theirPid(w: ControlWriter, id: number, creation: number): ControlWriter {
    return w.pid(this.node, id, creation);
  }

  pid(w: ControlWriter, pid: Pid): ControlWriter {
    return w.pid(pid.node, pid.id, pid.creation);
  }

  ourRef(w: ControlWriter, refId: number): ControlWriter {
    return w.ref(this.layer.node, this.layer.creation, refWords(refId));
  }

  refTerm(w: ControlWriter, ref: Ref): ControlWriter {
    const wire = this.codec.refOf(ref)!;
    return w.ref(wire.node, wire.creation, wire.words);
  }

  aliasTag(w: ControlWriter, ref: Ref): ControlWriter {
    const wire = this.codec.refOf(ref)!;
    return w.aliasTag(wire.node, wire.creation, wire.words);
  }

  /**
   * Writes the reply to a call of theirs up to the reply term: an ALIAS_SEND to its
   * alias, or a SEND to its caller, of `{Tag, Reply}`.
   */
  replyTo(w: ControlWriter, theirs: TheirRef, call: { from: Pid; alias: boolean }): void {
    if (call.alias) this.refTerm(this.ourPid(w.tuple(3).int(33), NO_PID), theirs.ref);
    else this.pid(w.tuple(3).int(2).atom(''), call.from);
    w.payload().tuple(2);
    if (call.alias) this.aliasTag(w, theirs.ref);
    else this.refTerm(w, theirs.ref);
  }
}
