import {
  addTimer,
  cancelTimer,
  isThenable,
  now,
  type Process,
  processOfSelf,
  type Runtime,
} from '../../core/kernel.js';
import { describeValue } from '../../describe.js';
import type { ExitReason } from '../../types.js';
import { From } from '../gen.js';
import {
  IgnoreResult,
  type NoReplyResult,
  noreply,
  type OkResult,
  ok,
  StopResult,
  stop,
} from '../results.js';
import { adoptState, formatState, type ServerCallbacks } from '../server-callbacks.js';
import type { ServerEngine } from '../server-engine.js';
import {
  KEEP_STATE,
  KEEP_STATE_AND_DATA,
  NEXT_STATE,
  REPEAT_STATE,
  REPEAT_STATE_AND_DATA,
  STOP,
  STOP_AND_REPLY,
  STOP_AND_REPLY_WITH_DATA,
  STOP_WITH_DATA,
  StatemOk,
  StatemResult,
} from './results.js';
import { sameState } from './same-state.js';
import {
  EVENT_TIMEOUT,
  GENERIC_TIMEOUT,
  STATE_TIMEOUT,
  StatemTimer,
  supersededAfter,
  timeoutKind,
} from './timeouts.js';

// A GenStatem runs on the GenServer engine, as OTP's supervisor runs on gen_server:
// the engine takes each message, runs the start handshake, Sys, the parent's exit,
// terminate and crash reports; this file turns the messages into events, calls
// handleEvent, and applies what it returns as gen_statem does (loop_state_callback
// and after). Its own queue holds the events handled before the next message: those
// inserted by next_event, the postponed ones retried after a state change, and the
// timeouts of time 0.

/** What a GenStatem instance provides: its callbacks. @internal */
export interface MachineCallbacks {
  init(arg: unknown): unknown;
  handleEvent(event: unknown, state: unknown, data: unknown): unknown;
  terminate(reason: ExitReason, state: unknown, data: unknown): unknown;
}

/** What applying a result comes to: go on (`undefined`), stop, or that once settled. */
type Outcome = undefined | StopResult<unknown> | Promise<undefined | StopResult<unknown>>;

/**
 * What the engine keeps as the state of a GenStatem: the machine's state and data live
 * in the core, and a primitive is what the engine takes from a callback with the least
 * work (no tag or `then` to look up on every event; figures in bench/RESULTS.md).
 */
const CURRENT: unique symbol = Symbol('GenStatem state');

/** The `handleContinue` argument that runs init's actions and the first enter call. */
const AFTER_INIT: unique symbol = Symbol('after init');

// Where actions come from: what each may do differs.
const FROM_EVENT = 0;
const FROM_ENTER = 1;
const FROM_INIT = 2;

/** What a transition's actions ask for besides replies (sent as they are read). */
interface Plan {
  postpone: boolean;
  inserted: unknown[] | undefined;
  timeouts: Record<string, unknown>[] | undefined;
}

const RESULT_SHAPES =
  'Statem.nextState(state, data, actions?), Statem.keepState(data, actions?), Statem.keepStateAndData(actions?), ' +
  'Statem.repeatState(data, actions?), Statem.repeatStateAndData(actions?), Statem.stop(reason, data?) ' +
  'or Statem.stopAndReply(reason, replies, data?)';

/**
 * The callbacks the engine drives for a GenStatem: state, data, the queue of internal
 * events, the postponed events and the running timeouts.
 * @internal
 */
export class StatemCore implements ServerCallbacks {
  state: unknown = undefined;
  data: unknown = undefined;
  readonly #machine: MachineCallbacks;
  readonly #stateEnter: boolean;
  readonly #noreply: NoReplyResult<typeof CURRENT>;
  #engine: ServerEngine | undefined = undefined;
  #proc: Process | undefined = undefined;
  #runtime: Runtime | undefined = undefined;
  /** Events to handle before the next message, from `#head` on. */
  #queue: unknown[] | undefined = undefined;
  #head = 0;
  /** Postponed events, oldest first. */
  #postponed: unknown[] | undefined = undefined;
  #eventTimer: StatemTimer | undefined = undefined;
  #stateTimer: StatemTimer | undefined = undefined;
  #generic: Map<unknown, StatemTimer> | undefined = undefined;
  /** init's actions, until the continuation after init applies them. */
  #initActions: readonly unknown[] | undefined = undefined;

