import type { ExitReason } from '../types.js';
import { Mailbox } from './mailbox.js';
import type { Pid } from './pid.js';
import { type Host, Process, ProcessState } from './process.js';
import { Timeout } from './signals.js';
import type { TimerEntry } from './timers.js';
import { isInstance, isThenable } from './values.js';

/**
 * Options of `self.receive`.
 *
 * @example
 * ```ts
 * await self.receive({ match: (m) => m === 'ping', timeout: 1000 });
 * ```
 */
export interface ReceiveOptions {
  /** Selective receive: take the first message this accepts; the others stay queued in order. */
  match?: (message: unknown) => boolean;
  /**
   * Give up after this many ms and resolve with {@link Timeout}. `0` only looks at
   * what is already queued.
   * @defaultValue `Infinity`
   */
  timeout?: number;
}

/**
 * Thrown by `self.exit(reason)` to unwind the body of a process that has already
 * ended; the process's own watch on its body recognises and swallows it.
 * @internal
 */
export class ProcessExited {
  readonly reason: ExitReason;
  constructor(reason: ExitReason) {
    this.reason = reason;
  }
}

const NEVER: Promise<never> = new Promise<never>(() => {});

/**
 * A raw process: it runs a body, `body(self)`, that takes its messages with
 * `receive`. `S` is the type of the handle the body gets (the runtime's `Self`).
 * @internal
 */
export class RawProcess<S> extends Process {
  /** The body, until it starts. */
  #body: ((self: S) => unknown) | undefined;
  /**
   * Makes the handle the body gets, when it starts: not at spawn, where a burst of
   * spawns would carry every handle through a collection before any body runs.
   */
  #makeSelf: ((proc: Process) => S) | undefined;
  /** The resolver of the pending receive: set exactly while the state is `Waiting`. */
  #resolve: ((message: unknown) => void) | undefined = undefined;
  /** The promise of the pending receive, while the state is `Waiting`. */
  #received: Promise<unknown> | undefined = undefined;
  /**
   * The body returned the promise of its pending receive as its own result (`(self)
   * => self.receive()`, the shape of most idle processes): the process ends when that
   * receive is answered, so its result needs no watch while it waits.
   */
  #endsWithReceive = false;
  /** The pending receive's timeout, if it has one. */
  #timer: TimerEntry | undefined = undefined;

  constructor(pid: Pid, host: Host, body: (self: S) => unknown, makeSelf: (proc: Process) => S) {
    super(pid, host, ProcessState.Starting);
    this.#body = body;
    this.#makeSelf = makeSelf;
  }

  /**
   * The first message that `match` accepts (any message without it), taken from
   * the mailbox, or {@link Timeout} after `timeout` ms. Options are checked by `Self`.
   */
  receive(match: ((message: unknown) => boolean) | undefined, timeout: number): Promise<unknown> {
    if (!this.alive) return NEVER;
    if (this.state === ProcessState.Waiting) {
      return Promise.reject(
        new Error(`receive: ${this.pid} is already waiting in another receive`),
      );
    }
    let mailbox = this.mailbox;
    const scheduler = this.host.scheduler;
    if (mailbox !== undefined) {
      // Served at once from the mailbox while this turn's budget and the time slice last;
      // otherwise the process waits its turn in the run queue like everyone else.
      let scanned = 0;
      if (
        mailbox.size > 0 &&
        ((mailbox.turn < scheduler.budget && scheduler.tick()) || timeout === 0)
      ) {
        let slot: number;
        try {
          slot = match === undefined ? 0 : mailbox.find(match, 0);
        } catch (error) {
          return Promise.reject(error);
        }
        if (slot >= 0) {
          mailbox.turn++;
          this.handled++;
          return Promise.resolve(mailbox.takeAt(slot));
        }
        scanned = mailbox.slots;
      }
      mailbox.scanned = scanned;
    }
    if (timeout === 0) return Promise.resolve(Timeout);
    // A selective receive keeps its filter with the mailbox it scans.
    if (match !== undefined) {
      mailbox ??= this.mailbox = new Mailbox();
      mailbox.match = match;
    }
    const promise = new Promise<unknown>((resolve) => {
      this.#resolve = resolve;
    });
    this.#received = promise;
    this.state = ProcessState.Waiting;
    if (timeout !== Number.POSITIVE_INFINITY) {
      const timers = this.host.timers;
      const entry: TimerEntry = {
        deadline: timers.now() + timeout,
        cancelled: false,
        fire: () => this.#timedOut(entry),
      };
      this.#timer = entry;
      timers.add(entry);
    }
    // Messages not yet looked at (the budget ran out): let the scheduler deliver them.
    if (mailbox !== undefined && mailbox.scanned < mailbox.slots) scheduler.enqueue(this);
    return promise;
  }

