import { afterEach, describe, expect, it } from 'vitest';
import { Runtime } from '../../src/index.js';
import { type Observer, startObserver } from '../../src/observer/index.js';
import { openSse, type SseStream } from './sse.js';

const ENTRY = new URL('../dist/fixtures/echo-node.ts', import.meta.url);

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const clean of cleanups.splice(0).reverse()) await clean();
});

type Snap = {
  node: string;
  nodes: string[];
  table: { rows: { pid: string; name: string | null }[] };
};

describe('the observer with nodes', () => {
  it('lists the connected nodes and shows the processes of one, through an agent it starts there', async () => {
    const rt = new Runtime({ node: 'observed@localhost', logger: false });
    cleanups.push(() => rt.shutdown());
    const peer = await rt.startPeer({ name: 'seen@localhost', entry: ENTRY });
    const observer: Observer = await startObserver(rt, { interval: 100 });
    cleanups.push(() => observer.close());

    const own: SseStream = await openSse(`${observer.url}events`);
    cleanups.push(() => own.close());
    const local = (await own.next('snapshot')).data as Snap;
    expect(local.node).toBe('observed@localhost');
    expect(local.nodes).toEqual(['observed@localhost', 'seen@localhost']);

    const remote: SseStream = await openSse(
      `${observer.url}events?node=${encodeURIComponent(peer.node)}`,
    );
    cleanups.push(() => remote.close());
    const seen = (await remote.next('snapshot')).data as Snap;
    expect(seen.node).toBe('seen@localhost');
    const names = seen.table.rows.map((row) => row.name);
    // The peer's own processes, and the agent the observer started there.
    expect(names).toEqual(expect.arrayContaining(['counter', 'agent', 'otp-ts.observer.agent']));
  });

  it("shows a process of another node and kills it there, its supervisor's or not", async () => {
    const rt = new Runtime({ node: 'watcher@localhost', logger: false });
    cleanups.push(() => rt.shutdown());
    const peer = await rt.startPeer({ name: 'watched@localhost', entry: ENTRY });
    const observer = await startObserver(rt, { interval: 100 });
    cleanups.push(() => observer.close());
    const stream = await openSse(`${observer.url}events?node=${encodeURIComponent(peer.node)}`);
    cleanups.push(() => stream.close());
    const shot = (await stream.next('snapshot')).data as Snap;
    const counter = shot.table.rows.find((row) => row.name === 'counter')!;

    const details = (await (
      await fetch(
        `${observer.url}api/process?pid=${encodeURIComponent(counter.pid)}&node=${peer.node}`,
      )
    ).json()) as { name: string; behaviour: string; state: string };
    expect(details).toMatchObject({ name: 'counter', behaviour: 'GenServer', state: '0' });

    let monitoring!: () => void;
    const monitored = new Promise<void>((resolve) => {
      monitoring = resolve;
    });
    const down = new Promise<unknown>((resolve) => {
      rt.spawn(async (self) => {
        const ref = self.monitor({ name: 'counter', node: peer.node });
        monitoring();
        resolve(await self.receive({ match: (m) => (m as { ref?: unknown }).ref === ref }));
      });
    });
    // The monitor goes out first on the one connection to the peer, then the kill.
    await monitored;
    const killed = await fetch(`${observer.url}api/kill`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ pid: counter.pid, node: peer.node }),
    });
    expect(await killed.json()).toEqual({ killed: counter.pid });
    expect(await down).toMatchObject({ reason: 'killed' });
  });

  it('refuses a node it is not connected to', async () => {
    const rt = new Runtime({ node: 'lonely@localhost', logger: false });
    cleanups.push(() => rt.shutdown());
    const observer = await startObserver(rt);
    cleanups.push(() => observer.close());
    await expect(openSse(`${observer.url}events?node=nowhere@localhost`)).rejects.toThrow(/404/);
  });
});
