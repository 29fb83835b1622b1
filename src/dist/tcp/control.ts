import type { SysRequest } from '../../behaviours/server-engine.js';
import { Pid, Ref } from '../../core/kernel.js';
import { StartError } from '../../errors.js';
import { type DecodeLimits, decodeTerms } from '../etf/decode.js';
import { decodeReasonTerm } from '../etf/reasons.js';
import { OTP_TAG } from '../etf/tagged.js';
import type { EncodedTerm } from '../etf/terms.js';
import { ImproperList, TermError, Tuple } from '../etf/terms.js';
import { ARITY, NO_PID, Op } from '../node/ops.js';
import type { NodeLayer } from '../node.js';
import { ControlWriter } from './control-writer.js';
import { ForeignRef, refWords, SPAWN_WORD, type TermCodec } from './wire-codec.js';

// One connection's translation between the node layer's control messages (node.ts:
// flat batches, pids as ids, refs as numbers) and Erlang's (erl_dist_protocol: a
// control tuple and a payload term). Erlang has no call or cast of its own: a call is
// a monitor and a `{'$gen_call', {From, [alias | Ref]}, Request}` message answered by
// an ALIAS_SEND to the ref, a cast a `{'$gen_cast', Msg}` message; both ways, they
// become the layer's calls and casts, so an otp-ts GenServer answers Elixir's
// `GenServer.call` and an Elixir GenServer answers ours.

/** Erlang's operation codes that otp-ts reads but does not use the layer's numbers for. */
const DOP = {
  SEND_TT: 12,
  EXIT_TT: 13,
  REG_SEND_TT: 16,
  EXIT2_TT: 18,
  SEND_SENDER: 22,
  SEND_SENDER_TT: 23,
  PAYLOAD_EXIT: 24,
  PAYLOAD_EXIT_TT: 25,
  PAYLOAD_EXIT2: 26,
  PAYLOAD_EXIT2_TT: 27,
  PAYLOAD_MONITOR_P_EXIT: 28,
  SPAWN_REQUEST_TT: 30,
  SPAWN_REPLY_TT: 32,
  ALIAS_SEND_TT: 34,
} as const;

const GEN_CAST = Symbol.for('$gen_cast');
const GEN_CALL = Symbol.for('$gen_call');
const SYSTEM = Symbol.for('system');
const ALIAS = Symbol.for('alias');
const LINK = Symbol.for('link');
const CALL_ERROR = Symbol.for('call_error');
const IS_AUTH = Symbol.for('is_auth');
const GET_STATE = Symbol.for('get_state');
const GET_STATUS = Symbol.for('get_status');
const SUSPEND = Symbol.for('suspend');
const RESUME = Symbol.for('resume');
const TERMINATE = Symbol.for('terminate');
/** The function of the SPAWN_REQUEST of an otp-ts remote start: `otp_ts:start/4`. */
const OTP_TS = Symbol.for('otp_ts');
const START = Symbol.for('start');

/** A reference the other node sent (a monitor's, a call's, a start's), as the layer numbers it. */
interface TheirRef {
  readonly ref: Ref;
  /** Set while it is a monitor of theirs on one of our processes: the watcher, and what it watches. */
  monitor?: { watcher: Pid; watched: { id: number } | { name: string } };
  /** Set while it tags a call of theirs: who waits, and whether by alias. */
  call?: { from: Pid; alias: boolean };
  /** Set while it is a start of theirs: who asked. */
  spawn?: Pid;
}

/** A monitor this node set on the other's processes: what DEMONITOR_P must name. */
interface OurMonitor {
  readonly fromId: number;
  readonly to: { id: number; creation: number } | { name: string };
  /** Whether it is a call's: the reply ends it (the layer sends no DEMONITOR_P for it). */
  call: boolean;
}

