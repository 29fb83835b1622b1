import { describe, expect, it } from 'vitest';
import {
  type BehaviourRef,
  GenServer,
  NodeError,
  Pid,
  StartError,
  Supervisor,
} from '../../src/index.js';
import { makeRuntime } from '../helpers.js';

const ENTRY = new URL('./fixtures/echo-node.ts', import.meta.url);
const CELL: BehaviourRef = {
  module: new URL('./fixtures/workers.ts', import.meta.url).href,
  export: 'Cell',
};

let n = 1;
async function mainAndPeer() {
  const rt = makeRuntime({ node: `rs-main${n}@localhost` });
  const peer = await rt.startPeer({ name: `rs-peer${n++}@localhost`, entry: ENTRY });
  return { rt, peer };
}

describe('rt.start with { module, export } and a node', () => {
  it('starts the class on that node and resolves with its pid there', async () => {
    const { rt, peer } = await mainAndPeer();
    const pid = await rt.start(CELL, 7, { node: peer.node, name: 'cell' });
    expect(pid).toBeInstanceOf(Pid);
    expect(pid.node).toBe(peer.node);
    expect(await GenServer.call(rt, pid, 'get')).toBe(7);
    expect(await GenServer.call(rt, { name: 'cell', node: peer.node }, 'node')).toBe(peer.node);
  });

  it('starts it on this node without a node option', async () => {
    const rt = makeRuntime({ node: 'rs-local@localhost' });
    const pid = await rt.start(CELL, 1);
    expect(pid.node).toBe(rt.node);
    expect(await GenServer.call(rt, pid, 'get')).toBe(1);
  });

  it('rejects with StartError naming module and export for an export that is not a behaviour', async () => {
    const { rt, peer } = await mainAndPeer();
    const bad = { module: CELL.module, export: 'notABehaviour' };
    const error = await rt.start(bad, 1, { node: peer.node }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StartError);
    expect((error as Error).message).toContain('notABehaviour');
    expect((error as Error).message).toContain('workers.ts');
    const missing = await rt
      .start({ module: 'file:///nowhere/none.js', export: 'X' }, 1, { node: peer.node })
      .catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(StartError);
    expect((missing as Error).message).toMatch(/none\.js/);
  });

  it('rejects with NodeError for a node that cannot be reached, and a class with a node with TypeError', async () => {
    const rt = makeRuntime({ node: 'rs-alone@localhost' });
    await expect(rt.start(CELL, 1, { node: 'unknown@localhost' })).rejects.toMatchObject({
      name: 'NodeError',
      reason: 'noconnection',
      node: 'unknown@localhost',
    });
    await expect(
      rt.start(Supervisor, { children: [] }, { node: 'unknown@localhost' }),
    ).rejects.toBeInstanceOf(TypeError);
    const plain = makeRuntime();
    await expect(plain.start(CELL, 1, { node: 'x@localhost' })).rejects.toBeInstanceOf(NodeError);
  });
});

describe('a supervisor with children on another node', () => {
  it('supervises and restarts a child on a peer, and stops it when it stops', async () => {
    const { rt, peer } = await mainAndPeer();
    const restarts: unknown[] = [];
    rt.on('restart', (_sup, id, reason) => restarts.push([id, reason]));
    const sup = await rt.start(Supervisor, {
      strategy: 'one_for_one',
      children: [{ id: 'cell', start: [CELL, 3, { node: peer.node, name: 'cell' }] }],
    });
    const [child] = await Supervisor.whichChildren(rt, sup);
    const first = child?.pid as Pid;
    expect(first.node).toBe(peer.node);
    await GenServer.call(rt, first, { crash: 'boom' }).catch(() => {});
    // The restart is reported once the new child is up on the peer.
    while (restarts.length === 0) await new Promise((r) => rt.once('restart', r));
    expect(restarts).toEqual([['cell', 'boom']]);
    const [again] = await Supervisor.whichChildren(rt, sup);
    expect(again?.pid).not.toBe(first);
    expect(await GenServer.call(rt, { name: 'cell', node: peer.node }, 'get')).toBe(3);
    const second = again?.pid as Pid;
    await GenServer.stop(rt, sup);
    expect(await GenServer.call(rt, second, 'get').catch((e: unknown) => (e as Error).name)).toBe(
      'NoProcError',
    );
  });

  it('counts a start that fails because the node is down in its restart intensity', async () => {
    const { rt, peer } = await mainAndPeer();
    const sup = await rt.start(Supervisor, {
      strategy: 'one_for_one',
      maxRestarts: 1,
      children: [{ id: 'cell', start: [CELL, 3, { node: peer.node }] }],
    });
    const exit = rt.awaitExit(sup);
    await peer.stop();
    // The child's link fires (the node went), the restart finds the node gone: the
    // supervisor gives up as for any failed start.
    const reason = await exit;
    expect(reason).toBe('shutdown'); // OTP's reason for a supervisor past its intensity.
    expect(rt.log.text('error')).toMatch(/noconnection/);
  });
});
