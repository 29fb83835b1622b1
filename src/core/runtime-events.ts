import type { EventEmitter } from 'eventemitter3';
import type { Logger } from '../logger.js';
import type { Process } from './process.js';
import type { RuntimeEvents } from './runtime-types.js';

/** What the runtime's reports need from it. @internal */
export interface EventHost extends EventEmitter<RuntimeEvents> {
  readonly logger: Logger;
  emitSafely<E extends keyof RuntimeEvents>(event: E, ...args: RuntimeEvents[E]): void;
}

/**
 * Calls each listener of `event` on its own (`emit` would skip the rest after a throw),
 * so one that throws cannot keep the event from the others; the throw is reported
 * through the logger, so it can neither break the scheduler nor escape as an uncaught
 * exception.
 * @internal
 */
export function emitToEach<E extends keyof RuntimeEvents>(
  host: EventHost,
  event: E,
  args: RuntimeEvents[E],
): void {
  for (const listener of host.listeners(event)) {
    // What `emit` does first: drop the listener if it was added with `once` (only then).
    host.removeListener(event, listener, undefined, true);
    try {
      (listener as (...args: RuntimeEvents[E]) => void).apply(host, args);
    } catch (error) {
      try {
        host.logger.error(`otp-ts: a listener of the '${String(event)}' event threw:`, error);
      } catch {
        // Nothing more can be done for a logger that throws.
      }
    }
  }
}

/** Warns of `proc`'s long mailbox: to the logger and as `'mailbox_overflow'`. @internal */
export function mailboxOverflow(host: EventHost, proc: Process): void {
  const length = proc.messageQueueLen;
  try {
    host.logger.warn(`process ${proc.pid} has ${length} messages in its mailbox`);
  } catch {
    // A throwing logger must not make the sender fail.
  }
  host.emitSafely('mailbox_overflow', proc.pid, length);
}
