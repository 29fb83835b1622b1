import { describeValue } from '../describe.js';
import type { ExitReason } from '../types.js';
import { IGNORE_TAG, NOREPLY_TAG, OK_TAG, REPLY_TAG, STOP_TAG, tagClass, tagOf } from './tags.js';

/**
 * Options a callback result may carry.
 *
 * @example
 * ```ts
 * return noreply(state, { continue: 'load', timeout: 1000 });
 * ```
 */
export interface ResultOptions {
  /** Run `handleContinue(continue, state)` before the next message. */
  continue?: unknown;
  /** Deliver the symbol `Timeout` to `handleInfo` if no message arrives within this many ms. */
  timeout?: number;
}

declare const replyType: unique symbol;

/**
 * Declares the reply type of a call request, so that `replyTo` in `handleCall` and
 * a typed handle's `call` know it. It adds no runtime field.
 *
 * @example
 * ```ts
 * type CounterCall =
 *   | ({ type: 'get' } & Returns<number>)
 *   | ({ type: 'list' } & Returns<string[]>);
 * ```
 */
export interface Returns<R> {
  // Boxed: inferring from a bare optional property would drop `undefined` from `R`.
  /** Never set: it only carries the reply type `R` for the type checker. */
  readonly [replyType]?: {
    /** The reply type. */
    readonly reply: R;
  };
}

/**
 * The reply type a call request declares with {@link Returns}; `unknown` if none.
 *
 * @example
 * ```ts
 * type N = ReplyOf<{ type: 'get' } & Returns<number>>; // number
 * ```
 */
export type ReplyOf<Q> = Q extends Returns<infer R> ? R : unknown;

/** What a result made by {@link ok}, {@link reply}, {@link noreply}, {@link stop} or {@link ignore} is. @internal */
export type ResultKind = 'ok' | 'reply' | 'noreply' | 'stop' | 'ignore';

/**
 * The kind of a callback result, or `undefined` for any other value (a bare state):
 * read from the tag on its class's prototype (see tags.ts). @internal
 */
export function resultKind(value: unknown): ResultKind | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  switch (tagOf(value)) {
    case REPLY_TAG:
      return 'reply';
    case NOREPLY_TAG:
      return 'noreply';
    case STOP_TAG:
      return 'stop';
    case OK_TAG:
      return 'ok';
    case IGNORE_TAG:
      return 'ignore';
    default:
      return undefined;
  }
}

/** `init` finished: this is the state. Made by {@link ok}. */
export class OkResult<S> {
  readonly #brand = 'ok';
  constructor(
    /** The state to start with. */
    readonly state: S,
    /** `continue` and `timeout`, if given. */
    readonly opts: ResultOptions | undefined,
  ) {}
  /** @internal */
  get kind(): 'ok' {
    return this.#brand as 'ok';
  }
}

/** Reply to the caller, then keep this state. Made by {@link reply} or {@link replyTo}. */
export class ReplyResult<R, S> {
  readonly #brand = 'reply';
  constructor(
    /** The reply sent to the caller. */
    readonly value: R,
    /** The new state. */
    readonly state: S,
    /** `continue` and `timeout`, if given. */
    readonly opts: ResultOptions | undefined,
  ) {}
  /** @internal */
  get kind(): 'reply' {
    return this.#brand as 'reply';
  }
}

/** Keep this state without replying (reply later with `GenServer.reply`). Made by {@link noreply}. */
export class NoReplyResult<S> {
  readonly #brand = 'noreply';
  constructor(
    /** The new state. */
    readonly state: S,
    /** `continue` and `timeout`, if given. */
    readonly opts: ResultOptions | undefined,
  ) {}
  /** @internal */
  get kind(): 'noreply' {
    return this.#brand as 'noreply';
  }
}

/** Stop the server with `reason` (after replying, from `handleCall`). Made by {@link stop}. */
export class StopResult<S, R = unknown> {
  readonly #brand = 'stop';
  constructor(
    /** The exit reason, passed to `terminate`. */
    readonly reason: ExitReason,
    /** The state passed to `terminate`. */
    readonly state: S | undefined,
    /** Whether `reply` is sent to the caller before stopping (from `handleCall`). */
    readonly hasReply: boolean,
    /** The reply, when `hasReply`. */
    readonly reply: R | undefined,
  ) {}
  /** @internal */
  get kind(): 'stop' {
    return this.#brand as 'stop';
  }
}

