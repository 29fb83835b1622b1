import { Pid, Ref } from '../../../core/kernel.js';
import { StartError } from '../../../errors.js';
import { type DecodeLimits, decodeTerms } from '../../etf/decode.js';
import { decodeReasonTerm } from '../../etf/reasons.js';
import { OTP_TAG } from '../../etf/tagged.js';
import { TermError, Tuple } from '../../etf/terms.js';
import { NO_PID, Op } from '../../node/ops.js';
import { ForeignRef, SPAWN_WORD } from '../wire-codec.js';
import type { ControlContext } from './context.js';
import { answersForNetKernel, messageTo } from './gen-messages.js';
import { writeDemonitor } from './outgoing.js';

// In: one of Erlang's messages (a control tuple and maybe a payload term) → the
// layer's control messages, added to its batch; what this side answers by itself (a
// DEMONITOR_P after a call's reply, a refused start) is written for the connection.

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

const LINK = Symbol.for('link');
const CALL_ERROR = Symbol.for('call_error');
/** The function of the SPAWN_REQUEST of an otp-ts remote start: `otp_ts:start/4`. */
const OTP_TS = Symbol.for('otp_ts');
const START = Symbol.for('start');

/**
 * Adds the layer's control messages for one of Erlang's to `batch`; the messages
 * this side must answer by itself (a DEMONITOR_P after a call's reply, a refused
 * start) wait for `takeAnswers`.
 * @throws TermError for a message that is malformed: the connection is closed.
 */
export function readMessage(
  cx: ControlContext,
  bytes: Uint8Array,
  batch: unknown[],
  limits: DecodeLimits,
): void {
  const terms = decodeTerms(bytes, cx.codec, limits);
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
      messageTo(cx, batch, ours(cx, c[2]), undefined, payload);
      return;
    case Op.REG_SEND:
    case DOP.REG_SEND_TT:
      need(hasPayload && c.length >= 4 && typeof c[3] === 'symbol', op);
      theirPidOf(cx, c[1]);
      messageTo(cx, batch, undefined, atomName(c[3]), payload);
      return;
    case Op.LINK: {
      need(c.length === 3, op);
      const from = theirPidOf(cx, c[1]);
      const to = ours(cx, c[2]);
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
      batch.push(Op.EXIT, theirPidOf(cx, c[1]).id, ours(cx, c[2]).id, reason);
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
      const to = ours(cx, c[2]);
      batch.push(Op.EXIT2, theirPidOf(cx, c[1]).id, to.id, to.creation, reason);
      return;
    }
    case Op.MONITOR_P: {
      need(c.length === 4, op);
      const watcher = theirPidOf(cx, c[1]);
      const ref = refOf(c[3], op);
      const n = cx.numberOf(ref);
      const theirs = cx.theirs(n)!;
      if (typeof c[2] === 'symbol') {
        const name = atomName(c[2]);
        theirs.monitor = { watcher, watched: { name } };
        // net_adm:ping's call monitors net_kernel, which this side answers itself.
        if (answersForNetKernel(cx, name)) return;
        batch.push(Op.MONITOR_P, watcher.id, name, 0, n);
      } else {
        const to = ours(cx, c[2]);
        theirs.monitor = { watcher, watched: { id: to.id } };
        batch.push(Op.MONITOR_P, watcher.id, to.id, to.creation, n);
      }
      return;
    }
    case Op.DEMONITOR_P: {
      need(c.length === 4, op);
      const n = cx.numberIfKnown(refOf(c[3], op));
      const theirs = n === undefined ? undefined : cx.theirs(n);
      if (n === undefined || theirs?.monitor === undefined) return;
      theirs.monitor = undefined;
      cx.forget(n, theirs);
      batch.push(Op.DEMONITOR_P, n);
      return;
    }
    case Op.MONITOR_P_EXIT:
    case DOP.PAYLOAD_MONITOR_P_EXIT: {
      const reason = reasonAt(c, op === Op.MONITOR_P_EXIT ? 4 : -1, payload, hasPayload, op);
      const refId = ourRefId(cx, refOf(c[3], op));
      if (refId === undefined) return;
      cx.ourMonitors.delete(refId);
      batch.push(Op.MONITOR_P_EXIT, refId, reason);
      return;
    }
    case Op.ALIAS_SEND:
    case DOP.ALIAS_SEND_TT: {
      need(hasPayload && c.length >= 3, op);
      const refId = ourRefId(cx, refOf(c[2], op));
      const monitor = refId === undefined ? undefined : cx.ourMonitors.get(refId);
      // Aliases of otp-ts are the tags of its calls: anything else to one is dropped.
      if (refId === undefined || monitor === undefined || !monitor.call) return;
      if (!(payload instanceof Tuple) || payload.length !== 2) return;
      // The caller ends the call's monitor once answered, as gen:call does.
      if (!writeDemonitor(cx, cx.writer.begin(), refId)) cx.writer.drop();
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
      spawnRequest(cx, c, payload, hasPayload, batch);
      return;
    case Op.SPAWN_REPLY:
    case DOP.SPAWN_REPLY_TT: {
      need(c.length >= 5, op);
      const ref = refOf(c[1], op);
      if (!(ref instanceof ForeignRef) || ref.node !== cx.layer.node || ref.words[2] !== SPAWN_WORD)
        return;
      const result = c[4];
      if (result instanceof Pid) {
        need(result.node === cx.node, op);
        batch.push(Op.SPAWN_REPLY, ref.words[0], true, result.id);
      } else if (typeof result === 'symbol') {
        const word = atomName(result);
        batch.push(
          Op.SPAWN_REPLY,
          ref.words[0],
          false,
          new StartError(`${cx.node} refused the start (${word}): is it an otp-ts node?`, word),
        );
      } else {
        batch.push(Op.SPAWN_REPLY, ref.words[0], false, result);
      }
      return;
    }
    case Op.UNLINK_ID:
    case Op.UNLINK_ID_ACK: {
      need(c.length === 4 && (typeof c[1] === 'number' || typeof c[1] === 'bigint'), op);
      batch.push(op, c[1], theirPidOf(cx, c[2]).id, ours(cx, c[3]).id);
      return;
    }
    default:
      // Group leaders, the old UNLINK, and what later versions add: not used by otp-ts.
      return;
  }
}

