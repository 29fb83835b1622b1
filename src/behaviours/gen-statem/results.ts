import type { ExitReason } from '../../types.js';
import type { From } from '../gen.js';
import type { ReplyOf } from '../results.js';
import type { StatemAction, StatemReplyAction } from './types.js';

// What a StatemResult asks for: one number, so the engine reads one field and switches.
// The keeps first: `op <= KEEP_STATE_AND_DATA` is the engine's fast path.
/** @internal */ export const KEEP_STATE = 0;
/** @internal */ export const KEEP_STATE_AND_DATA = 1;
/** @internal */ export const NEXT_STATE = 2;
/** @internal */ export const REPEAT_STATE = 3;
/** @internal */ export const REPEAT_STATE_AND_DATA = 4;
/** Stop, keeping the data. @internal */ export const STOP = 5;
/** Stop with new data. @internal */ export const STOP_WITH_DATA = 6;
/** @internal */ export const STOP_AND_REPLY = 7;
/** @internal */ export const STOP_AND_REPLY_WITH_DATA = 8;

// The helpers' state parameter is constrained to `string | number | ... | {} | null |
// undefined`: any value (`{}` lets `unknown` in), spelled so that a literal state
// (`'open'`) is inferred as that literal, not widened to `string` (TypeScript keeps
// literals for a type parameter whose constraint names primitive types). Written out
// in each signature, so the API documentation shows it.

/**
 * What `handleEvent` returns: made by the `Statem` helpers (`nextState`, `keepState`,
 * `stop`...). `S`, `D` and `A` are the state, data and actions it carries (`never`
 * where it carries none), so TypeScript checks them against the machine's types.
 *
 * @example
 * ```ts
 * const result: StatemResult<'open', Data, never> = Statem.nextState('open', data);
 * ```
 */
export class StatemResult<S, D, A> {
  // A TypeScript-only brand (nothing at run time: one field fewer to set per event)
  // makes the class nominal, so no other object passes for a result.
  declare private readonly brand: 'statem';
  /** @internal */
  constructor(
    /** @internal */ readonly op: number,
    /** The next state (`nextState` only). */
    readonly state: S,
    /** The new data, where the helper takes one. */
    readonly data: D,
    /** The actions (for `stopAndReply`, its replies), or `undefined`. */
    readonly actions: readonly A[] | undefined,
    /** The exit reason (`stop` and `stopAndReply` only). */
    readonly reason: ExitReason,
  ) {}
}

/**
 * What `init` returns to start: made by `Statem.ok(state, data, actions?)`.
 *
 * @example
 * ```ts
 * override init(code: string) { return Statem.ok('locked', { code }); }
 * ```
 */
export class StatemOk<S, D, A> {
  declare private readonly brand: 'statem-ok';
  /** @internal */
  constructor(
    /** The initial state. */
    readonly state: S,
    /** The initial data. */
    readonly data: D,
    /** Actions to apply at once, as after an event (no postpone: there is no event). */
    readonly actions: readonly A[] | undefined,
  ) {}
}

/**
 * The results and actions of a {@link GenStatem}'s callbacks, as gen_statem's return
 * tuples. Every helper that takes `actions` applies them in order; without actions
 * nothing is allocated for them.
 *
 * @example
 * ```ts
 * override handleEvent(event: DoorEvent, state: DoorState, data: DoorData) {
 *   if (state === 'locked' && event.type === 'cast') return Statem.nextState('open', data);
 *   return Statem.keepStateAndData([{ type: 'postpone' }]);
 * }
 * ```
 */
