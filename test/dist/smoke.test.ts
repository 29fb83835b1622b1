import { afterEach, expect, it } from 'vitest';
import { GenServer, Runtime } from '../../src/index.js';

let rt: Runtime;
afterEach(async () => { await rt.shutdown(); });

it('smoke', async () => {
  rt = new Runtime({ node: 'main@localhost', logger: false });
  const t = Date.now();
  const peer = await rt.startPeer({ name: 'p1@localhost', entry: new URL('./fixtures/echo-node.ts', import.meta.url) });
  console.log('boot ms', Date.now() - t);
  GenServer.cast(rt, { name: 'counter', node: peer.node }, 'inc');
  expect(await GenServer.call(rt, { name: 'counter', node: peer.node }, 'get')).toBe(1);
  const pid = await GenServer.call(rt, { name: 'counter', node: peer.node }, { type: 'whoami' });
  expect(pid).toBe(undefined);
  expect(rt.nodes()).toEqual(['p1@localhost']);
});
