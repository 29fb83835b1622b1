import { once } from 'node:events';
import { createConnection } from 'node:net';
import { describe, expect, it } from 'vitest';
import { lookupNode } from '../../../src/dist/tcp/epmd.js';
import { initiateHandshake, OUR_FLAGS } from '../../../src/dist/tcp/handshake.js';
import { Exit, GenServer, type Pid, type Runtime } from '../../../src/index.js';
import { probe } from '../../helpers.js';
import { describeSignals, order, remoteAgent, WAIT } from '../signals.js';
import { COOKIE, epmd, killNode, mainNode, nodeName, startNode, useCluster } from './cluster.js';

// Nodes in separate OS processes, over TCP on loopback, found through a port mapper.
useCluster();

describe('over TCP', () => {
  describeSignals(async (arg) => {
    const rt = await mainNode();
    const { node } = await startNode({ parent: rt, arg });
    return { rt, peer: node };
  });
});

/** The next nodedown event of `rt`: the node and the reason. */
function nodedown(rt: Runtime): Promise<[string, unknown]> {
  return new Promise((resolve) => rt.once('nodedown', (node, reason) => resolve([node, reason])));
}

/** A node of the test's own making: a socket that did the handshake, then does what the test says. */
async function fakeNode(rt: Runtime) {
  const name = rt.node.slice(0, rt.node.indexOf('@'));
  const entry = await lookupNode(name, { port: epmd });
  const socket = createConnection({ host: '127.0.0.1', port: entry!.port });
  await once(socket, 'connect');
  const node = nodeName('fake');
  const up = new Promise((resolve) => rt.once('nodeup', resolve));
  const result = await initiateHandshake(
    socket,
    { node, cookie: COOKIE, creation: 77, flags: OUR_FLAGS },
    rt.node,
  );
  expect(result.node).toBe(rt.node);
  expect(await up).toBe(node);
  return { node, socket };
}

describe('a cluster over TCP', () => {
  it('connects nodes to each other on first use: a node sends through a third', async () => {
    const rt = await mainNode();
    const a = await startNode({ parent: rt });
    const b = await startNode({ parent: rt });
    expect(rt.nodes().sort()).toEqual([a.node, b.node].sort());
    const p = probe(rt);
    // The agent on a echoes to b's agent (a dials b), which echoes back here.
    rt.send(
      { name: 'agent', node: a.node },
      {
        do: 'echo',
        from: { name: 'agent', node: b.node },
        value: { do: 'echo', from: p.pid, value: 'via a and b' },
      },
    );
    expect(await p.expectMessage(undefined, WAIT)).toBe('via a and b');
  });

  it('a node that comes back is a new incarnation: its old pids are dead', async () => {
    const rt = await mainNode();
    const first = await startNode({ parent: rt });
    const p = probe(rt);
    const old = await remoteAgent(rt, first.node, p);
    const down = nodedown(rt);
    await killNode(first.child);
    expect((await down)[0]).toBe(first.node);
    await startNode({ parent: rt, node: first.node });
    const agent = await remoteAgent(rt, first.node, p);
    expect(agent.creation).not.toBe(old.creation);
    order(rt, old, p, { do: 'echo', value: 'to the old one' });
    order(rt, agent, p, { do: 'echo', value: 'to the new one' });
    expect(await p.expectMessage(undefined, WAIT)).toBe('to the new one');
    rt.spawn(async (self) => {
      self.trapExit(true);
      self.link(old);
      self.send(p.pid, await self.receive({ match: (m) => m instanceof Exit }));
    });
    expect(await p.expectMessage((m) => m instanceof Exit, WAIT)).toMatchObject({
      from: old,
      reason: 'noproc',
    });
  });

  it('refuses a node with another cookie, both ways', async () => {
    const rt = await mainNode();
    const ups: string[] = [];
    rt.on('nodeup', (node) => ups.push(node));
    const stranger = await startNode({ cookie: 'not-the-cookie' });
    expect(await rt.connect(stranger.node)).toBe(false);
    await expect(
      GenServer.call(rt, { name: 'counter', node: stranger.node }, 'get'),
    ).rejects.toMatchObject({ name: 'CallError', reason: 'noconnection' });
    expect(ups).toEqual([]);
    expect(rt.nodes()).toEqual([]);
  });

  it('closes the connection of a node that sends a malformed message, and only that one', async () => {
    const rt = await mainNode();
    const good = await startNode({ parent: rt });
    const fake = await fakeNode(rt);
    const down = nodedown(rt);
    const closed = once(fake.socket, 'close');
    // A pass-through message whose term is not one: 131 then a tag that does not exist.
    fake.socket.write(Uint8Array.of(0, 0, 0, 3, 112, 131, 255));
    expect((await down)[0]).toBe(fake.node);
    await closed;
    expect(rt.nodes()).toEqual([good.node]);
    expect(await GenServer.call(rt, { name: 'counter', node: good.node }, 'get')).toBe(0);
  });

  it('closes the connection of a node that announces a frame past the limit', async () => {
    const rt = await mainNode();
    const fake = await fakeNode(rt);
    const down = nodedown(rt);
    const closed = once(fake.socket, 'close');
    // A 4-byte length of 2 GB: refused as soon as it is read, nothing allocated for it.
    fake.socket.write(Uint8Array.of(0x7f, 0xff, 0xff, 0xff, 112));
    expect((await down)[0]).toBe(fake.node);
    await closed;
    expect(rt.log.text()).toMatch(/closing the connection to fake.*frame/i);
  });

  it("a node that shuts down sends its processes' last exits before its connections close", async () => {
    const a = await mainNode();
    const b = await mainNode();
    a.spawn(
      async (self) => {
        for (;;) {
          const { from } = (await self.receive()) as { from: Pid };
          self.send(from, self.pid);
        }
      },
      { name: 'worker' },
    );
    const p = probe(b);
    b.spawn(async (self) => {
      self.trapExit(true);
      self.send({ name: 'worker', node: a.node }, { from: self.pid });
      const worker = (await self.receive()) as Pid;
      self.link(worker);
      // The worker answers after the LINK (order per pair): a knows of the link.
      self.send(worker, { from: self.pid });
      await self.receive({ match: (m) => m === worker });
      self.send(p.pid, 'linked');
      self.send(p.pid, await self.receive({ match: (m) => m instanceof Exit }));
    });
    await p.expectMessage((m) => m === 'linked', WAIT);
    await a.shutdown();
    // 'shutdown', the worker's own exit, not 'noconnection': the EXIT came first.
    expect(await p.expectMessage((m) => m instanceof Exit, WAIT)).toMatchObject({
      reason: 'shutdown',
    });
  });

  it('two nodes dialling each other at once end up with one connection', async () => {
    const a = await mainNode();
    const b = await mainNode();
    const [ab, ba] = await Promise.all([a.connect(b.node), b.connect(a.node)]);
    expect([ab, ba]).toEqual([true, true]);
    expect(a.nodes()).toEqual([b.node]);
    expect(b.nodes()).toEqual([a.node]);
    const p = probe(b, 'listener');
    a.send({ name: 'listener', node: b.node }, 'over the one connection');
    expect(await p.expectMessage(undefined, WAIT)).toBe('over the one connection');
  });

  it('a node that misses its ticks is down (net_tick_timeout)', async () => {
    const rt = await mainNode({ tickTime: 400 });
    const fake = await fakeNode(rt);
    // The fake node says nothing from now on, ticks included.
    const [node, reason] = await nodedown(rt);
    expect(node).toBe(fake.node);
    expect(reason).toBe('net_tick_timeout');
    fake.socket.destroy();
  });
});