  deliver(message: unknown): void {
    const state = this.state;
    if (state >= ProcessState.Exiting) return;
    if (this.traced) this.host.traceReceive(this, message);
    let mailbox = this.mailbox;
    if (
      state === ProcessState.Waiting &&
      !this.queued &&
      (mailbox === undefined || (mailbox.size === 0 && mailbox.match === undefined)) &&
      this.host.scheduler.tick()
    ) {
      // It waits for any message and has none: hand this one straight to its receive.
      // The body still runs later, from the promise's continuation, never inside send.
      this.handled++;
      this.#wake(message);
      return;
    }
    if (mailbox === undefined) mailbox = this.mailbox = new Mailbox();
    mailbox.push(message);
    if (state === ProcessState.Waiting && !this.queued) this.host.scheduler.enqueue(this);
    if (mailbox.size === this.host.mailboxWarning) this.host.mailboxOverflow(this);
  }

  run(_budget: number): void {
    const state = this.state;
    if (state === ProcessState.Starting) {
      this.#start();
      return;
    }
    const mailbox = this.mailbox;
    if (mailbox === undefined) return;
    mailbox.turn = 0;
    if (state !== ProcessState.Waiting) return;
    let slot: number;
    const match = mailbox.match;
    if (match === undefined) {
      slot = mailbox.size > 0 ? 0 : -1;
    } else {
      try {
        slot = mailbox.find(match, mailbox.scanned);
      } catch (error) {
        this.host.terminate(this, error, true);
        return;
      }
    }
    if (slot < 0) {
      mailbox.scanned = mailbox.slots;
      return;
    }
    mailbox.match = undefined;
    mailbox.turn = 1;
    this.handled++;
    this.#wake(mailbox.takeAt(slot));
  }

  override release(): void {
    this.#body = undefined;
    this.#makeSelf = undefined;
    this.#resolve = undefined;
    this.#received = undefined;
    this.#cancelTimer();
    super.release();
  }

  /** Resolves the pending receive with `message`: the process runs again. */
  #wake(message: unknown): void {
    const resolve = this.#resolve!;
    this.#resolve = undefined;
    this.state = ProcessState.Running;
    this.#cancelTimer();
    resolve(message);
    this.#answered();
  }

  /**
   * The pending receive was answered. When it was the body's own result, the body has
   * now returned: the process ends once the promise's reactions queued before this one
   * (the body's own, if it chained any) have run, as it would had it been watched.
   */
  #answered(): void {
    const promise = this.#received!;
    this.#received = undefined;
    if (!this.#endsWithReceive) return;
    this.#endsWithReceive = false;
    promise.then(() => this.#bodyReturned());
  }

  #cancelTimer(): void {
    const timer = this.#timer;
    if (timer === undefined) return;
    this.#timer = undefined;
    this.host.timers.cancel(timer);
  }

  #timedOut(entry: TimerEntry): void {
    if (this.#timer !== entry || this.state !== ProcessState.Waiting) return;
    this.#timer = undefined;
    if (this.mailbox !== undefined) this.mailbox.match = undefined;
    const resolve = this.#resolve!;
    this.#resolve = undefined;
    this.state = ProcessState.Running;
    resolve(Timeout);
    this.#answered();
  }

  #start(): void {
    const body = this.#body!;
    const self = this.#makeSelf!(this);
    this.#body = undefined;
    this.#makeSelf = undefined;
    this.state = ProcessState.Running;
    let result: unknown;
    try {
      result = body(self);
    } catch (error) {
      this.#bodyThrew(error);
      return;
    }
    if (result === this.#received && result !== undefined) {
      this.#endsWithReceive = true;
      return;
    }
    if (!isThenable(result)) {
      this.#bodyReturned();
      return;
    }
    // The body's promise (or a user's thenable, whose `then` may throw: that ends the
    // process as if the body had thrown).
    try {
      result.then(
        () => this.#bodyReturned(),
        (error: unknown) => this.#bodyThrew(error),
      );
    } catch (error) {
      this.#bodyThrew(error);
    }
  }

  #bodyReturned(): void {
    if (this.alive) this.host.terminate(this, 'normal', false);
  }

  #bodyThrew(error: unknown): void {
    if (!this.alive || isInstance(error, ProcessExited)) return;
    this.host.terminate(this, error, true);
  }
}
