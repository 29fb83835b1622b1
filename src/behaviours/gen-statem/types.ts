import type { Down, Exit } from '../../core/kernel.js';
import type { From } from '../gen.js';
import type { ReplyOf } from '../results.js';

// The events a GenStatem's handleEvent gets and the actions it may return, as
// gen_statem's event_type() and action(). Types only: the engine (core.ts) checks
// them at run time, for JavaScript callers and for values TypeScript cannot see.

/**
 * A call: answer it with a `reply` action (`Statem.reply(event.from, value)`) or later
 * with `GenStatem.reply(from, value)`. `from` accepts the replies the `Call` variants
 * declare with `Returns<R>`; `Statem.replyTo(from, request, value)` checks a reply
 * against the one variant it answers.
 *
 * @example
 * ```ts
 * if (event.type === 'call') return Statem.keepStateAndData([Statem.reply(event.from, data.count)]);
 * ```
 */
export interface StatemCallEvent<Call = unknown> {
  /** Which kind it is. */
  readonly type: 'call';
  /** Who called: the `from` of a `reply` action or of `GenStatem.reply`. */
  readonly from: From<ReplyOf<Call>>;
  /** The request. */
  readonly content: Call;
}

/**
 * A cast (`GenStatem.cast`).
 * @example
 * ```ts
 * if (event.type === 'cast' && event.content.type === 'button') { ... }
 * ```
 */
export interface StatemCastEvent<Cast = unknown> {
  /** Which kind it is. */
  readonly type: 'cast';
  /** What it carries. */
  readonly content: Cast;
}

/**
 * Any other message: a plain send, and `Exit` (when trapping exits) or `Down`.
 * @example
 * ```ts
 * if (event.type === 'info' && event.content instanceof Down) { ... }
 * ```
 */
export interface StatemInfoEvent<Info = unknown> {
  /** Which kind it is. */
  readonly type: 'info';
  /** What it carries. */
  readonly content: Info | Exit | Down;
}

/**
 * The event timeout fired: no event came within its time (a `timeout` action).
 * @example
 * ```ts
 * if (event.type === 'timeout') return Statem.nextState('idle', data);
 * ```
 */
export interface StatemTimeoutEvent {
  /** Which kind it is. */
  readonly type: 'timeout';
  /** The `content` of the action that set it. */
  readonly content: unknown;
}

/**
 * The state timeout fired: the state did not change within its time (a
 * `state_timeout` action).
 * @example
 * ```ts
 * if (event.type === 'state_timeout') return Statem.nextState('locked', data);
 * ```
 */
export interface StatemStateTimeoutEvent {
  /** Which kind it is. */
  readonly type: 'state_timeout';
  /** The `content` of the action that set it. */
  readonly content: unknown;
}

/**
 * A generic timeout fired (a `generic_timeout` action).
 * @example
 * ```ts
 * if (event.type === 'generic_timeout' && event.name === 'heartbeat') { ... }
 * ```
 */
export interface StatemGenericTimeoutEvent {
  /** Which kind it is. */
  readonly type: 'generic_timeout';
  /** The name the action gave it. */
  readonly name: unknown;
  /** The `content` of the action that set it. */
  readonly content: unknown;
}

/**
 * An event a `next_event` action inserted with type `'internal'`.
 * @example
 * ```ts
 * if (event.type === 'internal' && event.content === 'flush') { ... }
 * ```
 */
export interface StatemInternalEvent {
  /** Which kind it is. */
  readonly type: 'internal';
  /** What it carries. */
  readonly content: unknown;
}

/**
 * The state enter call, with `static stateEnter = true`: after `init` (with `oldState`
 * the initial state itself), after every state change, and on `repeatState`. It may
 * keep or repeat the state, change the data, reply, set timeouts, or stop; changing
 * the state, postponing or inserting events ends the machine with an error.
 * @example
 * ```ts
 * if (event.type === 'enter') return Statem.keepStateAndData([{ type: 'state_timeout', time: 10_000, content: 'lock' }]);
 * ```
 */
export interface StatemEnterEvent<State = unknown> {
  /** Which kind it is. */
  readonly type: 'enter';
  /** The state before the change (the state itself after `init` and on `repeatState`). */
  readonly oldState: State;
}

/**
 * What `handleEvent` gets: a union on `type`. Switch on `event.type`; the state enter
 * call comes only with `static stateEnter = true`.
 *
 * @typeParam State - the machine's states (for `oldState` of an enter call).
 * @typeParam Call - the call requests; declare replies with `Returns<R>`.
 * @typeParam Cast - the cast requests.
 * @typeParam Info - the plain messages it expects (it also gets `Exit` and `Down`).
 *
 * @example
 * ```ts
 * type DoorEvent = StatemEvent<DoorState, DoorCall, DoorCast>;
 * override handleEvent(event: DoorEvent, state: DoorState, data: DoorData) {
 *   switch (event.type) {
 *     case 'cast': ...
 *   }
 * }
 * ```
 */