  constructor(machine: MachineCallbacks, stateEnter: boolean) {
    this.#machine = machine;
    this.#stateEnter = stateEnter;
    // The one result a call returns to the engine: the core keeps the state itself.
    this.#noreply = noreply(CURRENT);
  }

  /** The engine that runs it, before the process takes its first message. */
  attach(engine: ServerEngine): void {
    this.#engine = engine;
  }

  get #who(): string {
    return this.#engine?.who ?? 'GenStatem';
  }

  // ── The engine's callbacks ────────────────────────────────────────────────

  init(arg: unknown): unknown {
    const result = this.#machine.init(arg);
    if (isThenable(result)) return Promise.resolve(result).then((value) => this.#started(value));
    return this.#started(result);
  }

  #started(result: unknown): OkResult<typeof CURRENT> | StopResult<unknown> | IgnoreResult {
    if (result instanceof StatemOk) {
      this.state = result.state;
      this.data = result.data;
      const actions: unknown = result.actions;
      if (actions === undefined && !this.#stateEnter) return ok(CURRENT);
      if (actions !== undefined && !Array.isArray(actions)) {
        throw this.#badActions('init', actions);
      }
      this.#initActions = actions;
      // The engine acknowledges the start, then runs this before any message, as
      // gen_statem applies init's actions and makes the first enter call after init_ack.
      return ok(CURRENT, { continue: AFTER_INIT });
    }
    if (result instanceof StopResult || result instanceof IgnoreResult) return result;
    if (result instanceof StatemResult && (result.op === STOP || result.op === STOP_WITH_DATA)) {
      return stop(result.reason);
    }
    throw new TypeError(
      `${this.#who}: init returned ${describeValue(result, 300)}; expected Statem.ok(state, data, actions?), stop(reason) or ignore()`,
    );
  }

  handleContinue(_arg: unknown, _state: unknown): unknown {
    const actions = this.#initActions;
    this.#initActions = undefined;
    const acted = this.#act(undefined, this.state, false, this.#stateEnter, actions, FROM_INIT);
    // Then the events init inserted, before any message.
    const outcome = acted === undefined ? this.#drain() : this.#then(acted);
    return outcome === undefined ? CURRENT : this.#settle(outcome, CURRENT);
  }

  handleCall(request: unknown, from: From, _state: unknown): unknown {
    if (this.#eventTimer !== undefined) this.#cancel(this.#eventTimer);
    const outcome = this.#run({ type: 'call', from, content: request });
    return outcome === undefined ? this.#noreply : this.#settle(outcome, this.#noreply);
  }

  handleCast(request: unknown, _state: unknown): unknown {
    if (this.#eventTimer !== undefined) this.#cancel(this.#eventTimer);
    const outcome = this.#run({ type: 'cast', content: request });
    return outcome === undefined ? CURRENT : this.#settle(outcome, CURRENT);
  }

  handleInfo(message: unknown, _state: unknown): unknown {
    let event: unknown;
    if (message instanceof StatemTimer) {
      // A timeout cancelled or replaced after it fired: no event, and no event to cancel the event timeout.
      if (!this.#isRunning(message)) return CURRENT;
      this.#forget(message);
      event = message.toEvent();
    } else {
      event = { type: 'info', content: message };
    }
    if (this.#eventTimer !== undefined) this.#cancel(this.#eventTimer);
    const outcome = this.#run(event);
    return outcome === undefined ? CURRENT : this.#settle(outcome, CURRENT);
  }

  terminate(reason: ExitReason, _state: unknown): unknown {
    this.#cancelAll();
    return this.#machine.terminate(reason, this.state, this.data);
  }

  /** What Sys and crash reports show: `[state, data]`, as gen_statem's `{State, Data}`. */
  [formatState](state: unknown): unknown {
    return state === CURRENT ? [this.state, this.data] : state;
  }

  /** Takes the `[state, data]` that Sys.replaceState's function returned. */
  [adoptState](replaced: unknown): unknown {
    if (!Array.isArray(replaced) || replaced.length !== 2) {
      throw new TypeError(
        `Sys.replaceState: ${this.#who} is a GenStatem, whose state is [state, data]; the function returned ${describeValue(replaced, 200)}`,
      );
    }
    this.state = replaced[0];
    this.data = replaced[1];
    return CURRENT;
  }

  // ── Events ────────────────────────────────────────────────────────────────

  /** A promise outcome, as the engine takes it: `kept` to go on, or the stop. */
  #settle(outcome: Outcome, kept: unknown): unknown {
    if (outcome instanceof StopResult) return outcome;
    return (outcome as Promise<undefined | StopResult<unknown>>).then((settled) =>
      settled === undefined ? kept : settled,
    );
  }

  /** Handles `first`, then every queued event, until the queue is empty or the machine stops. */
  #run(first: unknown): Outcome {
    let event = first;
    for (;;) {
      const result = this.#machine.handleEvent(event, this.state, this.data);
      if (!(result instanceof StatemResult)) return this.#notResult(event, result);
      const op = result.op;
      // The common case inline: a keep (or a next state that is the same value) with
      // no actions, nothing queued: nothing to allocate, nothing else to call.
      if (
        result.actions === undefined &&
        (op <= KEEP_STATE_AND_DATA || (op === NEXT_STATE && result.state === this.state))
      ) {
        if (op !== KEEP_STATE_AND_DATA) this.data = result.data;
      } else {
        const outcome = this.#transition(event, result);
        if (outcome !== undefined) return this.#then(outcome);
      }
      if (this.#queue === undefined) return undefined;
      event = this.#dequeue();
      if (event === undefined) return undefined;
    }
  }

  /** What handleEvent returned is no result: a promise of one, or a bad return. */
  #notResult(event: unknown, result: unknown): Outcome {
    if (!isThenable(result)) throw this.#badReturn(event, result);
    return Promise.resolve(result).then((value) => this.#resume(event, value));
  }

  /** An async handleEvent settled with `result`: apply it, then go on with the queue. */
  #resume(event: unknown, result: unknown): Outcome {
    if (!(result instanceof StatemResult)) throw this.#badReturn(event, result);
    const outcome = this.#transition(event, result);
    return outcome === undefined ? this.#drain() : this.#then(outcome);
  }

  /** After a stop, or a transition that went async: the stop, or the rest of the queue once settled. */
  #then(outcome: Outcome): Outcome {
    if (outcome instanceof StopResult) return outcome;
    return (outcome as Promise<undefined | StopResult<unknown>>).then((settled) =>
      settled === undefined ? this.#drain() : settled,
    );
  }

  #drain(): Outcome {
    const next = this.#dequeue();
    return next === undefined ? undefined : this.#run(next);
  }

  /** The next queued event, or `undefined` when the queue is empty. */
  #dequeue(): unknown {
    const queue = this.#queue;
    if (queue === undefined) return undefined;
    while (this.#head < queue.length) {
      const entry = queue[this.#head];
      queue[this.#head++] = undefined;
      if (entry instanceof StatemTimer) {
        if (!this.#isRunning(entry)) continue;
        this.#forget(entry);
        // Any event but the event timeout's own cancels the event timeout.
        if (this.#eventTimer !== undefined) this.#cancel(this.#eventTimer);
        return entry.toEvent();
      }
      if (this.#eventTimer !== undefined) this.#cancel(this.#eventTimer);
      return entry;
    }
    this.#queue = undefined;
    this.#head = 0;
    return undefined;
  }

  /** Whether any event waits in the queue. */
  get #queued(): boolean {
    return this.#queue !== undefined && this.#head < this.#queue.length;
  }

  // ── Transitions ───────────────────────────────────────────────────────────

  /** Applies handleEvent's `result` for `event`. The common case, a keep without actions, allocates nothing. */
  #transition(event: unknown, result: StatemResult<unknown, unknown, unknown>): Outcome {
    const actions = result.actions;
    switch (result.op) {
      case KEEP_STATE:
        this.data = result.data;
        return actions === undefined
          ? undefined
          : this.#act(event, this.state, false, false, actions, FROM_EVENT);
      case KEEP_STATE_AND_DATA:
        return actions === undefined
          ? undefined
          : this.#act(event, this.state, false, false, actions, FROM_EVENT);
      case NEXT_STATE: {
        this.data = result.data;
        const next = result.state;
        const changed = !sameState(next, this.state);
        if (!changed && actions === undefined) return undefined;
        return this.#act(event, next, changed, changed && this.#stateEnter, actions, FROM_EVENT);
      }
      case REPEAT_STATE:
        this.data = result.data;
        return this.#act(event, this.state, false, this.#stateEnter, actions, FROM_EVENT);
      case REPEAT_STATE_AND_DATA:
        return this.#act(event, this.state, false, this.#stateEnter, actions, FROM_EVENT);
      default:
        return this.#stop(result, 'handleEvent');
    }
  }

  /**
   * The full transition: read the actions (sending replies), move to `next`, make the
   * enter call, then postpone, requeue and start timeouts.
   */
  #act(
    event: unknown,
    next: unknown,
    changed: boolean,
    enter: boolean,
    actions: readonly unknown[] | undefined,
    from: number,
  ): Outcome {
    const plan: Plan = { postpone: false, inserted: undefined, timeouts: undefined };
    if (actions !== undefined) this.#read(actions, plan, from, event);
    const oldState = this.state;
    this.state = next;
    return enter ? this.#enter(event, plan, oldState, changed) : this.#commit(event, plan, changed);
  }

  /** The state enter call, with `oldState` (the state itself after init and on repeat). */
  #enter(event: unknown, plan: Plan, oldState: unknown, changed: boolean): Outcome {
    const enter = { type: 'enter', oldState };
    const result = this.#machine.handleEvent(enter, this.state, this.data);
    if (!(result instanceof StatemResult) && isThenable(result)) {
      return Promise.resolve(result).then((value) =>
        this.#entered(event, plan, oldState, changed, value),
      );
    }
    return this.#entered(event, plan, oldState, changed, result);
  }

  #entered(
    event: unknown,
    plan: Plan,
    oldState: unknown,
    changed: boolean,
    result: unknown,
  ): Outcome {
    if (!(result instanceof StatemResult))
      throw this.#badReturn({ type: 'enter', oldState }, result);
    let repeat = false;
    switch (result.op) {
      case NEXT_STATE:
        if (!sameState(result.state, this.state)) {
          throw this.#enterRule(
            `returned Statem.nextState(${describeValue(result.state, 100)}, ...)`,
            'cannot change the state',
          );
        }
        this.data = result.data;
        break;
      case KEEP_STATE:
        this.data = result.data;
        break;
      case KEEP_STATE_AND_DATA:
        break;
      case REPEAT_STATE:
        this.data = result.data;
        repeat = true;
        break;
      case REPEAT_STATE_AND_DATA:
        repeat = true;
        break;
      default:
        return this.#stop(result, 'the state enter call');
    }
    if (result.actions !== undefined) this.#read(result.actions, plan, FROM_ENTER, event);
    return repeat
      ? this.#enter(event, plan, oldState, changed)
      : this.#commit(event, plan, changed);
  }

  /**
   * Ends the transition as gen_statem does: a state change cancels the state timeout
   * and puts the postponed events (the current one last, if postponed) back in the
   * queue; then the queue is: inserted events, retried events, the events queued
   * before; then the timeouts start, those of time 0 at the end of the queue.
   */
  #commit(event: unknown, plan: Plan, changed: boolean): Outcome {
    if (changed && this.#stateTimer !== undefined) this.#cancel(this.#stateTimer);
    if (plan.postpone) (this.#postponed ??= []).push(event);
    let retried: unknown[] | undefined;
    if (changed && this.#postponed !== undefined) {
      retried = this.#postponed;
      this.#postponed = undefined;
    }
    if (plan.inserted !== undefined || retried !== undefined) this.#requeue(plan.inserted, retried);
    if (plan.timeouts !== undefined) this.#startTimeouts(plan.timeouts);
    return undefined;
  }

  #requeue(inserted: unknown[] | undefined, retried: unknown[] | undefined): void {
    const queue: unknown[] = [];
    if (inserted !== undefined) for (const event of inserted) queue.push(event);
    if (retried !== undefined) for (const event of retried) queue.push(event);
    const old = this.#queue;
    if (old !== undefined) for (let i = this.#head; i < old.length; i++) queue.push(old[i]);
    this.#queue = queue;
    this.#head = 0;
  }

  #stop(result: StatemResult<unknown, unknown, unknown>, callback: string): StopResult<unknown> {
    const op = result.op;
    if (op === STOP_WITH_DATA || op === STOP_AND_REPLY_WITH_DATA) this.data = result.data;
    if (op === STOP_AND_REPLY || op === STOP_AND_REPLY_WITH_DATA) {
      const replies: unknown = result.actions;
      if (!Array.isArray(replies)) throw this.#badActions(callback, replies);
      for (const reply of replies) {
        const from = (reply as { from?: unknown } | null)?.from;
        if ((reply as { type?: unknown } | null)?.type !== 'reply' || !(from instanceof From)) {
          throw new TypeError(
            `${this.#who}: ${callback} in state ${describeValue(this.state, 100)} returned Statem.stopAndReply with ${describeValue(reply, 200)}, which is not a reply action { type: 'reply', from, value }`,
          );
        }
        from.settle((reply as { value: unknown }).value);
      }
    } else if (op !== STOP && op !== STOP_WITH_DATA) {
      throw this.#badReturn(undefined, result);
    }
    return stop(result.reason, CURRENT);
  }

  // ── Actions ───────────────────────────────────────────────────────────────

  /** Reads `actions` in order: replies are sent now; the rest go into `plan`. */
  #read(actions: unknown, plan: Plan, from: number, event: unknown): void {
    const callback =
      from === FROM_INIT ? 'init' : from === FROM_ENTER ? 'the state enter call' : 'handleEvent';
    if (!Array.isArray(actions)) throw this.#badActions(callback, actions);
    for (let i = 0; i < actions.length; i++) {
      const action: unknown = actions[i];
      const type =
        typeof action === 'object' && action !== null
          ? (action as { type?: unknown }).type
          : undefined;
      const fields = action as Record<string, unknown>;
      switch (type) {
        case 'reply': {
          const to = fields.from;
          if (!(to instanceof From))
            throw this.#badAction(callback, action, 'its `from` is not the From of a call');
          to.settle(fields.value);
          break;
        }
        case 'postpone':
          if (from === FROM_ENTER) {
            throw this.#enterRule(
              'returned a postpone action',
              'cannot postpone (there is no event to postpone)',
            );
          }
          // From init there is no event: gen_statem ignores it too.
          if (from === FROM_EVENT && event !== undefined) plan.postpone = true;
          break;
        case 'next_event':
          if (from === FROM_ENTER) {
            throw this.#enterRule('returned a next_event action', 'cannot insert events');
          }
          (plan.inserted ??= []).push(this.#inserted(callback, action, fields.event));
          break;
        case 'timeout':
        case 'state_timeout':
        case 'generic_timeout': {
          const time = fields.time;
          if (typeof time !== 'number' || !(time >= 0)) {
            throw this.#badAction(
              callback,
              action,
              '`time` must be a number of ms >= 0, or Infinity to cancel',
            );
          }
          (plan.timeouts ??= []).push(fields);
          break;
        }
        default:
          throw this.#badAction(
            callback,
            action,
            "expected { type: 'reply' | 'postpone' | 'next_event' | 'timeout' | 'state_timeout' | 'generic_timeout', ... }",
          );
      }
    }
  }

  /** The event a next_event action inserts, as handleEvent will get it. */
  #inserted(callback: string, action: unknown, event: unknown): unknown {
    const type =
      typeof event === 'object' && event !== null ? (event as { type?: unknown }).type : undefined;
    const content = (event as { content?: unknown } | null)?.content;
    switch (type) {
      case 'internal':
      case 'cast':
      case 'info':
        return { type, content };
      case 'call': {
        const from = (event as { from?: unknown }).from;
        if (!(from instanceof From)) {
          throw this.#badAction(callback, action, 'an inserted call needs the `from` of a call');
        }
        return { type, from, content };
      }
      default:
        throw this.#badAction(
          callback,
          action,
          "its `event` must be { type: 'internal' | 'cast' | 'info' | 'call', content }",
        );
    }
  }

  // ── Timeouts ──────────────────────────────────────────────────────────────

  /**
   * Starts the timeouts a transition asked for, in order; of several of one kind (and
   * name) the last wins and the others are as if not given. Infinity cancels; 0 queues
   * the event at once, after the events already queued, but an event timeout of 0 (or
   * any event timeout) only when no event is queued, since the next event would cancel it.
   */
  #startTimeouts(timeouts: Record<string, unknown>[]): void {
    for (let i = 0; i < timeouts.length; i++) {
      const action = timeouts[i]!;
      const kind = timeoutKind(action.type);
      const name = kind === GENERIC_TIMEOUT ? action.name : undefined;
      if (supersededAfter(timeouts, i, kind, name)) continue;
      const running = this.#running(kind, name);
      if (running !== undefined) this.#cancel(running);
      const time = action.time as number;
      if (time === Number.POSITIVE_INFINITY) continue;
      if (kind === EVENT_TIMEOUT && this.#queued) continue;
      let timer: StatemTimer;
      if (time === 0) {
        timer = new StatemTimer(kind, name, action.content, undefined);
        (this.#queue ??= []).push(timer);
      } else {
        if (this.#proc === undefined) {
          const self = this.#engine!.self;
          this.#proc = processOfSelf(self);
          this.#runtime = self.runtime;
        }
        timer = new StatemTimer(kind, name, action.content, this.#proc);
        timer.deadline = now(this.#runtime!) + time;
        addTimer(this.#runtime!, timer);
      }
      if (kind === EVENT_TIMEOUT) this.#eventTimer = timer;
      else if (kind === STATE_TIMEOUT) this.#stateTimer = timer;
      else (this.#generic ??= new Map()).set(name, timer);
    }
  }

  #running(kind: number, name: unknown): StatemTimer | undefined {
    if (kind === EVENT_TIMEOUT) return this.#eventTimer;
    if (kind === STATE_TIMEOUT) return this.#stateTimer;
    return this.#generic?.get(name);
  }

  #isRunning(timer: StatemTimer): boolean {
    return this.#running(timer.kind, timer.name) === timer;
  }

  /** Forgets a running timeout (it fired, or is cancelled). */
  #forget(timer: StatemTimer): void {
    if (timer.kind === EVENT_TIMEOUT) this.#eventTimer = undefined;
    else if (timer.kind === STATE_TIMEOUT) this.#stateTimer = undefined;
    else this.#generic!.delete(timer.name);
  }

  /** Cancels a running timeout: off the timer heap, or out of the queue for one of time 0. */
  #cancel(timer: StatemTimer): void {
    this.#forget(timer);
    if (!timer.zero) {
      cancelTimer(this.#runtime!, timer);
      return;
    }
    const queue = this.#queue;
    if (queue === undefined) return;
    const at = queue.indexOf(timer, this.#head);
    if (at >= 0) queue.splice(at, 1);
  }

  #cancelAll(): void {
    if (this.#eventTimer !== undefined) this.#cancel(this.#eventTimer);
    if (this.#stateTimer !== undefined) this.#cancel(this.#stateTimer);
    const generic = this.#generic;
    if (generic !== undefined) for (const timer of [...generic.values()]) this.#cancel(timer);
  }

  // ── Errors ────────────────────────────────────────────────────────────────

  #badReturn(event: unknown, result: unknown): TypeError {
    const what =
      (event as { type?: unknown } | undefined)?.type === 'enter'
        ? "the state enter call (handleEvent with { type: 'enter' })"
        : `handleEvent for ${describeValue(event, 200)}`;
    return new TypeError(
      `${this.#who}: ${what} in state ${describeValue(this.state, 100)} returned ${describeValue(result, 300)}; expected ${RESULT_SHAPES}`,
    );
  }

  #badActions(callback: string, actions: unknown): TypeError {
    return new TypeError(
      `${this.#who}: ${callback} in state ${describeValue(this.state, 100)} returned actions ${describeValue(actions, 200)}; expected an array of actions`,
    );
  }

  #badAction(callback: string, action: unknown, why: string): TypeError {
    return new TypeError(
      `${this.#who}: ${callback} in state ${describeValue(this.state, 100)} returned a bad action ${describeValue(action, 200)}: ${why}`,
    );
  }

  #enterRule(what: string, rule: string): Error {
    return new Error(
      `${this.#who}: the state enter call in state ${describeValue(this.state, 100)} ${what}, but a state enter call ${rule}`,
    );
  }
}
