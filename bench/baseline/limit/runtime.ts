/**
 * The limit runtime: actors, their mailboxes, the run queue, the process table and
 * the name table. See index.ts for the model and what it leaves out.
 */

/** Resolves a caller's promise: the reply of a call travels back through it. */
export type Resolver = (reply: unknown) => void;

/**
 * What an actor does with each message: one function shared by every actor of a
 * kind (the state lives on the actor). `reply` is the caller's resolver for a call,
 * `undefined` for a cast or a plain message.
 */
export type Handler = (actor: Actor, message: unknown, reply: Resolver | undefined) => void;

/** An actor's lifecycle, in one field: waiting for a message, not in the run queue... */
const IDLE = 0;
/** ...in the run queue, or running... */
const QUEUED = 1;
/** ...or dead. */
export const DEAD = 2;

/** The message an actor's link (its supervisor) gets when the actor exits. */
export class ExitSignal {
  constructor(
    readonly from: Actor,
    readonly reason: unknown,
  ) {}
}

/** Room for this many messages in a mailbox's first buffer (a power of two). */
const FIRST_MAILBOX = 8;
/** Looks at the clock once per this many activations and drains scheduled (a power of two). */
const CLOCK_EVERY = 64;
/** How long the run queue may hold the thread before it yields to the event loop. */
const SLICE_MS = 4;

/**
 * Marks a call in a mailbox: the slot after it holds the request, the next the
 * resolver of the caller's promise. A cast is the message alone in its slot. No
 * user message can be this symbol, which is not exported.
 */
const CALL = Symbol('call');

/**
 * One actor: its identity, its handler and state, and its mailbox, a ring buffer of
 * slots made on the first message: a message takes one slot, a call three.
 */
export class Actor {
  status: typeof IDLE | typeof QUEUED | typeof DEAD = IDLE;
  /** The mailbox: `used` slots from `head`, wrapping round; its length a power of two. */
  buf: unknown[] | undefined = undefined;
  head = 0;
  used = 0;
  /** Where the actor sits in its runtime's process table. */
  slot = -1;
  name: string | undefined = undefined;
  /** The actor told of this one's exit (its supervisor). */
  link: Actor | undefined = undefined;

  constructor(
    readonly runtime: LimitRuntime,
    public handler: Handler,
    public state: unknown,
  ) {}
}

/** Doubles a full mailbox, oldest message first. */
function grow(actor: Actor): unknown[] {
  const old = actor.buf!;
  const next = new Array<unknown>(old.length * 2);
  const mask = old.length - 1;
  const head = actor.head;
  const used = actor.used;
  for (let i = 0; i < used; i++) next[i] = old[(head + i) & mask];
  actor.head = 0;
  actor.buf = next;
  return next;
}

/** One node: the run queue, the process table and the name table. */
export class LimitRuntime {
  /** Messages an actor handles per activation before the next actor runs. */
  readonly budget: number;
  readonly names = new Map<string, Actor>();
  /** The live actors; each knows its slot, so that an exit is a swap with the last. */
  readonly #table: Actor[] = [];
  #queue: (Actor | undefined)[] = new Array(1024);
  #queueHead = 0;
  #queueSize = 0;
  #scheduled = false;
  #sliceStart = 0;
  /** Activations and drains scheduled, counted to read the clock only every CLOCK_EVERY. */
  #work = 0;

  constructor(budget = 200) {
    this.budget = budget;
  }

  get processes(): number {
    return this.#table.length;
  }

  /** A new idle actor, waiting for its first message. */
  spawn(handler: Handler, state: unknown): Actor {
    const actor = new Actor(this, handler, state);
    actor.slot = this.#table.length;
    this.#table.push(actor);
    return actor;
  }

  /** Puts a message in `to`'s mailbox; the actor runs later. */
  send(to: Actor, message: unknown): void {
    if (to.status === DEAD) return;
    let buf = to.buf;
    if (buf === undefined) buf = to.buf = new Array(FIRST_MAILBOX);
    else if (to.used === buf.length) buf = grow(to);
    buf[(to.head + to.used) & (buf.length - 1)] = message;
    to.used++;
    if (to.status === IDLE) this.#enqueue(to);
  }

  /** Puts a call in `to`'s mailbox: the marker, the request and the caller's resolver. */
  sendCall(to: Actor, request: unknown, reply: Resolver): void {
    if (to.status === DEAD) return;
    let buf = to.buf;
    if (buf === undefined) buf = to.buf = new Array(FIRST_MAILBOX);
    else if (to.used + 3 > buf.length) buf = grow(to);
    const mask = buf.length - 1;
    const tail = to.head + to.used;
    buf[tail & mask] = CALL;
    buf[(tail + 1) & mask] = request;
    buf[(tail + 2) & mask] = reply;
    to.used += 3;
    if (to.status === IDLE) this.#enqueue(to);
  }

  register(name: string, actor: Actor): void {
    if (this.names.has(name)) throw new Error(`register: ${name} is taken`);
    if (actor.name !== undefined) throw new Error(`register: the actor is ${actor.name} already`);
    if (actor.status === DEAD) throw new Error('register: the actor is dead');
    this.names.set(name, actor);
    actor.name = name;
  }

  whereis(name: string): Actor | undefined {
    return this.names.get(name);
  }

