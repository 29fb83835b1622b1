import type { EncodedTerm } from '../../etf/terms.js';
import { NO_PID, Op } from '../../node/ops.js';
import type { ControlWriter } from '../control-writer.js';
import { refWords, SPAWN_WORD } from '../wire-codec.js';
import type { ControlContext, OurMonitor } from './context.js';

// Out: the layer's control messages → Erlang's, written as frames by the connection's
// writer, each as Erlang's control tuple and, where it has one, its payload term.

/** Writes the message begun; `false` when there is nothing to send for it. */
export function writeMessage(cx: ControlContext, op: number, b: unknown[], i: number): boolean {
  const w = cx.writer;
  switch (op) {
    case Op.SEND:
      cx.theirPid(w.tuple(3).int(2).atom(''), b[i] as number, b[i + 1] as number);
      return w
        .payload()
        .term(b[i + 2] as Uint8Array)
        .done();
    case Op.SEND_CAST:
      cx.theirPid(w.tuple(3).int(2).atom(''), b[i] as number, b[i + 1] as number);
      return w
        .payload()
        .tuple(2)
        .atom('$gen_cast')
        .term(b[i + 2] as Uint8Array)
        .done();
    case Op.SEND_CALL: {
      cx.theirPid(w.tuple(3).int(2).atom(''), b[i] as number, b[i + 1] as number);
      callMessage(cx, w.payload(), b[i + 2] as number, b[i + 3] as number, b[i + 4], b[i + 5]);
      return w.done();
    }
    case Op.REG_SEND:
      cx.ourPid(w.tuple(4).int(6), b[i] as number)
        .atom('')
        .atom(b[i + 1] as string);
      return w
        .payload()
        .term(b[i + 2] as Uint8Array)
        .done();
    case Op.REG_CAST:
      cx.ourPid(w.tuple(4).int(6), NO_PID)
        .atom('')
        .atom(b[i] as string);
      return w
        .payload()
        .tuple(2)
        .atom('$gen_cast')
        .term(b[i + 1] as Uint8Array)
        .done();
    case Op.REG_CALL:
      cx.ourPid(w.tuple(4).int(6), b[i + 1] as number)
        .atom('')
        .atom(b[i] as string);
      callMessage(cx, w.payload(), b[i + 1] as number, b[i + 2] as number, b[i + 3], b[i + 4]);
      return w.done();
    case Op.LINK:
      cx.ourPid(w.tuple(3).int(1), b[i] as number);
      cx.theirPid(w, b[i + 1] as number, b[i + 2] as number);
      return w.done();
    case Op.EXIT:
      cx.ourPid(w.tuple(4).int(3), b[i] as number);
      cx.theirPid(w, b[i + 1] as number, cx.creation);
      return w.embed(b[i + 2] as EncodedTerm).done();
    case Op.EXIT2:
      cx.ourPid(w.tuple(4).int(8), b[i] as number);
      cx.theirPid(w, b[i + 1] as number, b[i + 2] as number);
      return w.embed(b[i + 3] as EncodedTerm).done();
    case Op.MONITOR_P: {
      const fromId = b[i] as number;
      const to = b[i + 1];
      const refId = b[i + 3] as number;
      cx.ourPid(w.tuple(4).int(19), fromId);
      const target =
        typeof to === 'string' ? { name: to } : { id: to as number, creation: b[i + 2] as number };
      writeTarget(cx, w, target);
      cx.ourRef(w, refId);
      cx.ourMonitors.set(refId, { fromId, to: target, call: false });
      return w.done();
    }
    case Op.DEMONITOR_P:
      return writeDemonitor(cx, w, b[i] as number);
    case Op.MONITOR_P_EXIT: {
      const theirs = cx.theirs(b[i] as number);
      const monitor = theirs?.monitor;
      if (theirs === undefined || monitor === undefined) return false;
      theirs.monitor = undefined;
      cx.forget(b[i] as number, theirs);
      w.tuple(5).int(21);
      if ('name' in monitor.watched) w.atom(monitor.watched.name);
      else w.pid(cx.layer.node, monitor.watched.id, cx.layer.creation);
      cx.pid(w, monitor.watcher);
      cx.refTerm(w, theirs.ref);
      return w.embed(b[i + 1] as EncodedTerm).done();
    }
    case Op.ALIAS_SEND:
    case Op.ALIAS_SEND_ERROR: {
      const n = b[i] as number;
      const theirs = cx.theirs(n);
      const call = theirs?.call;
      if (theirs === undefined || call === undefined) return false;
      theirs.call = undefined;
      cx.forget(n, theirs);
      cx.replyTo(w, theirs, call);
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
        .ref(cx.layer.node, cx.layer.creation, [b[i] as number, 0, SPAWN_WORD]);
      cx.ourPid(w, parentId);
      cx.ourPid(w, NO_PID); // The group leader: none.
      w.tuple(3).atom('otp_ts').atom('start').int(4);
      if (parentId === NO_PID) w.nil();
      else w.list(1).atom('link').nil();
      return w
        .payload()
        .list(4)
        .term(cx.codec.encode(b[i + 2], 'start'))
        .term(cx.codec.encode(b[i + 3], 'start'))
        .term(b[i + 4] as Uint8Array)
        .term(b[i + 5] as Uint8Array)
        .nil()
        .done();
    }
    case Op.SPAWN_REPLY: {
      const n = b[i] as number;
      const theirs = cx.theirs(n);
      const from = theirs?.spawn;
      if (theirs === undefined || from === undefined) return false;
      theirs.spawn = undefined;
      cx.forget(n, theirs);
      cx.refTerm(w.tuple(5).int(31), theirs.ref);
      cx.pid(w, from).int(0);
      if (b[i + 1] === true) {
        return w.pid(cx.layer.node, b[i + 2] as number, cx.layer.creation).done();
      }
      return w.term(b[i + 2] as Uint8Array).done();
    }
    case Op.UNLINK_ID:
    case Op.UNLINK_ID_ACK:
      w.tuple(4)
        .int(op === Op.UNLINK_ID ? 35 : 36)
        .int(b[i] as number);
      cx.ourPid(w, b[i + 1] as number);
      cx.theirPid(w, b[i + 2] as number, cx.creation);
      return w.done();
    default:
      throw new Error(`the node layer sent an unknown control message ${String(op)}`);
  }
}