export const Statem = {
  /**
   * From `init`: start in `state` with `data`, then apply `actions` (timeouts,
   * `next_event`, replies). With `stateEnter`, the enter call comes first.
   * @example
   * ```ts
   * override init(code: string) { return Statem.ok('locked', { code, input: '' }); }
   * ```
   */
  ok<
    S extends string | number | bigint | boolean | symbol | {} | null | undefined,
    D,
    const A extends StatemAction<unknown, unknown, unknown> = StatemAction<never, never, never>,
  >(state: S, data: D, actions?: readonly A[]): StatemOk<S, D, A> {
    return new StatemOk(state, data, actions);
  },

  /**
   * Go to `state` with `data` (gen_statem's `next_state`). A different state (by
   * value, as Erlang compares terms) is a state change: the state timeout is
   * cancelled, postponed events are retried and, with `stateEnter`, the enter call
   * runs. The same state is a keep.
   * @example
   * ```ts
   * return Statem.nextState('open', data, [{ type: 'state_timeout', time: 10_000, content: 'lock' }]);
   * ```
   */
  nextState<
    S extends string | number | bigint | boolean | symbol | {} | null | undefined,
    D,
    const A extends StatemAction<unknown, unknown, unknown> = StatemAction<never, never, never>,
  >(state: S, data: D, actions?: readonly A[]): StatemResult<S, D, A> {
    return new StatemResult(NEXT_STATE, state, data, actions, 'normal');
  },

  /**
   * Stay in the state with new `data`.
   * @example
   * ```ts
   * return Statem.keepState({ ...data, input: data.input + digit });
   * ```
   */
  keepState<
    D,
    const A extends StatemAction<unknown, unknown, unknown> = StatemAction<never, never, never>,
  >(data: D, actions?: readonly A[]): StatemResult<never, D, A> {
    return new StatemResult(KEEP_STATE, undefined as never, data, actions, 'normal');
  },

  /**
   * Stay in the state, data unchanged; only `actions`.
   * @example
   * ```ts
   * return Statem.keepStateAndData([{ type: 'postpone' }]);
   * ```
   */
  keepStateAndData<
    const A extends StatemAction<unknown, unknown, unknown> = StatemAction<never, never, never>,
  >(actions?: readonly A[]): StatemResult<never, never, A> {
    return new StatemResult(
      KEEP_STATE_AND_DATA,
      undefined as never,
      undefined as never,
      actions,
      'normal',
    );
  },

  /**
   * Stay in the state with new `data`, but run the enter call again (with
   * `stateEnter`; otherwise as `keepState`). Postponed events stay postponed.
   * @example
   * ```ts
   * return Statem.repeatState({ ...data, attempts: data.attempts + 1 });
   * ```
   */
  repeatState<
    D,
    const A extends StatemAction<unknown, unknown, unknown> = StatemAction<never, never, never>,
  >(data: D, actions?: readonly A[]): StatemResult<never, D, A> {
    return new StatemResult(REPEAT_STATE, undefined as never, data, actions, 'normal');
  },

  /**
   * As `repeatState`, data unchanged.
   * @example
   * ```ts
   * return Statem.repeatStateAndData();
   * ```
   */
  repeatStateAndData<
    const A extends StatemAction<unknown, unknown, unknown> = StatemAction<never, never, never>,
  >(actions?: readonly A[]): StatemResult<never, never, A> {
    return new StatemResult(
      REPEAT_STATE_AND_DATA,
      undefined as never,
      undefined as never,
      actions,
      'normal',
    );
  },

  /**
   * Stop the machine with `reason`: `terminate(reason, state, data)` runs (with the new
   * `data` when given), then the process exits.
   * @example
   * ```ts
   * return Statem.stop('normal');
   * ```
   */
  stop<D = never>(reason: ExitReason, ...data: [] | [D]): StatemResult<never, D, never> {
    return data.length === 0
      ? new StatemResult(STOP, undefined as never, undefined as never, undefined, reason)
      : new StatemResult(STOP_WITH_DATA, undefined as never, data[0] as D, undefined, reason);
  },

  /**
   * Send `replies` (reply actions), then stop as {@link Statem.stop} does.
   * @example
   * ```ts
   * if (event.type === 'call') return Statem.stopAndReply('normal', [Statem.reply(event.from, 'bye')]);
   * ```
   */
  stopAndReply<D = never, const A extends StatemReplyAction<unknown> = never>(
    reason: ExitReason,
    replies: readonly A[],
    ...data: [] | [D]
  ): StatemResult<never, D, A> {
    return data.length === 0
      ? new StatemResult(STOP_AND_REPLY, undefined as never, undefined as never, replies, reason)
      : new StatemResult(
          STOP_AND_REPLY_WITH_DATA,
          undefined as never,
          data[0] as D,
          replies,
          reason,
        );
  },

  /**
   * A `reply` action: `value` must be one of the replies `from`'s call declares.
   * @example
   * ```ts
   * return Statem.keepStateAndData([Statem.reply(event.from, data.count)]);
   * ```
   */
  reply<R>(from: From<R>, value: NoInfer<R>): StatemReplyAction<R> {
    return { type: 'reply', from, value };
  },

  /**
   * A `reply` action checked against the one call variant it answers: `value` must
   * have the reply type `request` declares with `Returns<R>` (as GenServer's `replyTo`).
   * @example
   * ```ts
   * case 'get': return Statem.keepStateAndData([Statem.replyTo(event.from, event.content, data.count)]);
   * ```
   */
  replyTo<Q>(
    from: From<ReplyOf<Q>>,
    _request: Q,
    value: ReplyOf<Q>,
  ): StatemReplyAction<ReplyOf<Q>> {
    return { type: 'reply', from, value };
  },
} as const;
