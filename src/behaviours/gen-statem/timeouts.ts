import type { Process, TimerEntry } from '../../core/kernel.js';
import type { StatemEvent } from './types.js';

// A GenStatem's three kinds of timeout, as gen_statem's timer types.
/** The event timeout (`timeout`). @internal */ export const EVENT_TIMEOUT = 0;
/** The state timeout (`state_timeout`). @internal */ export const STATE_TIMEOUT = 1;
/** A generic timeout, by name (`generic_timeout`). @internal */ export const GENERIC_TIMEOUT = 2;

/**
 * One running timeout of a GenStatem. Armed on the runtime's timer heap, it delivers
 * itself to the machine's mailbox when due; the machine takes it as an event only if
 * it is still the running timeout of its kind (and name), so a timeout cancelled or
 * replaced after it fired, its message already queued, is dropped, as gen_statem
 * drops a late timeout message.
 *
 * A timeout of `time: 0` is never armed: it goes straight to the end of the machine's
 * queue of internal events (`zero`), and cancelling it takes it out of that queue.
 * @internal
 */
export class StatemTimer implements TimerEntry {
  deadline = 0;
  /** True once fired or cancelled (the timer heap's flag); a zero timeout starts so. */
  cancelled: boolean;

  constructor(
    readonly kind: number,
    readonly name: unknown,
    readonly content: unknown,
    /** The machine's process, to deliver to; `undefined` for a zero timeout. */
    readonly proc: Process | undefined,
  ) {
    this.cancelled = proc === undefined;
  }

  /** Whether it waits in the queue of internal events rather than on the timer heap. */
  get zero(): boolean {
    return this.proc === undefined;
  }

  fire(): void {
    this.proc?.deliver(this);
  }

  /** The event the machine gets when it fires. */
  toEvent(): StatemEvent {
    switch (this.kind) {
      case EVENT_TIMEOUT:
        return { type: 'timeout', content: this.content };
      case STATE_TIMEOUT:
        return { type: 'state_timeout', content: this.content };
      default:
        return { type: 'generic_timeout', name: this.name, content: this.content };
    }
  }
}

/** The kind of a timeout action's `type`, or -1 for another type. @internal */
export function timeoutKind(type: unknown): number {
  switch (type) {
    case 'timeout':
      return EVENT_TIMEOUT;
    case 'state_timeout':
      return STATE_TIMEOUT;
    case 'generic_timeout':
      return GENERIC_TIMEOUT;
    default:
      return -1;
  }
}

/**
 * Whether a timeout action after index `i` has the same kind (and name): then the
 * later one wins, and the one at `i` is as if not given. @internal
 */
export function supersededAfter(
  timeouts: Record<string, unknown>[],
  i: number,
  kind: number,
  name: unknown,
): boolean {
  for (let j = i + 1; j < timeouts.length; j++) {
    const later = timeouts[j]!;
    if (timeoutKind(later.type) === kind && (kind !== GENERIC_TIMEOUT || later.name === name)) {
      return true;
    }
  }
  return false;
}
