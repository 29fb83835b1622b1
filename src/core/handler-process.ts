import { Mailbox } from './mailbox.js';
import type { Pid } from './pid.js';
import {
  type CrashContext,
  type Host,
  type MessageHandler,
  Process,
  ProcessState,
} from './process.js';

/**
 * A handler-driven process: every behaviour. Its handler (the behaviour's engine)
 * takes each message in turn; a handler that returns a promise blocks the process,
 * which takes no other message until it settles.
 * @internal
 */
export class HandlerProcess extends Process {
  readonly handler: MessageHandler;

  constructor(pid: Pid, host: Host, handler: MessageHandler) {
    super(pid, host, ProcessState.Waiting);
    this.handler = handler;
  }

  deliver(message: unknown): void {
    const state = this.state;
    if (state >= ProcessState.Exiting) return;
    let mailbox = this.mailbox;
    if (mailbox === undefined) mailbox = this.mailbox = new Mailbox();
    mailbox.push(message);
    if (state === ProcessState.Waiting && !this.queued) this.host.scheduler.enqueue(this);
    if (mailbox.size === this.host.mailboxWarning) this.host.mailboxOverflow(this);
  }

  run(budget: number): void {
    if (this.state !== ProcessState.Waiting) return;
    const mailbox = this.mailbox;
    if (mailbox === undefined) return;
    const handler = this.handler;
    for (let n = 0; n < budget && mailbox.size > 0; n++) {
      const message = mailbox.shift();
      this.handled++;
      this.state = ProcessState.Running;
      const step = handler.handle(message);
      // The handler may have ended the process (a stop, a crash, a kill from inside).
      if (this.state !== ProcessState.Running) return;
      if (step !== undefined) {
        this.state = ProcessState.Blocked;
        step.then(
          () => this.#unblock(),
          (error: unknown) => {
            if (this.alive) this.host.terminate(this, error, true);
          },
        );
        return;
      }
      this.state = ProcessState.Waiting;
    }
    if (mailbox.size > 0) this.host.scheduler.enqueue(this);
  }

  override crashContext(): CrashContext | undefined {
    const handler = this.handler;
    return handler.reportContext === undefined ? undefined : handler.reportContext();
  }

  #unblock(): void {
    if (this.state !== ProcessState.Blocked) return;
    this.state = ProcessState.Waiting;
    if (this.mailbox !== undefined && this.mailbox.size > 0) this.host.scheduler.enqueue(this);
  }
}
