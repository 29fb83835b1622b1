import { Actor, type System } from './system.js';

/** A call in a server's mailbox: the request and the resolver of the caller's promise. */
class CallRequest {
  constructor(
    readonly request: unknown,
    readonly resolve: (reply: unknown) => void,
  ) {}
}

/** A cast in a server's mailbox. */
class CastRequest {
  constructor(readonly request: unknown) {}
}

/**
 * The baseline GenServer: synchronous callbacks, the state on the instance,
 * `handleCall` returning the reply. Subclass it and override what you need.
 */
export class Server<S = unknown, A = S> extends Actor {
  state!: S;

  init(arg: A): S {
    return arg as unknown as S;
  }

  handleCall(_request: unknown): unknown {
    throw new Error('unexpected call');
  }

  handleCast(_request: unknown): void {
    throw new Error('unexpected cast');
  }

  handleInfo(_message: unknown): void {}

  override handle(message: unknown): void {
    if (message instanceof CallRequest) message.resolve(this.handleCall(message.request));
    else if (message instanceof CastRequest) this.handleCast(message.request);
    else this.handleInfo(message);
  }
}

/** Constructs, initialises and spawns a server. */
export function start<S, A, T extends Server<S, A>>(
  system: System,
  Class: new (system: System) => T,
  arg: A,
): T {
  const server = new Class(system);
  server.state = server.init(arg);
  return system.spawn(server);
}

/** A request with a reply: one promise per call. */
export function call<R = unknown>(server: Actor, request: unknown): Promise<R> {
  return new Promise<R>((resolve) => {
    server.deliver(new CallRequest(request, resolve as (reply: unknown) => void));
  });
}

/** Fire and forget. */
export function cast(server: Actor, request: unknown): void {
  server.deliver(new CastRequest(request));
}
