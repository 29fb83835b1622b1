import { Mailbox } from './mailbox.js';
import type { Pid } from './pid.js';
import {
  type CrashContext,
  type Host,
  type MessageHandler,
  Process,
  ProcessState,
} from './process.js';

/** No first message pending. */
const NO_FIRST: unique symbol = Symbol('no first message');

/**
 * A handler-driven process: every behaviour. Its handler (the behaviour's engine)
 * takes each message in turn; a handler that returns a promise blocks the process,
 * which takes no other message until it settles.
 * @internal
 */
export class HandlerProcess extends Process {
  readonly handler: MessageHandler;
  /** Whether the handler takes tagged messages (`deliverTagged`). */
  readonly takesTagged: boolean;
  /**
   * The message the process handles before any other (a behaviour's start request),
   * kept here rather than in a mailbox: most servers would otherwise keep an empty
   * mailbox made for that one message.
   */
  #first: unknown = NO_FIRST;

  constructor(pid: Pid, host: Host, handler: MessageHandler) {
    super(pid, host, ProcessState.Waiting);
    this.handler = handler;
    this.takesTagged = handler.handleTagged !== undefined;
  }

  override get behaviour(): string | undefined {
    return this.handler.behaviour;
  }

  override get messageQueueLen(): number {
    return super.messageQueueLen + (this.#first === NO_FIRST ? 0 : 1);
  }

  /**
   * Delivers a tagged message: the payload in one mailbox slot, marked as tagged in the
   * mailbox's array of kinds, rather than an object wrapping it, so that a GenServer's
   * cast costs no allocation beyond the request. Only for a handler that {@link takesTagged}.
   */
  deliverTagged(payload: unknown): void {
    if (this.state >= ProcessState.Exiting) return;
    if (this.traced) this.host.traceReceive(this, payload);
    const mailbox = (this.mailbox ??= new Mailbox());
    mailbox.pushTagged(payload);
    this.#queued(mailbox);
  }

  /** Gives the process its first message and schedules it: done once, right after spawn. */
  begin(message: unknown): void {
    if (!this.alive) return;
    this.#first = message;
    if (!this.queued) this.host.scheduler.enqueue(this);
  }

  deliver(message: unknown): void {
    if (this.state >= ProcessState.Exiting) return;
    if (this.traced) this.host.traceReceive(this, message);
    const mailbox = (this.mailbox ??= new Mailbox());
    mailbox.push(message);
    this.#queued(mailbox);
  }

  /** A message was queued: wake the process if it waits, warn of a long mailbox. */
  #queued(mailbox: Mailbox): void {
    if (this.state === ProcessState.Waiting && !this.queued) this.host.scheduler.enqueue(this);
    if (mailbox.size === this.host.mailboxWarning) this.host.mailboxOverflow(this);
  }

  run(budget: number): void {
    if (this.state !== ProcessState.Waiting) return;
    if (this.#first !== NO_FIRST) {
      const first = this.#first;
      this.#first = NO_FIRST;
      if (!this.#handle(first)) return;
    }
    const mailbox = this.mailbox;
    if (mailbox === undefined) return;
    for (let n = 0; n < budget && mailbox.size > 0; n++) {
      if (mailbox.headIsTagged()) {
        if (!this.#handleTagged(mailbox.shift())) return;
      } else if (!this.#handle(mailbox.shift())) return;
    }
    if (mailbox.size > 0) this.host.scheduler.enqueue(this);
  }

  /** Handles one message; false when the process can take no other now (blocked or ended). */
  #handle(message: unknown): boolean {
    this.handled++;
    this.state = ProcessState.Running;
    return this.#stepped(this.handler.handle(message));
  }

  #handleTagged(payload: unknown): boolean {
    this.handled++;
    this.state = ProcessState.Running;
    // A tagged message is only delivered to a handler that takes them.
    return this.#stepped(this.handler.handleTagged!(payload));
  }

  /** What follows a handled message: false when the process can take no other now. */
  #stepped(step: undefined | PromiseLike<unknown>): boolean {
    // The handler may have ended the process (a stop, a crash, a kill from inside).
    if (this.state !== ProcessState.Running) return false;
    if (step !== undefined) {
      this.state = ProcessState.Blocked;
      step.then(
        () => this.#unblock(),
        (error: unknown) => {
          if (this.alive) this.host.terminate(this, error, true);
        },
      );
      return false;
    }
    this.state = ProcessState.Waiting;
    return true;
  }

  override crashContext(): CrashContext | undefined {
    const handler = this.handler;
    return handler.reportContext === undefined ? undefined : handler.reportContext();
  }

  override release(): void {
    this.#first = NO_FIRST;
    super.release();
  }

  #unblock(): void {
    if (this.state !== ProcessState.Blocked) return;
    this.state = ProcessState.Waiting;
    if (this.mailbox !== undefined && this.mailbox.size > 0) this.host.scheduler.enqueue(this);
  }
}
