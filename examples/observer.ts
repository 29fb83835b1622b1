/**
 * The store demo with the observer open: the store application (a root supervisor, a
 * store supervisor and two stores) runs while a worker keeps adding employees, and
 * `startObserver` serves a live page of it. Open the printed URL to see the tree, sort
 * the processes, read a store's state, trace it, or kill it and watch it come back.
 *
 *   npx tsx examples/observer.ts                       stays open until Ctrl-C
 *   OBSERVER_SECONDS=30 npx tsx examples/observer.ts   closes after 30 s
 *   OBSERVER_PORT=4000 npx tsx examples/observer.ts    on a fixed port
 *
 * Run without a terminal (as the example tests run it), it closes at once unless
 * OBSERVER_SECONDS says otherwise, and exits by itself.
 *
 * @module
 */
import { GenServer, Runtime } from 'otp-ts';
import { startObserver } from 'otp-ts/observer';
import { startApplication } from './store/application.js';

const seconds = Number(
  process.env.OBSERVER_SECONDS ?? (process.stdout.isTTY ? Number.POSITIVE_INFINITY : 0),
);
const rt = new Runtime({ logger: false });
const app = await startApplication(rt, { signals: [] });
const observer = await startObserver(rt, { port: Number(process.env.OBSERVER_PORT ?? 0) });
console.log(`observer: ${observer.url}`);

// Some traffic to watch: a worker adds an employee to a store every 100 ms.
const worker = rt.spawn(async (self) => {
  for (;;) {
    GenServer.cast(self, 'Test1', { type: 'addEmployees', amount: 1 });
    await self.receive({ match: () => false, timeout: 100 });
  }
});

await new Promise<void>((resolve) => {
  const stop = (): void => resolve();
  process.once('SIGINT', stop);
  if (Number.isFinite(seconds)) setTimeout(stop, Math.max(0, seconds) * 1000);
});
rt.exit(worker, 'kill');
await observer.close();
await app.stop();
await rt.shutdown();
console.log('observer closed');