/** @internal */
export class ControlTranslator {
  readonly #layer: NodeLayer;
  readonly #codec: TermCodec;
  readonly #limits: DecodeLimits;
  readonly #writer = new ControlWriter();
  readonly #node: string;
  #creation = 0;
  readonly #theirRefs = new Map<Ref, number>();
  readonly #theirs = new Map<number, TheirRef>();
  #nextTheirs = 1;
  readonly #ourMonitors = new Map<number, OurMonitor>();

  constructor(layer: NodeLayer, codec: TermCodec, node: string, limits: DecodeLimits) {
    this.#layer = layer;
    this.#codec = codec;
    this.#node = node;
    this.#limits = limits;
  }

  /** The other node's incarnation, once the handshake tells it. */
  set creation(creation: number) {
    this.#creation = creation;
  }

  // ---- out: the layer's batch → Erlang's messages ----

  /** The messages of `batch`, as frames in one buffer (`undefined`: none to send). */
  write(batch: unknown[]): Uint8Array | undefined {
    let i = 0;
    while (i < batch.length) {
      const op = batch[i] as number;
      this.#writer.begin();
      if (!this.#writeOne(op, batch, i + 1)) this.#writer.drop();
      i += 1 + arity(op);
    }
    return this.#writer.take();
  }

  /** Whether `read` wrote answers that no `write` or `takeAnswers` has taken yet. */
  get hasAnswers(): boolean {
    return this.#writer.size > 0;
  }

  /** The answers `read` wrote (a DEMONITOR_P after a call's reply, a refused start), as frames; `write` takes them too. */
  takeAnswers(): Uint8Array | undefined {
    return this.#writer.take();
  }

  /** Writes the message begun; `false` when there is nothing to send for it. */
  #writeOne(op: number, b: unknown[], i: number): boolean {
    const w = this.#writer;
    switch (op) {
      case Op.SEND:
        this.#theirPid(w.tuple(3).int(2).atom(''), b[i] as number, b[i + 1] as number);
        return w
          .payload()
          .term(b[i + 2] as Uint8Array)
          .done();
      case Op.SEND_CAST:
        this.#theirPid(w.tuple(3).int(2).atom(''), b[i] as number, b[i + 1] as number);
        return w
          .payload()
          .tuple(2)
          .atom('$gen_cast')
          .term(b[i + 2] as Uint8Array)
          .done();
      case Op.SEND_CALL: {
        this.#theirPid(w.tuple(3).int(2).atom(''), b[i] as number, b[i + 1] as number);
        this.#callMessage(w.payload(), b[i + 2] as number, b[i + 3] as number, b[i + 4], b[i + 5]);
        return w.done();
      }
      case Op.REG_SEND:
        this.#ourPid(w.tuple(4).int(6), b[i] as number)
          .atom('')
          .atom(b[i + 1] as string);
        return w
          .payload()
          .term(b[i + 2] as Uint8Array)
          .done();
      case Op.REG_CAST:
        this.#ourPid(w.tuple(4).int(6), NO_PID)
          .atom('')
          .atom(b[i] as string);
        return w
          .payload()
          .tuple(2)
          .atom('$gen_cast')
          .term(b[i + 1] as Uint8Array)
          .done();
      case Op.REG_CALL:
        this.#ourPid(w.tuple(4).int(6), b[i + 1] as number)
          .atom('')
          .atom(b[i] as string);
        this.#callMessage(w.payload(), b[i + 1] as number, b[i + 2] as number, b[i + 3], b[i + 4]);
        return w.done();
      case Op.LINK:
        this.#ourPid(w.tuple(3).int(1), b[i] as number);
        this.#theirPid(w, b[i + 1] as number, b[i + 2] as number);
        return w.done();
      case Op.EXIT:
        this.#ourPid(w.tuple(4).int(3), b[i] as number);
        this.#theirPid(w, b[i + 1] as number, this.#creation);
        return w.embed(b[i + 2] as EncodedTerm).done();
      case Op.EXIT2:
        this.#ourPid(w.tuple(4).int(8), b[i] as number);
        this.#theirPid(w, b[i + 1] as number, b[i + 2] as number);
        return w.embed(b[i + 3] as EncodedTerm).done();
      case Op.MONITOR_P: {
        const fromId = b[i] as number;
        const to = b[i + 1];
        const refId = b[i + 3] as number;
        this.#ourPid(w.tuple(4).int(19), fromId);
        const target =
          typeof to === 'string'
            ? { name: to }
            : { id: to as number, creation: b[i + 2] as number };
        this.#target(w, target);
        this.#ourRef(w, refId);
        this.#ourMonitors.set(refId, { fromId, to: target, call: false });
        return w.done();
      }
      case Op.DEMONITOR_P:
        return this.#demonitor(w, b[i] as number);
      case Op.MONITOR_P_EXIT: {
        const theirs = this.#theirs.get(b[i] as number);
        const monitor = theirs?.monitor;
        if (theirs === undefined || monitor === undefined) return false;
        theirs.monitor = undefined;
        this.#forget(b[i] as number, theirs);
        w.tuple(5).int(21);
        if ('name' in monitor.watched) w.atom(monitor.watched.name);
        else w.pid(this.#layer.node, monitor.watched.id, this.#layer.creation);
        this.#pid(w, monitor.watcher);
        this.#refTerm(w, theirs.ref);
        return w.embed(b[i + 1] as EncodedTerm).done();
      }
      case Op.ALIAS_SEND:
      case Op.ALIAS_SEND_ERROR: {
        const n = b[i] as number;
        const theirs = this.#theirs.get(n);
        const call = theirs?.call;
        if (theirs === undefined || call === undefined) return false;
        theirs.call = undefined;
        this.#forget(n, theirs);
        if (call.alias) {
          this.#ourPid(w.tuple(3).int(33), NO_PID);
          this.#refTerm(w, theirs.ref);
        } else {
          this.#pid(w.tuple(3).int(2).atom(''), call.from);
        }
        w.payload().tuple(2);
        if (call.alias) this.#aliasTag(w, theirs.ref);
        else this.#refTerm(w, theirs.ref);
        // A reply that could not be copied: an otp-ts caller rejects with the error.
        if (op === Op.ALIAS_SEND_ERROR) w.tuple(3).atom('$otp').atom('call_error');
        return w.term(b[i + 1] as Uint8Array).done();
      }
      case Op.SPAWN_REQUEST: {
        // {29, ReqId, From, GroupLeader, {otp_ts, start, 4}, Options} and the argument
        // list [Module, Export, Arg, StartOptions]: well formed for Erlang, which would
        // start otp_ts:start/4, a function it has not (the process exits with undef),
        // where an otp-ts node starts the behaviour.
        const parentId = b[i + 1] as number;
        w.tuple(6)
          .int(29)
          .ref(this.#layer.node, this.#layer.creation, [b[i] as number, 0, SPAWN_WORD]);
        this.#ourPid(w, parentId);
        this.#ourPid(w, NO_PID); // The group leader: none.
        w.tuple(3).atom('otp_ts').atom('start').int(4);
        if (parentId === NO_PID) w.nil();
        else w.list(1).atom('link').nil();
        return w
          .payload()
          .list(4)
          .term(this.#codec.encode(b[i + 2], 'start'))
          .term(this.#codec.encode(b[i + 3], 'start'))
          .term(b[i + 4] as Uint8Array)
          .term(b[i + 5] as Uint8Array)
          .nil()
          .done();
      }
      case Op.SPAWN_REPLY: {
        const n = b[i] as number;
        const theirs = this.#theirs.get(n);
        const from = theirs?.spawn;
        if (theirs === undefined || from === undefined) return false;
        theirs.spawn = undefined;
        this.#forget(n, theirs);
        this.#refTerm(w.tuple(5).int(31), theirs.ref);
        this.#pid(w, from).int(0);
        if (b[i + 1] === true) {
          return w.pid(this.#layer.node, b[i + 2] as number, this.#layer.creation).done();
        }
        return w.term(b[i + 2] as Uint8Array).done();
      }
      case Op.UNLINK_ID:
      case Op.UNLINK_ID_ACK:
        w.tuple(4)
          .int(op === Op.UNLINK_ID ? 35 : 36)
          .int(b[i] as number);
        this.#ourPid(w, b[i + 1] as number);
        this.#theirPid(w, b[i + 2] as number, this.#creation);
        return w.done();
      default:
        throw new Error(`the node layer sent an unknown control message ${String(op)}`);
    }
  }

  /** `{'$gen_call' | system, {From, [alias | Ref]}, Request}`, and the call's monitor marked. */
  #callMessage(
    w: ControlWriter,
    fromId: number,
    refId: number,
    system: unknown,
    request: unknown,
  ): void {
    w.tuple(3);
    if (system === true) w.atom('system');
    else w.atom('$gen_call');
    this.#ourPid(w.tuple(2), fromId);
    w.aliasTag(this.#layer.node, this.#layer.creation, refWords(refId));
    w.term(request as Uint8Array);
    const monitor = this.#ourMonitors.get(refId);
    if (monitor !== undefined) monitor.call = true;
  }

  /** Writes DEMONITOR_P for one of our monitors into the message begun; `false` if it is gone. */
  #demonitor(w: ControlWriter, refId: number): boolean {
    const monitor = this.#ourMonitors.get(refId);
    if (monitor === undefined) return false;
    this.#ourMonitors.delete(refId);
    this.#ourPid(w.tuple(4).int(20), monitor.fromId);
    this.#target(w, monitor.to);
    this.#ourRef(w, refId);
    return w.done();
  }

  #target(w: ControlWriter, to: OurMonitor['to']): void {
    if ('name' in to) w.atom(to.name);
    else this.#theirPid(w, to.id, to.creation);
  }

  #ourPid(w: ControlWriter, id: number): ControlWriter {
    // "No process" (a call from outside any process) is the runtime's root, which
    // has no mailbox: Erlang needs some pid there.
    return w.pid(this.#layer.node, id === NO_PID ? 0 : id, this.#layer.creation);
  }

  #theirPid(w: ControlWriter, id: number, creation: number): ControlWriter {
    return w.pid(this.#node, id, creation);
  }

  #pid(w: ControlWriter, pid: Pid): ControlWriter {
    return w.pid(pid.node, pid.id, pid.creation);
  }

  #ourRef(w: ControlWriter, refId: number): ControlWriter {
    return w.ref(this.#layer.node, this.#layer.creation, refWords(refId));
  }

  #refTerm(w: ControlWriter, ref: Ref): ControlWriter {
    const wire = this.#codec.refOf(ref)!;
    return w.ref(wire.node, wire.creation, wire.words);
  }

  #aliasTag(w: ControlWriter, ref: Ref): ControlWriter {
    const wire = this.#codec.refOf(ref)!;
    return w.aliasTag(wire.node, wire.creation, wire.words);
  }