  /** Ends `actor` at once: out of the tables, its mailbox dropped, its link told. */
  exit(actor: Actor, reason: unknown): void {
    if (actor.status === DEAD) return;
    // A queued actor stays in the run queue; the drain skips it.
    actor.status = DEAD;
    actor.buf = undefined;
    actor.used = 0;
    const table = this.#table;
    const last = table.pop()!;
    if (last !== actor) {
      table[actor.slot] = last;
      last.slot = actor.slot;
    }
    if (actor.name !== undefined) {
      this.names.delete(actor.name);
      actor.name = undefined;
    }
    const link = actor.link;
    if (link !== undefined) {
      actor.link = undefined;
      this.send(link, new ExitSignal(actor, reason));
    }
  }

  /** Ends every actor. */
  shutdown(): void {
    const table = this.#table;
    while (table.length > 0) this.exit(table[table.length - 1]!, 'shutdown');
  }

  #enqueue(actor: Actor): void {
    actor.status = QUEUED;
    let queue = this.#queue;
    if (this.#queueSize === queue.length) queue = this.#growQueue();
    queue[(this.#queueHead + this.#queueSize) & (queue.length - 1)] = actor;
    this.#queueSize++;
    if (!this.#scheduled) {
      this.#scheduled = true;
      // A microtask while the thread's slice lasts, then a turn of the event loop.
      if (
        (++this.#work & (CLOCK_EVERY - 1)) !== 0 ||
        performance.now() - this.#sliceStart < SLICE_MS
      )
        queueMicrotask(this.#drain);
      else setImmediate(this.#drainFromMacrotask);
    }
  }

  #growQueue(): (Actor | undefined)[] {
    const old = this.#queue;
    const next = new Array<Actor | undefined>(old.length * 2);
    const mask = old.length - 1;
    for (let i = 0; i < this.#queueSize; i++) next[i] = old[(this.#queueHead + i) & mask];
    this.#queueHead = 0;
    this.#queue = next;
    return next;
  }

  readonly #drainFromMacrotask = (): void => {
    this.#sliceStart = performance.now();
    this.#drain();
  };

  /** Runs actors from the queue, each for at most `budget` messages, until the queue is empty. */
  readonly #drain = (): void => {
    while (this.#queueSize > 0) {
      const queue = this.#queue;
      const actor = queue[this.#queueHead]!;
      queue[this.#queueHead] = undefined;
      this.#queueHead = (this.#queueHead + 1) & (queue.length - 1);
      this.#queueSize--;
      if (actor.status === DEAD) continue;
      try {
        this.#activate(actor);
      } catch (error) {
        // A handler that throws ends its actor, not the run queue.
        this.exit(actor, error);
      }
      if (
        (++this.#work & (CLOCK_EVERY - 1)) === 0 &&
        performance.now() - this.#sliceStart >= SLICE_MS
      ) {
        if (this.#queueSize > 0) {
          setImmediate(this.#drainFromMacrotask);
          return;
        }
      }
    }
    this.#scheduled = false;
  };

  #activate(actor: Actor): void {
    for (let n = this.budget; n > 0 && actor.used > 0 && actor.status !== DEAD; n--) {
      const buf = actor.buf!;
      const mask = buf.length - 1;
      const head = actor.head;
      const message = buf[head];
      buf[head] = undefined;
      if (message !== CALL) {
        actor.head = (head + 1) & mask;
        actor.used--;
        actor.handler(actor, message, undefined);
        continue;
      }
      const request = buf[(head + 1) & mask];
      const reply = buf[(head + 2) & mask] as Resolver;
      buf[(head + 1) & mask] = undefined;
      buf[(head + 2) & mask] = undefined;
      actor.head = (head + 3) & mask;
      actor.used -= 3;
      actor.handler(actor, request, reply);
    }
    if (actor.status === DEAD) return;
    if (actor.used > 0) {
      // Budget spent: to the back of the queue, still Queued.
      let queue = this.#queue;
      if (this.#queueSize === queue.length) queue = this.#growQueue();
      queue[(this.#queueHead + this.#queueSize) & (queue.length - 1)] = actor;
      this.#queueSize++;
    } else {
      actor.status = IDLE;
    }
  }
}

/** A message without a reply. */
export function cast(to: Actor, message: unknown): void {
  to.runtime.send(to, message);
}

/**
 * One executor for every call's promise: it hands the resolver to `call` through
 * `pending`. The executor runs synchronously inside `new Promise`, so nothing can
 * come between; it saves a closure per call.
 */
let pending: Resolver | undefined;
const capture = (resolve: Resolver): void => {
  pending = resolve;
};

/** A request whose reply resolves the returned promise: the resolver travels in the message. */
export function call<R = unknown>(to: Actor, request: unknown): Promise<R> {
  const promise = new Promise<unknown>(capture);
  to.runtime.sendCall(to, request, pending!);
  pending = undefined;
  return promise as Promise<R>;
}

/** A body run once in its own actor, which exits when the body's promise settles. */
export type Task = (self: Actor) => Promise<unknown>;

const runTask: Handler = (actor) => {
  const runtime = actor.runtime;
  (actor.state as Task)(actor).then(
    () => runtime.exit(actor, 'normal'),
    (error: unknown) => runtime.exit(actor, error),
  );
};

/** Spawns an actor that runs `body` from the run queue (a client, a one-off job). */
export function spawnTask(runtime: LimitRuntime, body: Task): Actor {
  const actor = runtime.spawn(runTask, body);
  runtime.send(actor, undefined);
  return actor;
}