/** `{'$gen_call' | system, {From, [alias | Ref]}, Request}`, and the call's monitor marked. */
function callMessage(
  cx: ControlContext,
  w: ControlWriter,
  fromId: number,
  refId: number,
  system: unknown,
  request: unknown,
): void {
  w.tuple(3);
  if (system === true) w.atom('system');
  else w.atom('$gen_call');
  cx.ourPid(w.tuple(2), fromId);
  w.aliasTag(cx.layer.node, cx.layer.creation, refWords(refId));
  w.term(request as Uint8Array);
  const monitor = cx.ourMonitors.get(refId);
  if (monitor !== undefined) monitor.call = true;
}

/** Writes DEMONITOR_P for one of our monitors into the message begun; `false` if it is gone. */
export function writeDemonitor(cx: ControlContext, w: ControlWriter, refId: number): boolean {
  const monitor = cx.ourMonitors.get(refId);
  if (monitor === undefined) return false;
  cx.ourMonitors.delete(refId);
  cx.ourPid(w.tuple(4).int(20), monitor.fromId);
  writeTarget(cx, w, monitor.to);
  cx.ourRef(w, refId);
  return w.done();
}

function writeTarget(cx: ControlContext, w: ControlWriter, to: OurMonitor['to']): void {
  if ('name' in to) w.atom(to.name);
  else cx.theirPid(w, to.id, to.creation);
}
