/**
 * Restart backoff: a client of a flaky local TCP service, supervised with
 * `backoff`. While the service is down, each restart fails to connect and the
 * supervisor waits longer before the next (about 50, 100, 200, 400 ms); once the
 * service is back the client connects and the supervisor reports the restart.
 *
 * The service is an echo server on 127.0.0.1 (a free port). The client connects in
 * `init`, so a failed connection is a failed restart, and it stops when its
 * connection closes, so the service going down is a crash.
 *
 * Run it with `npx tsx examples/backoff.ts`.
 */
import { once } from 'node:events';
import { type AddressInfo, createConnection, createServer, type Socket } from 'node:net';
import { type From, GenServer, Runtime, reply, Supervisor } from 'otp-ts';

// ── The flaky service: an echo server we can take down and bring back ────────

const sockets = new Set<Socket>();
const service = createServer((socket) => {
  sockets.add(socket);
  socket.on('close', () => sockets.delete(socket));
  socket.pipe(socket);
});

async function serviceUp(port: number): Promise<number> {
  service.listen(port, '127.0.0.1');
  await once(service, 'listening');
  return (service.address() as AddressInfo).port;
}

async function serviceDown(): Promise<void> {
  const closed = new Promise<void>((resolve) => service.close(() => resolve()));
  for (const socket of sockets) socket.destroy();
  await closed;
}

// ── The client, a GenServer holding one connection ───────────────────────────

interface ClientArg {
  port: number;
  /** Told of each attempt to connect: the example prints it, and acts on it. */
  onAttempt(error: Error | undefined): void;
  /** Told when the connection is lost. */
  onLost(): void;
}

class Client extends GenServer<Socket, { type: 'echo'; text: string }, never, 'closed'> {
  override async init({ port, onAttempt, onLost }: ClientArg): Promise<Socket> {
    const socket = createConnection({ host: '127.0.0.1', port });
    try {
      await once(socket, 'connect');
    } catch (error) {
      onAttempt(error as Error);
      throw error; // A failed start: the supervisor backs off and tries again.
    }
    onAttempt(undefined);
    // The connection closing ends the client; the socket ends with the client.
    socket.on('close', () => {
      onLost();
      this.self.send(this.pid, 'closed');
    });
    this.self.signal.addEventListener('abort', () => {
      socket.removeAllListeners('close'); // Ended on purpose: not a lost connection.
      socket.destroy();
    });
    return socket;
  }

  override async handleCall(request: { type: 'echo'; text: string }, _from: From, socket: Socket) {
    socket.write(request.text);
    const [data] = (await once(socket, 'data')) as [Buffer];
    return reply(data.toString(), socket);
  }

  override handleInfo(_closed: 'closed'): never {
    throw new Error('connection lost');
  }
}

// ── The story ────────────────────────────────────────────────────────────────

const port = await serviceUp(0);
console.log('service listening on 127.0.0.1');

let attempt = 0;
let failures = 0;
let last = performance.now();
let thirdFailure: () => void = () => {};
const threeFailures = new Promise<void>((resolve) => {
  thirdFailure = resolve;
});

function onAttempt(error: Error | undefined): void {
  const now = performance.now();
  attempt++;
  const outcome =
    error === undefined ? 'connected' : `failed (${(error as { code?: string }).code})`;
  console.log(
    attempt === 1
      ? `attempt 1: ${outcome}`
      : `attempt ${attempt} after ${Math.round(now - last)} ms: ${outcome}`,
  );
  last = now;
  if (error !== undefined && ++failures === 3) thirdFailure();
}

function onLost(): void {
  console.log('client lost its connection');
  last = performance.now();
}

const rt = new Runtime({ logger: false }); // Quiet: the crash reports are the story told here.
const sup = await rt.start(Supervisor, {
  children: [
    {
      id: 'client',
      start: [Client, { port, onAttempt, onLost } satisfies ClientArg, { name: 'client' }],
      // About 50, 100, 200, 400 ms, then at most 2 s; each spread by ±10%.
      backoff: { min: 50, max: 2000, factor: 2, jitter: 0.1 },
    },
  ],
  // Not counted by the intensity: five failures in a row do not end the supervisor.
  maxRestarts: 1,
});
console.log('echo:', await GenServer.call(rt, 'client', { type: 'echo', text: 'hello' }));

const restarted = new Promise<void>((resolve) =>
  rt.once('restart', (_sup, id, reason, oldPid, newPid) => {
    console.log(`supervisor restarted ${String(id)} (${String(reason)}): ${oldPid} -> ${newPid}`);
    resolve();
  }),
);

console.log('service goes down');
await serviceDown();
await threeFailures;
await serviceUp(port);
console.log('service is back');
await restarted;
console.log('echo:', await GenServer.call(rt, 'client', { type: 'echo', text: 'hello again' }));
console.log('supervisor still running:', rt.isAlive(sup));

await rt.shutdown();
await serviceDown();
