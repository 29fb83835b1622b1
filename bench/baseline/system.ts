import { Queue } from './queue.js';

/**
 * The baseline of issue 7: a minimal, honest hand-written actor system to measure
 * otp-ts against. A mailbox per process (a ring buffer, allocated on the first
 * message) drained by a loop, one run queue, and the same scheduling contract as
 * otp-ts: a send never runs the receiver synchronously, each process handles at
 * most `budget` messages per turn, and runs chain through microtasks but yield to
 * the event loop (setImmediate) once a 4 ms slice has passed. It keeps a process
 * table and a name table, and tells a process's link when it exits. It has no
 * validation, monitors, timers, crash reports or events: that is the work otp-ts
 * does on top, and what the ratio measures.
 */

const SLICE_MS = 4;

interface Runnable {
  queued: boolean;
  run(budget: number): void;
}

/** The message a process's link gets when it exits. */
export class ExitSignal {
  constructor(
    readonly from: Process,
    readonly reason: unknown,
  ) {}
}

/** What every process has: identity, liveness, a lazy mailbox, a name and one link. */
export abstract class Process implements Runnable {
  readonly system: System;
  queued = false;
  alive = true;
  mailbox: Queue<unknown> | undefined = undefined;
  name: string | undefined = undefined;
  /** The process told of this one's exit (its supervisor). */
  link: Process | undefined = undefined;

  constructor(system: System) {
    this.system = system;
  }

  abstract deliver(message: unknown): void;
  abstract run(budget: number): void;
}

/** A process with a synchronous handler, called once per message. */
export class Actor extends Process {
  readonly #handler: ((message: unknown, self: Actor) => void) | undefined;

  constructor(system: System, handler?: (message: unknown, self: Actor) => void) {
    super(system);
    this.#handler = handler;
  }

  deliver(message: unknown): void {
    if (!this.alive) return;
    (this.mailbox ??= new Queue()).push(message);
    if (!this.queued) this.system.enqueue(this);
  }

  run(budget: number): void {
    const mailbox = this.mailbox;
    if (mailbox === undefined) return;
    for (let n = 0; n < budget && mailbox.size > 0 && this.alive; n++) this.handle(mailbox.shift());
    if (this.alive && mailbox.size > 0) this.system.enqueue(this);
  }

  /** Handles one message; subclasses (servers, supervisors) override it. */
  handle(message: unknown): void {
    this.#handler!(message, this);
  }
}

/**
 * A process running an async body that takes messages with `await receive(match?)`:
 * the baseline of otp-ts's raw processes, selective receive included.
 */
export class Proc extends Process {
  #body: ((self: Proc) => Promise<unknown>) | undefined;
  #resolve: ((message: unknown) => void) | undefined = undefined;
  #match: ((message: unknown) => boolean) | undefined = undefined;
  #scanned = 0;
  #turn = 0;

  constructor(system: System, body: (self: Proc) => Promise<unknown>) {
    super(system);
    this.#body = body;
  }

