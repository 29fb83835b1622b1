/**
 * A killed process stops its I/O: `self.signal` aborts with the exit reason when the
 * process ends, so a `fetch` it started is cancelled with it.
 *
 * Starts an HTTP server on loopback that never answers, spawns a process that fetches
 * from it with `self.signal`, kills the process, and shows that the server saw the
 * request go away. Run with `npx tsx examples/abort.ts`.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Runtime } from 'otp-ts';

const closed = manualResolvers<void>();
const arrived = manualResolvers<void>();
const server = createServer((request) => {
  // Never answer: the only way this request ends is the client going away.
  arrived.resolve();
  request.on('close', () => closed.resolve());
});
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const { port } = server.address() as AddressInfo;

const rt = new Runtime();
const fetcher = rt.spawn(async (self) => {
  const response = await fetch(`http://127.0.0.1:${port}/slow`, { signal: self.signal });
  console.log('never printed:', response.status);
});

await arrived.promise;
console.log('the request is in flight; killing the process');
const exited = rt.awaitExit(fetcher);
rt.exit(fetcher, 'kill');
console.log('the process ended with', await exited);
await closed.promise;
console.log('the server saw the request cancelled');

server.close();
await rt.shutdown();

function manualResolvers<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
