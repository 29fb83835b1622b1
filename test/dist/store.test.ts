import { describe, expect, it } from 'vitest';
import * as Management from '../../examples/store/management.js';
import { Store } from '../../examples/store/store.js';
import { StoreSupervisor } from '../../examples/store/store-supervisor.js';
import { Down, type Pid, Supervisor } from '../../src/index.js';
import { makeRuntime } from '../helpers.js';

describe('the store demo across nodes', () => {
  it('runs Store.Supervisor on a peer, with Store.Management called from the main thread', async () => {
    const rt = makeRuntime({ node: 'shop@localhost' });
    const peer = await rt.startPeer({
      name: 'stores@localhost',
      entry: new URL('./fixtures/store-node.ts', import.meta.url),
    });
    const stores = Management.on(peer.node);
    const test1 = new Store({ name: 'Test1', employees: 2 });
    const before = await stores.getStore(rt, test1);
    expect(before).toBeInstanceOf(Store); // A registered class: both nodes load store.ts.
    expect(before).toEqual(test1);
    stores.addEmployees(rt, test1, 4);
    expect((await stores.getStore(rt, test1)).employees).toBe(6);

    // Kill Test1 on the peer: its supervisor there restarts it with its first state.
    const supervisor = { name: StoreSupervisor.registeredName, node: peer.node };
    const children = await Supervisor.whichChildren(rt, supervisor);
    const old = children.find((c) => c.id === 'Test1')?.pid as Pid;
    expect(old.node).toBe(peer.node);
    const down = new Promise<Down>((resolve) => {
      rt.spawn(async (self) => {
        const ref = self.monitor(old);
        rt.exit(old, 'kill');
        resolve((await self.receive({ match: (m) => m instanceof Down && m.ref === ref })) as Down);
      });
    });
    expect((await down).reason).toBe('killed');
    // Calls by name reach the restarted store (the restart may still be under way).
    let after = await stores.getStore(rt, test1).catch(() => undefined);
    while (after === undefined) after = await stores.getStore(rt, test1).catch(() => undefined);
    expect(after.employees).toBe(2);
    const [again] = (await Supervisor.whichChildren(rt, supervisor)).filter(
      (c) => c.id === 'Test1',
    );
    expect(again?.pid).not.toBe(old);
  });
});
