import { describeValue } from '../describe.js';
import type { Dest, Name } from '../types.js';
import { copyMessage } from './copy.js';
import { assertDest, isRemoteName, type NameTable } from './names.js';
import { Pid, Ref } from './pid.js';
import type { Process } from './process.js';
import type { TimerEntry, Timers } from './timers.js';

/**
 * The runtime's `sendAfter` timers, by their refs: a ref names a timer without
 * carrying it, so holding a ref gives nothing but what `cancelTimer` allows.
 * @internal
 */
export class SendTimers {
  readonly #timers: Timers;
  readonly #byRef = new Map<Ref, TimerEntry>();

  constructor(timers: Timers) {
    this.#timers = timers;
  }

  /** Runs `fire` after `ms` ms unless cancelled; returns `ref`. */
  add(ref: Ref, ms: number, fire: () => void): Ref {
    const entry: TimerEntry = {
      deadline: this.#timers.now() + ms,
      cancelled: false,
      fire: () => {
        this.#byRef.delete(ref);
        fire();
      },
    };
    this.#byRef.set(ref, entry);
    this.#timers.add(entry);
    return ref;
  }

  /** The ms that were left, or `false` if the timer had fired or was cancelled. */
  cancel(ref: Ref): number | false {
    const entry = this.#byRef.get(ref);
    if (entry === undefined || entry.cancelled) return false;
    this.#byRef.delete(ref);
    this.#timers.cancel(entry);
    return Math.max(0, Math.round(entry.deadline - this.#timers.now()));
  }

  clear(): void {
    this.#byRef.clear();
  }
}

/** What `rt.sendAfter` needs from the runtime. @internal */
export interface SendAfterHost {
  readonly node: string;
  readonly copying: boolean;
  readonly names: NameTable;
  processOf(pid: Pid): Process | undefined;
  send(dest: Dest, message: unknown): void;
  makeRef(): Ref;
}

/** `rt.sendAfter`, on the runtime's `timers`. @internal */
export function sendAfter(
  host: SendAfterHost,
  timers: SendTimers,
  dest: Dest,
  message: unknown,
  ms: number,
): Ref {
  assertDest(dest, 'sendAfter');
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
    throw new (typeof ms === 'number' ? RangeError : TypeError)(
      `sendAfter: expected \`ms\` to be a finite number >= 0, got ${describeValue(ms, 100)}`,
    );
  }
  if (host.copying) message = copyMessage(message, 'sendAfter');
  return timers.add(host.makeRef(), ms, () => {
    if (dest instanceof Pid ? dest.node !== host.node : isRemoteName(dest)) {
      try {
        host.send(dest, message);
      } catch {
        // As for a name nobody holds when the timer fires: the message is dropped.
      }
      return;
    }
    const proc = dest instanceof Pid ? host.processOf(dest) : safeResolve(host.names, dest as Name);
    proc?.deliver(message);
  });
}

/** `rt.cancelTimer`. @internal */
export function cancelTimer(timers: SendTimers, ref: Ref): number | false {
  if (!(ref instanceof Ref))
    throw new TypeError(
      `cancelTimer: expected \`ref\` to be a ref from sendAfter, got ${describeValue(ref, 100)}`,
    );
  return timers.cancel(ref);
}

function safeResolve(names: NameTable, name: Name): Process | undefined {
  try {
    return names.resolve(name);
  } catch {
    return undefined;
  }
}