  // ---- in: Erlang's message → the layer's batch ----

  /**
   * Adds the layer's control messages for one of Erlang's to `batch`; the messages
   * this side must answer by itself (a DEMONITOR_P after a call's reply, a refused
   * start) wait for `takeAnswers`.
   * @throws TermError for a message that is malformed: the connection is closed.
   */
  read(bytes: Uint8Array, batch: unknown[]): void {
    const terms = decodeTerms(bytes, this.#codec, this.#limits);
    const control = terms[0];
    if (!(control instanceof Tuple) || control.length === 0 || terms.length > 2) {
      throw new TermError('a distribution message whose control message is not a tuple');
    }
    const c = control.elements;
    const payload = terms[1];
    const hasPayload = terms.length === 2;
    const op = c[0];
    switch (op) {
      case Op.SEND:
      case DOP.SEND_TT:
      case DOP.SEND_SENDER:
      case DOP.SEND_SENDER_TT:
        need(hasPayload && c.length >= 3, op);
        this.#message(batch, this.#ours(c[2]), undefined, payload);
        return;
      case Op.REG_SEND:
      case DOP.REG_SEND_TT:
        need(hasPayload && c.length >= 4 && typeof c[3] === 'symbol', op);
        this.#theirPidOf(c[1]);
        this.#message(batch, undefined, atomName(c[3]), payload);
        return;
      case Op.LINK: {
        need(c.length === 3, op);
        const from = this.#theirPidOf(c[1]);
        const to = this.#ours(c[2]);
        batch.push(Op.LINK, from.id, to.id, to.creation);
        return;
      }
      case Op.EXIT:
      case DOP.EXIT_TT:
      case DOP.PAYLOAD_EXIT:
      case DOP.PAYLOAD_EXIT_TT: {
        const reason = reasonAt(
          c,
          op === Op.EXIT ? 3 : op === DOP.EXIT_TT ? 4 : -1,
          payload,
          hasPayload,
          op,
        );
        batch.push(Op.EXIT, this.#theirPidOf(c[1]).id, this.#ours(c[2]).id, reason);
        return;
      }
      case Op.EXIT2:
      case DOP.EXIT2_TT:
      case DOP.PAYLOAD_EXIT2:
      case DOP.PAYLOAD_EXIT2_TT: {
        const reason = reasonAt(
          c,
          op === Op.EXIT2 ? 3 : op === DOP.EXIT2_TT ? 4 : -1,
          payload,
          hasPayload,
          op,
        );
        const to = this.#ours(c[2]);
        batch.push(Op.EXIT2, this.#theirPidOf(c[1]).id, to.id, to.creation, reason);
        return;
      }
      case Op.MONITOR_P: {
        need(c.length === 4, op);
        const watcher = this.#theirPidOf(c[1]);
        const ref = refOf(c[3], op);
        const n = this.#numberOf(ref);
        const theirs = this.#theirs.get(n)!;
        if (typeof c[2] === 'symbol') {
          const name = atomName(c[2]);
          theirs.monitor = { watcher, watched: { name } };
          // net_adm:ping's call monitors net_kernel, which this side answers itself.
          if (this.#answersForNetKernel(name)) return;
          batch.push(Op.MONITOR_P, watcher.id, name, 0, n);
        } else {
          const to = this.#ours(c[2]);
          theirs.monitor = { watcher, watched: { id: to.id } };
          batch.push(Op.MONITOR_P, watcher.id, to.id, to.creation, n);
        }
        return;
      }
      case Op.DEMONITOR_P: {
        need(c.length === 4, op);
        const n = this.#theirRefs.get(refOf(c[3], op));
        const theirs = n === undefined ? undefined : this.#theirs.get(n);
        if (n === undefined || theirs?.monitor === undefined) return;
        theirs.monitor = undefined;
        this.#forget(n, theirs);
        batch.push(Op.DEMONITOR_P, n);
        return;
      }
      case Op.MONITOR_P_EXIT:
      case DOP.PAYLOAD_MONITOR_P_EXIT: {
        const reason = reasonAt(c, op === Op.MONITOR_P_EXIT ? 4 : -1, payload, hasPayload, op);
        const refId = this.#ourRefId(refOf(c[3], op));
        if (refId === undefined) return;
        this.#ourMonitors.delete(refId);
        batch.push(Op.MONITOR_P_EXIT, refId, reason);
        return;
      }
      case Op.ALIAS_SEND:
      case DOP.ALIAS_SEND_TT: {
        need(hasPayload && c.length >= 3, op);
        const refId = this.#ourRefId(refOf(c[2], op));
        const monitor = refId === undefined ? undefined : this.#ourMonitors.get(refId);
        // Aliases of otp-ts are the tags of its calls: anything else to one is dropped.
        if (refId === undefined || monitor === undefined || !monitor.call) return;
        if (!(payload instanceof Tuple) || payload.length !== 2) return;
        // The caller ends the call's monitor once answered, as gen:call does.
        if (!this.#demonitor(this.#writer.begin(), refId)) this.#writer.drop();
        const reply = payload.elements[1];
        if (
          reply instanceof Tuple &&
          reply.length === 3 &&
          reply.elements[0] === OTP_TAG &&
          reply.elements[1] === CALL_ERROR
        ) {
          batch.push(Op.ALIAS_SEND_ERROR, refId, reply.elements[2]);
        } else {
          batch.push(Op.ALIAS_SEND, refId, reply);
        }
        return;
      }
      case Op.SPAWN_REQUEST:
      case DOP.SPAWN_REQUEST_TT:
        this.#spawnRequest(c, payload, hasPayload, batch);
        return;
      case Op.SPAWN_REPLY:
      case DOP.SPAWN_REPLY_TT: {
        need(c.length >= 5, op);
        const ref = refOf(c[1], op);
        if (
          !(ref instanceof ForeignRef) ||
          ref.node !== this.#layer.node ||
          ref.words[2] !== SPAWN_WORD
        )
          return;
        const result = c[4];
        if (result instanceof Pid) {
          need(result.node === this.#node, op);
          batch.push(Op.SPAWN_REPLY, ref.words[0], true, result.id);
        } else if (typeof result === 'symbol') {
          const word = atomName(result);
          batch.push(
            Op.SPAWN_REPLY,
            ref.words[0],
            false,
            new StartError(
              `${this.#node} refused the start (${word}): is it an otp-ts node?`,
              word,
            ),
          );
        } else {
          batch.push(Op.SPAWN_REPLY, ref.words[0], false, result);
        }
        return;
      }
      case Op.UNLINK_ID:
      case Op.UNLINK_ID_ACK: {
        need(c.length === 4 && (typeof c[1] === 'number' || typeof c[1] === 'bigint'), op);
        batch.push(op, c[1], this.#theirPidOf(c[2]).id, this.#ours(c[3]).id);
        return;
      }
      default:
        // Group leaders, the old UNLINK, and what later versions add: not used by otp-ts.
        return;
    }
  }

  /** A message to a pid or a name: a cast or a call when gen's form says so. */
  #message(
    batch: unknown[],
    to: Pid | undefined,
    name: string | undefined,
    message: unknown,
  ): void {
    if (message instanceof Tuple) {
      const e = message.elements;
      if (e.length === 2 && e[0] === GEN_CAST) {
        if (to !== undefined) batch.push(Op.SEND_CAST, to.id, to.creation, e[1]);
        else batch.push(Op.REG_CAST, name, e[1]);
        return;
      }
      if (e.length === 3 && (e[0] === GEN_CALL || e[0] === SYSTEM)) {
        const system = e[0] === SYSTEM;
        // Erlang's sys says its requests in atoms and tuples: the engine takes them as
        // Sys's. One otp-ts has no equivalent for is answered as sys answers it.
        const request = system ? sysRequestOf(e[2]) : e[2];
        const from = this.#callFrom(e[1]);
        if (from !== undefined && request === undefined) {
          this.#answer(from.n, (w) =>
            w.tuple(2).atom('error').tuple(2).atom('unknown_system_msg').term(this.#copy(e[2])),
          );
          return;
        }
        if (
          from !== undefined &&
          name !== undefined &&
          this.#answersForNetKernel(name) &&
          e[2] instanceof Tuple &&
          e[2].length === 2 &&
          e[2].elements[0] === IS_AUTH
        ) {
          // net_adm:ping (Elixir's Node.ping): the node is up, and the cookie checked.
          this.#answer(from.n, (w) => w.atom('yes'));
          return;
        }
        if (from !== undefined) {
          // Pid 0 is where a call from outside any process comes from (see #ourPid).
          const fromId = from.pid.id === 0 ? NO_PID : from.pid.id;
          if (to !== undefined)
            batch.push(Op.SEND_CALL, to.id, to.creation, fromId, from.n, system, request);
          else batch.push(Op.REG_CALL, name, fromId, from.n, system, request);
          return;
        }
      }
    }
    if (to !== undefined) batch.push(Op.SEND, to.id, to.creation, message);
    else batch.push(Op.REG_SEND, NO_PID, name, message);
  }

  /**
   * Answers the call of theirs numbered `n` from here, not from a process: a sys
   * request otp-ts has no word for (`{error, {unknown_system_msg, Msg}}`, as sys says),
   * or net_kernel's `is_auth`. `reply` writes the reply term.
   */
  #answer(n: number, reply: (w: ControlWriter) => void): void {
    const theirs = this.#theirs.get(n)!;
    const call = theirs.call!;
    theirs.call = undefined;
    this.#forget(n, theirs);
    const w = this.#writer.begin();
    if (call.alias) this.#refTerm(this.#ourPid(w.tuple(3).int(33), NO_PID), theirs.ref);
    else this.#pid(w.tuple(3).int(2).atom(''), call.from);
    w.payload().tuple(2);
    if (call.alias) this.#aliasTag(w, theirs.ref);
    else this.#refTerm(w, theirs.ref);
    reply(w);
    w.done();
  }

  /** A term that came from the other node, encoded again (it can be: it came as one). */
  #copy(term: unknown): Uint8Array {
    try {
      return this.#codec.encode(term, 'sys');
    } catch {
      return this.#codec.encode(Symbol.for('undefined'), 'sys');
    }
  }

  /** Whether this side stands in for Erlang's net_kernel: no local process holds the name. */
  #answersForNetKernel(name: string): boolean {
    return name === 'net_kernel' && !this.#layer.isRegistered('net_kernel');
  }

  /** `{Pid, Tag}` of a call from the other node: the caller, and the number of its tag's ref. */
  #callFrom(from: unknown): { pid: Pid; n: number } | undefined {
    if (!(from instanceof Tuple) || from.length !== 2) return undefined;
    const [pid, tag] = from.elements;
    if (!(pid instanceof Pid) || pid.node !== this.#node || pid.creation !== this.#creation)
      return undefined;
    let ref: unknown = tag;
    let alias = false;
    if (tag instanceof ImproperList && tag.items.length === 1 && tag.items[0] === ALIAS) {
      ref = tag.tail;
      alias = true;
    }
    if (!(ref instanceof Ref)) return undefined;
    const n = this.#numberOf(ref);
    this.#theirs.get(n)!.call = { from: pid, alias };
    return { pid, n };
  }

  #spawnRequest(
    c: readonly unknown[],
    payload: unknown,
    hasPayload: boolean,
    batch: unknown[],
  ): void {
    need(c.length >= 6, Op.SPAWN_REQUEST);
    const ref = refOf(c[1], Op.SPAWN_REQUEST);
    const from = this.#theirPidOf(c[2]);
    const mfa = c[4];
    const options = c[5];
    const args = Array.isArray(payload) ? payload : undefined;
    if (
      !hasPayload ||
      !(mfa instanceof Tuple) ||
      mfa.length !== 3 ||
      mfa.elements[0] !== OTP_TS ||
      mfa.elements[1] !== START ||
      mfa.elements[2] !== 4 ||
      args === undefined ||
      args.length !== 4 ||
      typeof args[0] !== 'string' ||
      typeof args[1] !== 'string'
    ) {
      // Erlang's own spawn (of a fun, or of an Erlang module): otp-ts cannot run it.
      const w = this.#writer.begin();
      this.#refTerm(w.tuple(5).int(31), ref);
      this.#pid(w, from).int(0).atom('notsup').done();
      return;
    }
    const n = this.#numberOf(ref);
    this.#theirs.get(n)!.spawn = from;
    const linked = Array.isArray(options) && options.includes(LINK);
    batch.push(Op.SPAWN_REQUEST, n, linked ? from.id : NO_PID, args[0], args[1], args[2], args[3]);
  }

  /** The pid of one of our processes in a control message. */
  #ours(value: unknown): Pid {
    if (!(value instanceof Pid) || value.node !== this.#layer.node) {
      throw new TermError(
        `a control message names ${String(value)} where a pid of this node belongs`,
      );
    }
    return value;
  }

  /** A pid of the other node in a control message: the layer knows it by its id. */
  #theirPidOf(value: unknown): Pid {
    if (!(value instanceof Pid) || value.node !== this.#node) {
      throw new TermError(
        `a control message names ${String(value)} where a pid of ${this.#node} belongs`,
      );
    }
    return value;
  }

