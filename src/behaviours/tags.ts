/**
 * How the server engine tells its own messages and callback results from user
 * values: each of those classes carries a tag on its prototype, under a private
 * symbol. One property read, cached by V8 per shape for hits and misses alike,
 * classifies a value; `Object.getPrototypeOf` or a private-brand check that misses
 * each cost several times that, once per message and per result (figures in
 * bench/RESULTS.md).
 *
 * The tags are private symbols too, so no user value carries one by accident (only a
 * Proxy forwarding to one of our objects could, as its `getPrototypeOf` trap could
 * fake a prototype before). A Proxy's trap can throw, hence the guard.
 * @internal
 */
export const tagKey: unique symbol = Symbol('otp-ts.tag');

/** The tags. @internal */
export const CALL_TAG: unique symbol = Symbol('call');
/** @internal */ export const SYSTEM_TAG: unique symbol = Symbol('system');
/** @internal */ export const CAST_TAG: unique symbol = Symbol('cast');
/** @internal */ export const START_TAG: unique symbol = Symbol('start');
/** @internal */ export const IDLE_TAG: unique symbol = Symbol('idle');
/** @internal */ export const OK_TAG: unique symbol = Symbol('ok');
/** @internal */ export const REPLY_TAG: unique symbol = Symbol('reply');
/** @internal */ export const NOREPLY_TAG: unique symbol = Symbol('noreply');
/** @internal */ export const STOP_TAG: unique symbol = Symbol('stop');
/** @internal */ export const IGNORE_TAG: unique symbol = Symbol('ignore');

/** Puts `tag` on the prototype of `Class`, for `tagOf` to find on its instances. @internal */
export function tagClass(Class: { prototype: object }, tag: symbol): void {
  Object.defineProperty(Class.prototype, tagKey, { value: tag });
}

/** The tag of an object: one of ours, or `undefined` for any other value. @internal */
export function tagOf(value: object): unknown {
  try {
    return (value as { [tagKey]?: unknown })[tagKey];
  } catch {
    // A Proxy whose trap throws: a user value like any other.
    return undefined;
  }
}
