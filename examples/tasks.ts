/**
 * Fetching many URLs the OTP way: supervised tasks, a concurrency bound, a timeout per
 * task, and cancellation that reaches the socket.
 *
 * Starts an HTTP server on loopback with three kinds of page: quick ones, one that
 * fails (500), and one that never answers. A TaskSupervisor runs the fetches through
 * `asyncStreamNolink` with at most 3 at once and a 200 ms timeout each
 * (`onTimeout: 'kill_task'`): the failing page gives `{ exit }` and the stream goes
 * on, the hanging one is killed, and since its fetch used the task's `self.signal`,
 * the server sees that request cancelled. Run with `npx tsx examples/tasks.ts`.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Runtime, TaskSupervisor } from 'otp-ts';

let inFlight = 0;
let mostInFlight = 0;
const hangClosed = manualResolvers<void>();
const server = createServer((request, response) => {
  inFlight++;
  mostInFlight = Math.max(mostInFlight, inFlight);
  request.on('close', () => inFlight--);
  if (request.url === '/hang') {
    // Never answer: only the client going away ends this request.
    request.on('close', () => hangClosed.resolve());
    return;
  }
  if (request.url === '/fail') {
    response.writeHead(500).end('broken');
    return;
  }
  setImmediate(() => response.end(`page ${request.url}`));
});
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const { port } = server.address() as AddressInfo;

const rt = new Runtime();
await rt.start(TaskSupervisor, { maxChildren: 10 }, { name: 'Fetchers' });

const paths = ['/a', '/b', '/fail', '/c', '/hang', '/d', '/e'];
const results = TaskSupervisor.asyncStreamNolink(
  rt,
  'Fetchers',
  paths,
  async (path, self) => {
    const response = await fetch(`http://127.0.0.1:${port}${path}`, { signal: self.signal });
    if (!response.ok) throw new Error(`${path} answered ${response.status}`);
    return response.text();
  },
  { maxConcurrency: 3, timeout: 200, onTimeout: 'kill_task' },
);

let i = 0;
for await (const result of results) {
  const path = paths[i++];
  if ('ok' in result) console.log(`${path}: ok, "${result.ok}"`);
  else console.log(`${path}: exit, ${describe(result.exit)}`);
}

await hangClosed.promise;
console.log('the server saw the hanging request cancelled');
console.log(`at most ${mostInFlight} requests were in flight at once`);

server.close();
await rt.shutdown();

function describe(reason: unknown): string {
  return reason instanceof Error ? reason.message : String(reason);
}

function manualResolvers<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