  /** One of this node's refs, as the layer numbers it; `undefined` for any other. */
  #ourRefId(ref: Ref): number | undefined {
    if (
      ref instanceof ForeignRef ||
      ref.node !== this.#layer.node ||
      ref.creation !== this.#layer.creation
    ) {
      return undefined;
    }
    return ref.id;
  }

  /** The layer's number for a ref of the other node, made on first sight. */
  #numberOf(ref: Ref): number {
    let n = this.#theirRefs.get(ref);
    if (n === undefined) {
      n = this.#nextTheirs++;
      this.#theirRefs.set(ref, n);
      this.#theirs.set(n, { ref });
    }
    return n;
  }

  /** Drops a ref of theirs that nothing uses any more. */
  #forget(n: number, theirs: TheirRef): void {
    if (theirs.monitor !== undefined || theirs.call !== undefined || theirs.spawn !== undefined)
      return;
    this.#theirs.delete(n);
    this.#theirRefs.delete(theirs.ref);
  }
}

/** How many fields follow one of the layer's operation codes. */
function arity(op: number): number {
  const n = ARITY[op];
  if (n === undefined)
    throw new Error(`the node layer sent an unknown control message ${String(op)}`);
  return n;
}

function need(ok: boolean, op: unknown): void {
  if (!ok) throw new TermError(`a malformed control message (operation ${String(op)})`);
}

