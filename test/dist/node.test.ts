import { describe, expect, it } from 'vitest';
import {
  CallError,
  Down,
  Exit,
  GenServer,
  NodeDown,
  NodeError,
  type Runtime,
} from '../../src/index.js';
import { makeRuntime, probe } from '../helpers.js';
import { describeSignals, expectDown, order, WAIT, watchEverything } from './signals.js';

const ENTRY = new URL('./fixtures/echo-node.ts', import.meta.url);

let nextNode = 1;
/** A main node and a peer running the echo fixture (stopped with the runtime after the test). */
async function mainAndPeer(
  arg?: unknown,
): Promise<{ rt: Runtime & { log: { text(): string } }; peer: string }> {
  const rt = makeRuntime({ node: `main${nextNode}@localhost` });
  const peer = await rt.startPeer({ name: `peer${nextNode++}@localhost`, entry: ENTRY, arg });
  return { rt, peer: peer.node };
}

describe('rt.startPeer', () => {
  it('boots a node on a worker thread, connects it, and reports nodeup', async () => {
    const rt = makeRuntime({ node: 'boot@localhost' });
    const ups: string[] = [];
    rt.on('nodeup', (node) => ups.push(node));
    const peer = await rt.startPeer({ name: 'booted@localhost', entry: ENTRY });
    expect(peer.node).toBe('booted@localhost');
    expect(rt.nodes()).toEqual(['booted@localhost']);
    expect(ups).toEqual(['booted@localhost']);
    expect(await rt.connect('booted@localhost')).toBe(true);
  });

  it('rejects with NodeError not_alive on a runtime without a node name', async () => {
    const rt = makeRuntime();
    await expect(rt.startPeer({ name: 'x@localhost', entry: ENTRY })).rejects.toMatchObject({
      name: 'NodeError',
      reason: 'not_alive',
    });
    await expect(rt.connect('x@localhost')).rejects.toBeInstanceOf(NodeError);
  });

  it('rejects a name already taken with NodeError not_allowed, and bad options with TypeError', async () => {
    const { rt, peer } = await mainAndPeer();
    await expect(rt.startPeer({ name: peer, entry: ENTRY })).rejects.toMatchObject({
      reason: 'not_allowed',
    });
    await expect(rt.startPeer({ name: 'no-host', entry: ENTRY })).rejects.toThrow(
      /^startPeer: expected `name` to be a node name 'name@host', got "no-host"$/,
    );
    await expect(
      rt.startPeer({ name: 'e@localhost', entry: 42 as unknown as string }),
    ).rejects.toBeInstanceOf(TypeError);
  });

  it('rejects with NodeError boot_failed when the entry throws, and the thread is gone', async () => {
    const rt = makeRuntime({ node: 'bootfail@localhost' });
    const error = await rt
      .startPeer({ name: 'failing@localhost', entry: ENTRY, arg: { crash: 'boot' } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NodeError);
    expect(error).toMatchObject({ reason: 'boot_failed', node: 'failing@localhost' });
    expect((error as NodeError).cause).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/boot failed on purpose/);
    expect(rt.nodes()).toEqual([]);
  });

  it('peer.stop() ends the node: nodedown, and a second stop resolves at once', async () => {
    const rt = makeRuntime({ node: 'stopper@localhost' });
    const peer = await rt.startPeer({ name: 'stopped@localhost', entry: ENTRY });
    const down = new Promise((resolve) =>
      rt.once('nodedown', (node, reason) => resolve([node, reason])),
    );
    await peer.stop();
    expect(await down).toEqual(['stopped@localhost', 'noconnection']);
    expect(rt.nodes()).toEqual([]);
    await peer.stop();
    expect(await rt.connect('stopped@localhost')).toBe(false);
  });
});

describeSignals(mainAndPeer);

describe('calls across nodes', () => {
  it('to a node that cannot be reached rejects with CallError noconnection', async () => {
    const rt = makeRuntime({ node: 'lonely@localhost' });
    await expect(
      GenServer.call(rt, { name: 'x', node: 'nowhere@localhost' }, 'get'),
    ).rejects.toMatchObject({
      name: 'CallError',
      reason: 'noconnection',
    });
    expect(await rt.connect('nowhere@localhost')).toBe(false);
  });
});

describe('node down', () => {
  it('when the peer runs out of memory, the node goes down and this one goes on', async () => {
    const rt = makeRuntime({ node: 'oom-main@localhost' });
    const peer = (
      await rt.startPeer({
        name: 'oom@localhost',
        entry: ENTRY,
        resourceLimits: { maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 8 },
      })
    ).node;
    const { p, agent } = await watchEverything(rt, peer);
    rt.send({ name: 'saboteur', node: peer }, { do: 'oom', from: p.pid });
    await expectDown(p, agent, peer);
  });

  it('when the peer is stopped: its processes shut down first, then the node is down', async () => {
    const rt = makeRuntime({ node: 'stop-main@localhost' });
    const peer = await rt.startPeer({ name: 'stop-peer@localhost', entry: ENTRY });
    const { p, agent } = await watchEverything(rt, peer.node);
    // The link travelled on the data channel, the stop will not: an answer from the
    // agent, which comes after the link on that channel, says the peer knows of it.
    order(rt, agent, p, { do: 'echo', value: 'link known' });
    await p.expectMessage((m) => m === 'link known', WAIT);
    const call = GenServer.call(
      rt,
      { name: 'agent', node: peer.node },
      'never answered',
      Number.POSITIVE_INFINITY,
    ).catch((e: unknown) => e);
    await peer.stop();
    const got: unknown[] = [];
    for (let i = 0; i < 4; i++) got.push(await p.expectMessage(undefined, WAIT));
    // A stop is an orderly shutdown (Erlang's init:stop): processes end with 'shutdown'.
    expect(got.find((m) => m instanceof Exit)).toMatchObject({ from: agent, reason: 'shutdown' });
    expect(got.filter((m) => m instanceof Down)).toHaveLength(2);
    expect(got.find((m) => m instanceof NodeDown)).toMatchObject({
      node: peer.node,
      reason: 'noconnection',
    });
    // The call and the stop travel on different channels: the call finds the server
    // shutting down, gone, or never arrives before the thread ends.
    const error = await call;
    expect(error).toBeInstanceOf(CallError);
    expect(['shutdown', 'noproc', 'noconnection']).toContain((error as CallError).reason);
  });
});

describe('the mesh', () => {
  it('connects peers to each other: a peer calls another directly', async () => {
    const rt = makeRuntime({ node: 'hub@localhost' });
    const a = await rt.startPeer({ name: 'mesh-a@localhost', entry: ENTRY });
    const b = await rt.startPeer({ name: 'mesh-b@localhost', entry: ENTRY });
    expect(rt.nodes().sort()).toEqual(['mesh-a@localhost', 'mesh-b@localhost']);
    const p = probe(rt);
    // The agent on a echoes to a process on b (b's agent), which echoes back here.
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
});