/** `init` declines to start: the start fails with reason `'ignore'`. Made by {@link ignore}. */
export class IgnoreResult {
  readonly #brand = 'ignore';
  /** @internal */
  get kind(): 'ignore' {
    return this.#brand as 'ignore';
  }
}

/**
 * From `init`: start with `state`, optionally with a `continue` or a `timeout`.
 * (A bare state does the same without options.)
 *
 * @example
 * ```ts
 * init(n: number) { return ok({ n }, { continue: 'warm-up' }); }
 * ```
 */
export function ok<S>(state: S, opts?: ResultOptions): OkResult<S> {
  if (opts !== undefined) checkOptions(opts, 'ok');
  return new OkResult(state, opts);
}

/**
 * Checks a result's options where the result is built, so a bad one throws in the
 * callback that made it (and ends the server with an error naming the helper).
 */
function checkOptions(opts: unknown, helper: string): void {
  if (typeof opts !== 'object' || opts === null) {
    throw new TypeError(
      `${helper}: expected options { continue?, timeout? }, got ${describeValue(opts, 100)}`,
    );
  }
  const timeout = (opts as ResultOptions).timeout;
  if (timeout === undefined) return;
  if (typeof timeout !== 'number' || Number.isNaN(timeout) || timeout < 0) {
    throw new (typeof timeout === 'number' ? RangeError : TypeError)(
      `${helper}: expected option \`timeout\` to be a number of ms >= 0 or Infinity, got ${describeValue(timeout, 100)}`,
    );
  }
}

/**
 * From `handleCall`: send `value` to the caller and keep `state`.
 *
 * @example
 * ```ts
 * handleCall(req: 'get', _from: From, n: number) { return reply(n, n); }
 * ```
 * @see {@link replyTo} for a reply checked against the request's declared type.
 */
export function reply<R, S>(value: R, state: S, opts?: ResultOptions): ReplyResult<R, S> {
  if (opts !== undefined) checkOptions(opts, 'reply');
  return new ReplyResult(value, state, opts);
}

/**
 * From `handleCall`: like {@link reply}, but `value` must have the reply type that
 * `request` declares with {@link Returns}, so a wrong reply for a variant fails to compile.
 *
 * @example
 * ```ts
 * case 'get': return replyTo(request, state.count, state); // must be a number
 * ```
 */
export function replyTo<Q, S>(
  _request: Q,
  value: ReplyOf<Q>,
  state: S,
  opts?: ResultOptions,
): ReplyResult<ReplyOf<Q>, S> {
  if (opts !== undefined) checkOptions(opts, 'replyTo');
  return new ReplyResult(value, state, opts);
}

/**
 * From any callback but `init`: keep `state` without replying now.
 *
 * @example
 * ```ts
 * handleCall(req, from, state) { queue.push(from); return noreply(state); }
 * ```
 */
export function noreply<S>(state: S, opts?: ResultOptions): NoReplyResult<S> {
  if (opts !== undefined) checkOptions(opts, 'noreply');
  return new NoReplyResult(state, opts);
}

/**
 * Stop the server with `reason`: `terminate(reason, state)` runs, then the process
 * exits. From `handleCall`, a third argument is first sent to the caller as the
 * reply. From `init`, the start fails with `StartError` carrying `reason`.
 *
 * @example
 * ```ts
 * return stop('normal', state, 'bye');
 * ```
 */
export function stop<S = undefined, R = unknown>(
  reason: ExitReason,
  state?: S,
  ...replyValue: [] | [R]
): StopResult<S, R> {
  return new StopResult<S, R>(reason, state, replyValue.length > 0, replyValue[0]);
}

/**
 * From `init`: do not start. `rt.start` rejects with `StartError` whose reason is
 * `'ignore'`; a supervisor keeps the child in its list, not running.
 *
 * @example
 * ```ts
 * init(config) { return config.enabled ? config : ignore(); }
 * ```
 */
export function ignore(): IgnoreResult {
  return new IgnoreResult();
}

tagClass(OkResult, OK_TAG);
tagClass(ReplyResult, REPLY_TAG);
tagClass(NoReplyResult, NOREPLY_TAG);
tagClass(StopResult, STOP_TAG);
tagClass(IgnoreResult, IGNORE_TAG);
