import { describeReasonBriefly } from '../../describe.js';
import type { ExitReason } from '../../types.js';
import { encodeTerm } from './encode.js';
import { EncodedTerm, type PidCodec, Tuple } from './terms.js';

// Exit and monitor reasons on the wire (the Reason of EXIT, EXIT2 and MONITOR_P_EXIT),
// so that an Erlang node reads an otp-ts reason as it reads its own, and back:
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
// comes back 'normal', the same atom; it is the one reason that does not come back as it
// left, and Erlang would read it as normal too.

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

const SHUTDOWN = Symbol.for('shutdown');

/**
 * The wire form of an exit or monitor reason: its term, encoded (no version byte), to
 * put as it is in a control message (`encodeTerm(new Tuple(3, from, to, reason))`
 * writes its bytes). OTP's words are atoms, `{ shutdown: x }` is `{shutdown, X}`,
 * anything else is the term of the message mapping. A reason that has no term (a
 * function, a class not registered...) travels as its description, a string, as
 * between threads: a process exits whatever its reason.
 *
 * @param reason - the exit reason, any value.
 * @param codec - how pids and refs in the reason are written.
 * @returns the encoded term; never throws.
 * @example
 * ```ts
 * const wire = encodeReasonTerm({ shutdown: 'restart' }, codec); // {shutdown, <<"restart">>}
 * const control = encodeTerm(new Tuple(3, from, to, wire), codec); // EXIT
 * ```
 * @see decodeReasonTerm
 * @internal
 */
export function encodeReasonTerm(reason: ExitReason, codec: PidCodec): EncodedTerm {
  let shutdown: { value: unknown } | undefined;
  try {
    shutdown = shutdownOf(reason);
    const term =
      shutdown === undefined
        ? wordOf(reason)
        : new Tuple(SHUTDOWN, encodeReasonTerm(shutdown.value, codec));
    return new EncodedTerm(encodeTerm(term, codec).subarray(1));
  } catch {
    // A reason that cannot be encoded (or read: a Proxy that throws) still ends the
    // link, as its description; inside {shutdown, X} only X is described, so that the
    // exit stays a normal one.
    const text = describeReasonBriefly(shutdown === undefined ? reason : shutdown.value);
    const term = shutdown === undefined ? wordOf(text) : new Tuple(SHUTDOWN, wordOf(text));
    return new EncodedTerm(encodeTerm(term, codec).subarray(1));
  }
}

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

/** The atom of one of OTP's words, else `reason` itself. */
function wordOf(reason: ExitReason): unknown {
  return typeof reason === 'string' && REASON_WORDS.has(reason) ? Symbol.for(reason) : reason;
}

/** `x` of a reason `{ shutdown: x }` (a plain object with that one field). May throw (a Proxy). */
function shutdownOf(reason: ExitReason): { value: unknown } | undefined {
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