  /** The first message `match` accepts (any message without it); the rest stay queued in order. */
  receive(match?: (message: unknown) => boolean): Promise<unknown> {
    const mailbox = this.mailbox;
    this.#scanned = 0;
    if (mailbox !== undefined && mailbox.size > 0 && this.#turn < this.system.budget) {
      const position = match === undefined ? 0 : mailbox.find(match, 0);
      if (position >= 0) {
        this.#turn++;
        return Promise.resolve(mailbox.removeAt(position));
      }
      this.#scanned = mailbox.size;
    }
    this.#match = match;
    const promise = new Promise<unknown>((resolve) => {
      this.#resolve = resolve;
    });
    // Messages not looked at yet (the turn's budget ran out): let the scheduler do it.
    if (mailbox !== undefined && this.#scanned < mailbox.size) this.system.enqueue(this);
    return promise;
  }

  send(dest: Process, message: unknown): void {
    dest.deliver(message);
  }

  deliver(message: unknown): void {
    if (!this.alive) return;
    (this.mailbox ??= new Queue()).push(message);
    if (this.#resolve !== undefined && !this.queued) this.system.enqueue(this);
  }

  run(): void {
    if (!this.alive) return;
    const body = this.#body;
    if (body !== undefined) {
      this.#body = undefined;
      body(this).then(
        () => this.system.exit(this, 'normal'),
        (error: unknown) => this.system.exit(this, error),
      );
      return;
    }
    this.#turn = 0;
    const resolve = this.#resolve;
    const mailbox = this.mailbox;
    if (resolve === undefined || mailbox === undefined) return;
    const match = this.#match;
    const position =
      match === undefined ? (mailbox.size > 0 ? 0 : -1) : mailbox.find(match, this.#scanned);
    if (position < 0) {
      this.#scanned = mailbox.size;
      return;
    }
    this.#resolve = undefined;
    this.#match = undefined;
    this.#turn = 1;
    resolve(mailbox.removeAt(position));
  }
}

/** One node: the run queue, the process table and the name table. */
export class System {
  readonly budget: number;
  readonly processes = new Set<Process>();
  readonly names = new Map<string, Process>();
  /** Called with each process that exits (registries clean up through it). */
  readonly exitListeners = new Set<(proc: Process, reason: unknown) => void>();
  readonly #runQueue = new Queue<Runnable>(1024);
  #scheduled = false;
  #sliceStart = 0;

  constructor(budget = 200) {
    this.budget = budget;
  }

  /** Adds a constructed process to the table; a `Proc` starts its body from the run queue. */
  spawn<P extends Process>(proc: P): P {
    this.processes.add(proc);
    if (proc instanceof Proc) this.enqueue(proc);
    return proc;
  }

  send(dest: Process, message: unknown): void {
    dest.deliver(message);
  }

  /** Ends `proc`: drops it from the tables and its mailbox, and tells its link. */
  exit(proc: Process, reason: unknown): void {
    if (!proc.alive) return;
    proc.alive = false;
    proc.mailbox = undefined;
    this.processes.delete(proc);
    if (proc.name !== undefined) {
      this.names.delete(proc.name);
      proc.name = undefined;
    }
    for (const listener of this.exitListeners) listener(proc, reason);
    const link = proc.link;
    if (link !== undefined) {
      proc.link = undefined;
      link.deliver(new ExitSignal(proc, reason));
    }
  }

  register(name: string, proc: Process): void {
    if (this.names.has(name)) throw new Error(`register: ${name} is taken`);
    if (proc.name !== undefined) throw new Error(`register: the process is ${proc.name} already`);
    if (!proc.alive) throw new Error('register: the process is dead');
    this.names.set(name, proc);
    proc.name = name;
  }

  whereis(name: string): Process | undefined {
    return this.names.get(name);
  }

  /** Stops every process. */
  shutdown(): void {
    for (const proc of [...this.processes]) this.exit(proc, 'shutdown');
  }

  enqueue(runnable: Runnable): void {
    if (runnable.queued) return;
    runnable.queued = true;
    this.#runQueue.push(runnable);
    if (!this.#scheduled) {
      this.#scheduled = true;
      if (performance.now() - this.#sliceStart < SLICE_MS) queueMicrotask(this.#drain);
      else setImmediate(this.#drainFromMacrotask);
    }
  }

  readonly #drainFromMacrotask = (): void => {
    this.#sliceStart = performance.now();
    this.#drain();
  };

  readonly #drain = (): void => {
    const queue = this.#runQueue;
    const budget = this.budget;
    let count = 0;
    while (queue.size > 0) {
      const runnable = queue.shift();
      runnable.queued = false;
      try {
        runnable.run(budget);
      } catch (error) {
        // A handler that throws ends its process, not the scheduler.
        if (runnable instanceof Process) this.exit(runnable, error);
      }
      if ((++count & 63) === 0 && performance.now() - this.#sliceStart >= SLICE_MS) {
        if (queue.size > 0) {
          setImmediate(this.#drainFromMacrotask);
          return;
        }
        break;
      }
    }
    this.#scheduled = false;
  };
}