function spawnRequest(
  cx: ControlContext,
  c: readonly unknown[],
  payload: unknown,
  hasPayload: boolean,
  batch: unknown[],
): void {
  need(c.length >= 6, Op.SPAWN_REQUEST);
  const ref = refOf(c[1], Op.SPAWN_REQUEST);
  const from = theirPidOf(cx, c[2]);
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
    const w = cx.writer.begin();
    cx.refTerm(w.tuple(5).int(31), ref);
    cx.pid(w, from).int(0).atom('notsup').done();
    return;
  }
  const n = cx.numberOf(ref);
  cx.theirs(n)!.spawn = from;
  const linked = Array.isArray(options) && options.includes(LINK);
  batch.push(Op.SPAWN_REQUEST, n, linked ? from.id : NO_PID, args[0], args[1], args[2], args[3]);
}

/** The pid of one of our processes in a control message. */
function ours(cx: ControlContext, value: unknown): Pid {
  if (!(value instanceof Pid) || value.node !== cx.layer.node) {
    throw new TermError(
      `a control message names ${String(value)} where a pid of this node belongs`,
    );
  }
  return value;
}

/** A pid of the other node in a control message: the layer knows it by its id. */
function theirPidOf(cx: ControlContext, value: unknown): Pid {
  if (!(value instanceof Pid) || value.node !== cx.node) {
    throw new TermError(
      `a control message names ${String(value)} where a pid of ${cx.node} belongs`,
    );
  }
  return value;
}

/** One of this node's refs, as the layer numbers it; `undefined` for any other. */
function ourRefId(cx: ControlContext, ref: Ref): number | undefined {
  if (
    ref instanceof ForeignRef ||
    ref.node !== cx.layer.node ||
    ref.creation !== cx.layer.creation
  ) {
    return undefined;
  }
  return ref.id;
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