export type StatemEvent<State = unknown, Call = unknown, Cast = unknown, Info = unknown> =
  | StatemCallEvent<Call>
  | StatemCastEvent<Cast>
  | StatemInfoEvent<Info>
  | StatemTimeoutEvent
  | StatemStateTimeoutEvent
  | StatemGenericTimeoutEvent
  | StatemInternalEvent
  | StatemEnterEvent<State>;

/**
 * Answer a call: `value` goes to the caller of `from`. Replies are sent as the actions
 * are read, in order. Made by `Statem.reply` or written as it is.
 *
 * @example
 * ```ts
 * return Statem.keepStateAndData([{ type: 'reply', from: event.from, value: 'ok' }]);
 * ```
 */
export interface StatemReplyAction<R = unknown> {
  /** Which kind it is. */
  readonly type: 'reply';
  /** The call to answer. */
  readonly from: From<R>;
  /** The reply. */
  readonly value: R;
}

/**
 * Keep this event and retry it after the next state change (not after a keep or a
 * repeat), in the order the events came, before any event not yet handled.
 *
 * @example
 * ```ts
 * if (state === 'opening') return Statem.keepStateAndData([{ type: 'postpone' }]);
 * ```
 */
export interface StatemPostponeAction {
  /** Which kind it is. */
  readonly type: 'postpone';
}

/**
 * An event a `next_event` action inserts.
 * @example
 * ```ts
 * const event: StatemInsertedEvent = { type: 'internal', content: 'check' };
 * ```
 */
export type StatemInsertedEvent<Call = unknown, Cast = unknown, Info = unknown> =
  | StatemInternalEvent
  | StatemCastEvent<Cast>
  | StatemInfoEvent<Info>
  | StatemCallEvent<Call>;

/**
 * Handle `event` next, before any message already queued; the events of several
 * `next_event` actions keep their order.
 *
 * @example
 * ```ts
 * return Statem.nextState('ready', data, [{ type: 'next_event', event: { type: 'internal', content: 'load' } }]);
 * ```
 */
export interface StatemNextEventAction<Call = unknown, Cast = unknown, Info = unknown> {
  /** Which kind it is. */
  readonly type: 'next_event';
  /** The event to handle next. */
  readonly event: StatemInsertedEvent<Call, Cast, Info>;
}

/**
 * The event timeout: a `{ type: 'timeout' }` event comes after `time` ms unless an
 * event comes first (any event cancels it). `time: 0` fires at once, before any
 * message already in the mailbox, unless an event is already queued; `Infinity`
 * cancels it.
 *
 * @example
 * ```ts
 * return Statem.keepState(data, [{ type: 'timeout', time: 30_000, content: 'idle' }]);
 * ```
 */
export interface StatemTimeoutAction {
  /** Which kind it is. */
  readonly type: 'timeout';
  /** ms, >= 0; `Infinity` cancels. */
  readonly time: number;
  /** The `content` of the timeout event. */
  readonly content?: unknown;
}

/**
 * The state timeout: a `{ type: 'state_timeout' }` event comes after `time` ms unless
 * the state changes first. A new one replaces the old; `Infinity` cancels it. Set
 * with a state change (or in the enter call), it belongs to the new state.
 *
 * @example
 * ```ts
 * return Statem.nextState('open', data, [{ type: 'state_timeout', time: 10_000, content: 'lock' }]);
 * ```
 */
export interface StatemStateTimeoutAction {
  /** Which kind it is. */
  readonly type: 'state_timeout';
  /** ms, >= 0; `Infinity` cancels. */
  readonly time: number;
  /** The `content` of the timeout event. */
  readonly content?: unknown;
}

/**
 * A generic timeout, by name: a `{ type: 'generic_timeout', name }` event comes after
 * `time` ms. Neither events nor state changes cancel it; a new one of the same name
 * replaces it, and `Infinity` cancels it.
 *
 * @example
 * ```ts
 * return Statem.keepStateAndData([{ type: 'generic_timeout', name: 'tick', time: 1000 }]);
 * ```
 */
export interface StatemGenericTimeoutAction {
  /** Which kind it is. */
  readonly type: 'generic_timeout';
  /** Which timeout: compared with `===` (Erlang compares the term). */
  readonly name: unknown;
  /** ms, >= 0; `Infinity` cancels. */
  readonly time: number;
  /** The `content` of the timeout event. */
  readonly content?: unknown;
}

/**
 * What a transition may do besides changing the state and the data, applied in order.
 * A `reply` action is checked against the replies the `Call` variants declare.
 *
 * @example
 * ```ts
 * const actions: StatemAction<DoorCall>[] = [{ type: 'postpone' }, { type: 'timeout', time: 100 }];
 * ```
 */
export type StatemAction<Call = unknown, Cast = unknown, Info = unknown> =
  // One reply action per call variant, with the reply type it declares (distributes over Call).
  | (Call extends unknown ? StatemReplyAction<ReplyOf<Call>> : never)
  | StatemPostponeAction
  | StatemNextEventAction<Call, Cast, Info>
  | StatemTimeoutAction
  | StatemStateTimeoutAction
  | StatemGenericTimeoutAction;
