import type { SysRequest } from '../../../behaviours/server-callbacks.js';
import { Pid, Ref } from '../../../core/kernel.js';
import { decodeReasonTerm } from '../../etf/reasons.js';
import { ImproperList, Tuple } from '../../etf/terms.js';
import { NO_PID, Op } from '../../node/ops.js';
import type { ControlWriter } from '../control-writer.js';
import type { ControlContext } from './context.js';

// Gen's messages from Erlang: a `{'$gen_cast', Msg}` message becomes the layer's cast
// and a `{'$gen_call', {From, [alias | Ref]}, Request}` its call (and a `system` one,
// sys's, its Sys request), so an otp-ts GenServer answers Elixir's `GenServer.call`.
// The sys requests otp-ts has no word for, and net_kernel's `is_auth` (net_adm:ping),
// are answered here, not by a process.

const GEN_CAST = Symbol.for('$gen_cast');
const GEN_CALL = Symbol.for('$gen_call');
const SYSTEM = Symbol.for('system');
const ALIAS = Symbol.for('alias');
const IS_AUTH = Symbol.for('is_auth');
const GET_STATE = Symbol.for('get_state');
const GET_STATUS = Symbol.for('get_status');
const SUSPEND = Symbol.for('suspend');
const RESUME = Symbol.for('resume');
const TERMINATE = Symbol.for('terminate');

/** A message to a pid or a name: a cast or a call when gen's form says so. */
export function messageTo(
  cx: ControlContext,
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
      const from = callFrom(cx, e[1]);
      if (from !== undefined && request === undefined) {
        answer(cx, from.n, (w) =>
          w.tuple(2).atom('error').tuple(2).atom('unknown_system_msg').term(copy(cx, e[2])),
        );
        return;
      }
      if (
        from !== undefined &&
        name !== undefined &&
        answersForNetKernel(cx, name) &&
        e[2] instanceof Tuple &&
        e[2].length === 2 &&
        e[2].elements[0] === IS_AUTH
      ) {
        // net_adm:ping (Elixir's Node.ping): the node is up, and the cookie checked.
        answer(cx, from.n, (w) => w.atom('yes'));
        return;
      }
      if (from !== undefined) {
        // Pid 0 is where a call from outside any process comes from (see ourPid in context.ts).
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
function answer(cx: ControlContext, n: number, reply: (w: ControlWriter) => void): void {
  const theirs = cx.theirs(n)!;
  const call = theirs.call!;
  theirs.call = undefined;
  cx.forget(n, theirs);
  const w = cx.writer.begin();
  cx.replyTo(w, theirs, call);
  reply(w);
  w.done();
}

/** A term that came from the other node, encoded again (it can be: it came as one). */
function copy(cx: ControlContext, term: unknown): Uint8Array {
  try {
    return cx.codec.encode(term, 'sys');
  } catch {
    return cx.codec.encode(Symbol.for('undefined'), 'sys');
  }
}

/** Whether this side stands in for Erlang's net_kernel: no local process holds the name. */
export function answersForNetKernel(cx: ControlContext, name: string): boolean {
  return name === 'net_kernel' && !cx.layer.isRegistered('net_kernel');
}

/** `{Pid, Tag}` of a call from the other node: the caller, and the number of its tag's ref. */
function callFrom(cx: ControlContext, from: unknown): { pid: Pid; n: number } | undefined {
  if (!(from instanceof Tuple) || from.length !== 2) return undefined;
  const [pid, tag] = from.elements;
  if (!(pid instanceof Pid) || pid.node !== cx.node || pid.creation !== cx.creation)
    return undefined;
  let ref: unknown = tag;
  let alias = false;
  if (tag instanceof ImproperList && tag.items.length === 1 && tag.items[0] === ALIAS) {
    ref = tag.tail;
    alias = true;
  }
  if (!(ref instanceof Ref)) return undefined;
  const n = cx.numberOf(ref);
  cx.theirs(n)!.call = { from: pid, alias };
  return { pid, n };
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
