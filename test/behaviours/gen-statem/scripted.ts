/**
 * A GenStatem whose handleEvent is given by each test, for the GenStatem tests: its
 * initial state, data and actions, its handler, and its terminate. A call whose
 * content is 'sync' is answered with true in any state, so that a test can wait
 * until every earlier message has been handled.
 */
import {
  type Awaitable,
  type ExitReason,
  GenStatem,
  Statem,
  type StatemAction,
  type StatemEvent,
  type StatemResult,
} from '../../../src/index.js';

export type Result = StatemResult<unknown, unknown, StatemAction>;
export type Handler = (event: StatemEvent, state: unknown, data: unknown) => Awaitable<Result>;

export interface Script {
  state: unknown;
  data?: unknown;
  actions?: StatemAction[];
  handle: Handler;
  terminate?: (reason: ExitReason, state: unknown, data: unknown) => void;
}

export class Scripted extends GenStatem {
  #script!: Script;

  override init(script: Script) {
    this.#script = script;
    return Statem.ok(script.state, script.data, script.actions);
  }

  override handleEvent(event: StatemEvent, state: unknown, data: unknown) {
    if (event.type === 'call' && event.content === 'sync') {
      return Statem.keepStateAndData([Statem.reply(event.from, true)]);
    }
    return this.#script.handle(event, state, data);
  }

  override terminate(reason: ExitReason, state: unknown, data: unknown): void {
    this.#script.terminate?.(reason, state, data);
  }
}

/** The same, with state enter calls. */
export class ScriptedEnter extends Scripted {
  static override stateEnter = true;
}

/** A short description of an event, for logs: `cast:a`, `enter:locked`, `generic_timeout:t:x`. */
export function describe(event: StatemEvent): string {
  switch (event.type) {
    case 'enter':
      return `enter:${String(event.oldState)}`;
    case 'generic_timeout':
      return `generic_timeout:${String(event.name)}:${String(event.content)}`;
    default:
      return `${event.type}:${String(event.content)}`;
  }
}
