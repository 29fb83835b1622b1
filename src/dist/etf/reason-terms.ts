import type { ExitReason } from '../../types.js';
import { Tuple } from './terms.js';

// Exit and monitor reasons as terms (the Reason of the control messages EXIT, EXIT2 and
// MONITOR_P_EXIT, and of the Exit, Down and NodeDown messages), so that an Erlang node
// reads an otp-ts reason as it reads its own, and back:
//
//   'normal', 'shutdown', 'kill', 'killed', 'noproc', 'noconnection', 'timeout'
//                        <->  the atom of the same name (OTP's words, SPEC section 13)
//   { shutdown: x }      <->  {shutdown, X}, X itself a reason by these rules
//   anything else        <->  the term of the message mapping (encode.ts, decode.ts):
//                             another string is a binary, Symbol.for('x') the atom x,
//                             an error a tagged tuple...
//
// Only OTP's words become atoms. Any other string stays a binary, so that it comes back
// a string: were every string that could be an atom sent as one, a reason 'oops' would
// come back as Symbol.for('oops') (atoms are symbols everywhere else), and a peer could
// fill the Erlang node's atom table, which is never collected. A program that wants an
// atom for Erlang's sake sends Symbol.for('oops'). The other way, an atom that is one of
// OTP's words comes as the string, any other atom as its symbol: so Symbol.for('normal')
// comes back 'normal', the same atom, and a Tuple {shutdown, X} comes back as
// { shutdown: x }: the two reasons that do not come back as they left (Erlang reads
// them as normal ends, where isNormalExit does not).

/** OTP's words for exit reasons: they travel as atoms, and come back as these strings. @internal */
export const REASON_WORDS: ReadonlySet<string> = new Set([
  'normal',
  'shutdown',
  'kill',
  'killed',
  'noproc',
  'noconnection',
  'timeout',
]);

/** The atom `shutdown`. @internal */
export const SHUTDOWN = Symbol.for('shutdown');

/**
 * The exit reason a decoded Reason term stands for: an atom that is one of OTP's words
 * is that string (`normal` is `'normal'`), `{shutdown, X}` is `{ shutdown: x }` (X
 * decoded by the same rules), anything else is the value the term decoded to (another
 * atom is its `Symbol.for`, a binary a string...).
 *
 * @param term - the Reason element of a decoded control message.
 * @returns the exit reason; never throws.
 * @example
 * ```ts
 * decodeReasonTerm(Symbol.for('normal')); // 'normal'
 * decodeReasonTerm(new Tuple(Symbol.for('shutdown'), Symbol.for('restart'))); // { shutdown: Symbol.for('restart') }
 * decodeReasonTerm(Symbol.for('badarg')); // Symbol.for('badarg')
 * ```
 * @see encodeReasonTerm
 * @internal
 */
export function decodeReasonTerm(term: unknown): ExitReason {
  if (typeof term === 'symbol') {
    const name = Symbol.keyFor(term);
    return name !== undefined && REASON_WORDS.has(name) ? name : term;
  }
  if (term instanceof Tuple && term.length === 2 && term.elements[0] === SHUTDOWN) {
    return { shutdown: decodeReasonTerm(term.elements[1]) };
  }
  return term;
}

/**
 * The value to encode for a reason: OTP's words as their atoms, `{ shutdown: x }` as
 * the tuple `{shutdown, X}` (X by the same rules), anything else as it is.
 * @throws whatever reading a hostile reason throws (a Proxy); encodeReasonTerm catches it.
 * @internal
 */
export function reasonTerm(reason: ExitReason): unknown {
  const shutdown = shutdownOf(reason);
  return shutdown === undefined ? wordOf(reason) : new Tuple(SHUTDOWN, reasonTerm(shutdown.value));
}

/** The atom of one of OTP's words, else `reason` itself. @internal */
export function wordOf(reason: ExitReason): unknown {
  return typeof reason === 'string' && REASON_WORDS.has(reason) ? Symbol.for(reason) : reason;
}

/** `x` of a reason `{ shutdown: x }` (a plain object with that one field). May throw (a Proxy). @internal */
export function shutdownOf(reason: ExitReason): { value: unknown } | undefined {
  if (
    typeof reason === 'object' &&
    reason !== null &&
    Object.getPrototypeOf(reason) === Object.prototype &&
    Object.keys(reason).length === 1 &&
    Object.hasOwn(reason, 'shutdown')
  ) {
    return { value: (reason as { shutdown: unknown }).shutdown };
  }
  return undefined;
}
