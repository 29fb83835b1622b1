import { describeReasonBriefly } from '../../describe.js';
import type { ExitReason } from '../../types.js';
import { encodeTerm } from './encode.js';
import { SHUTDOWN, shutdownOf, wordOf } from './reason-terms.js';
import { EncodedTerm, type PidCodec, Tuple } from './terms.js';

// Exit and monitor reasons on the wire, for the control messages EXIT, EXIT2 and
// MONITOR_P_EXIT: the mapping is in reason-terms.ts (which the message encoder uses
// too, for the reasons inside Exit, Down and NodeDown); this file adds the encoding,
// which never fails.

export { decodeReasonTerm, REASON_WORDS } from './reason-terms.js';

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