function refOf(value: unknown, op: unknown): Ref {
  need(value instanceof Ref, op);
  return value as Ref;
}

function atomName(atom: unknown): string {
  return Symbol.keyFor(atom as symbol) ?? '';
}

/**
 * The Sys request of one of Erlang's `sys` requests (`sys:get_state/1`, `get_status`,
 * `suspend`, `resume`, `terminate/2`), or `undefined` for one otp-ts has not.
 */
function sysRequestOf(term: unknown): SysRequest | undefined {
  switch (term) {
    case GET_STATE:
      return { kind: 'get_state' };
    case GET_STATUS:
      return { kind: 'get_status' };
    case SUSPEND:
      return { kind: 'suspend' };
    case RESUME:
      return { kind: 'resume' };
  }
  if (term instanceof Tuple && term.length === 2 && term.elements[0] === TERMINATE) {
    return { kind: 'terminate', reason: decodeReasonTerm(term.elements[1]) };
  }
  // Another otp-ts node's Sys requests that Erlang's sys has no word for (statistics, trace).
  if (
    typeof term === 'object' &&
    term !== null &&
    Object.getPrototypeOf(term) === Object.prototype &&
    ((term as { kind?: unknown }).kind === 'statistics' ||
      (term as { kind?: unknown }).kind === 'trace')
  ) {
    return term as SysRequest;
  }
  return undefined;
}

/** An exit reason: element `at` of the control message, or the payload (`at` -1). */
function reasonAt(
  c: readonly unknown[],
  at: number,
  payload: unknown,
  hasPayload: boolean,
  op: unknown,
): unknown {
  if (at === -1) {
    need(hasPayload && c.length >= 3, op);
    return decodeReasonTerm(payload);
  }
  need(c.length > at, op);
  return decodeReasonTerm(c[at]);
}
