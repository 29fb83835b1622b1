import { describe, expect, it } from 'vitest';
import {
  CallError,
  Down,
  Exit,
  GenServer,
  NodeDown,
  NodeError,
  NoProcError,
  Pid,
  Ref,
  type Runtime,
  Sys,
  Timeout,
} from '../../src/index.js';
import { makeRuntime, type Probe, probe } from '../helpers.js';
import { Item } from './fixtures/echo-node.js';

const ENTRY = new URL('./fixtures/echo-node.ts', import.meta.url);
const WAIT = 15_000;

let nextNode = 1;
/** A main node and a peer running the echo fixture (stopped with the runtime after the test). */
async function mainAndPeer(
  arg?: unknown,
): Promise<{ rt: Runtime & { log: { text(): string } }; peer: string }> {
  const rt = makeRuntime({ node: `main${nextNode}@localhost` });
  const peer = await rt.startPeer({ name: `peer${nextNode++}@localhost`, entry: ENTRY, arg });
  return { rt, peer: peer.node };
}

/** Asks the peer's `agent` process (or `to`) to do something, `from` the probe. */
function order(
  rt: Runtime,
  dest: Pid | { name: string; node: string },
  p: Probe,
  what: Record<string, unknown>,
): void {
  rt.send(dest, { ...what, from: p.pid });
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

describe('send across nodes', () => {
  it('reaches { name, node } and a remote pid, and values keep their identity or prototype', async () => {
    const { rt, peer } = await mainAndPeer();
    const p = probe(rt);
    const ref = rt.makeRef();
    const value = {
      pid: p.pid,
      ref,
      item: new Item('tea', 3),
      map: new Map<unknown, unknown>([[1, new Set(['a'])]]),
      date: new Date(5),
      big: 10n,
      atom: Symbol.for('ok'),
      error: new NoProcError('GenServer.call', 'x'),
      exit: new Exit(p.pid, 'normal'),
      bytes: new Uint8Array([1, 2]),
      nested: [{ deep: [undefined, null] }],
    };
    order(rt, { name: 'agent', node: peer }, p, { do: 'echo', value });
    const back = (await p.expectMessage(undefined, WAIT)) as typeof value;
    expect(back).not.toBe(value);
    expect(back.pid).toBe(p.pid);
    expect(back.ref).toBe(ref);
    expect(back.item).toBeInstanceOf(Item);
    expect(back.item).toEqual(value.item);
    expect(back.map.get(1)).toEqual(new Set(['a']));
    expect(back.date).toEqual(new Date(5));
    expect(back.big).toBe(10n);
    expect(back.atom).toBe(Symbol.for('ok'));
    expect(back.error).toBeInstanceOf(NoProcError);
    expect(back.error.message).toBe(value.error.message);
    expect(back.exit).toBeInstanceOf(Exit);
    expect(back.exit.from).toBe(p.pid);
    expect(back.bytes).toEqual(new Uint8Array([1, 2]));
    expect(back.nested).toEqual([{ deep: [undefined, null] }]);
  });

  it('keeps the order of messages between a pair of processes under load', async () => {
    const { rt, peer } = await mainAndPeer();
    const p = probe(rt);
    const agent = rt.whereis('x') ?? { name: 'agent', node: peer };
    const n = 20_000;
    for (let i = 0; i < n; i++) order(rt, agent, p, { do: 'echo', value: i });
    const got: unknown[] = [];
    for (let i = 0; i < n; i++) got.push(await p.expectMessage(undefined, WAIT));
    expect(got).toEqual(Array.from({ length: n }, (_, i) => i));
  });

  it('throws the TypeError of messages: copy for a message that cannot be copied', async () => {
    const { rt, peer } = await mainAndPeer();
    expect(() => rt.send({ name: 'agent', node: peer }, { items: [1, 2, () => 3] })).toThrow(
      /^send: cannot copy a function \(.*\) at message\.items\[2\]/,
    );
    expect(() => GenServer.cast(rt, { name: 'counter', node: peer }, Symbol('x'))).toThrow(
      TypeError,
    );
    await expect(
      GenServer.call(rt, { name: 'counter', node: peer }, new (class Foo {})()),
    ).rejects.toThrow(/cannot copy an instance of Foo/);
  });

  it('drops a message to a pid of an earlier incarnation of a node', async () => {
    const { rt, peer } = await mainAndPeer();
    const p = probe(rt);
    const pid = (await GenServer.call(
      rt,
      { name: 'counter', node: peer },
      { type: 'whoami' },
    )) as undefined;
    expect(pid).toBeUndefined();
    order(rt, { name: 'saboteur', node: peer }, p, { do: 'spawn-agent' });
    const agent = (await p.expectMessage(undefined, WAIT)) as Pid;
    expect(agent).toBeInstanceOf(Pid);
    expect(agent.node).toBe(peer);
    expect(String(agent)).toMatch(/^<[1-9]\d*\.\d+\.0>$/);
    const stale = new (Pid as unknown as new (n: string, i: number, c: number) => Pid)(
      agent.node,
      agent.id,
      agent.creation + 1,
    );
    order(rt, stale, p, { do: 'echo', value: 'stale' });
    order(rt, agent, p, { do: 'echo', value: 'current' });
    expect(await p.expectMessage(undefined, WAIT)).toBe('current');
    await p.expectNoMessage(50);
  });
});

/** The agent of the peer, and a main process `self` that does what the test says. */
async function remoteAgent(rt: Runtime, peer: string, p: Probe): Promise<Pid> {
  order(rt, { name: 'saboteur', node: peer }, p, { do: 'spawn-agent' });
  return (await p.expectMessage((m) => m instanceof Pid, WAIT)) as Pid;
}

describe('links across nodes', () => {
  it('an abnormal exit on the peer kills the linked local process with the same reason', async () => {
    const { rt, peer } = await mainAndPeer();
    const p = probe(rt);
    const agent = await remoteAgent(rt, peer, p);
    const local = rt.spawn(async (self) => {
      self.link(agent);
      self.send(p.pid, 'linked');
      await self.receive();
    });
    await p.expectMessage((m) => m === 'linked', WAIT);
    expect(rt.info(local)?.links).toEqual([agent]);
    order(rt, agent, p, { do: 'exit', reason: { crashed: 'on purpose' } });
    expect(await rt.awaitExit(local)).toEqual({ crashed: 'on purpose' });
  });

  it('a local exit reaches a trapping remote process as an Exit from the local pid', async () => {
    const { rt, peer } = await mainAndPeer();
    const p = probe(rt);
    const agent = await remoteAgent(rt, peer, p);
    order(rt, agent, p, { do: 'trap' });
    await p.expectMessage((m) => m === 'trapping', WAIT);
    const local = rt.spawn(async (self) => {
      self.link(agent);
      await self.receive();
      throw new RangeError('local crash');
    });
    order(rt, agent, p, { do: 'forward' });
    rt.send(local, 'go');
    const exit = (await p.expectMessage((m) => m instanceof Exit, WAIT)) as Exit;
    expect(exit.from).toBe(local);
    expect(exit.reason).toBeInstanceOf(RangeError);
    expect((exit.reason as Error).message).toBe('local crash');
  });

  it('a normal exit on the peer does not kill the linked local process; a trapping one gets Exit normal', async () => {
    const { rt, peer } = await mainAndPeer();
    const p = probe(rt);
    const agent = await remoteAgent(rt, peer, p);
    const local = rt.spawn(async (self) => {
      self.link(agent);
      self.send(p.pid, 'linked');
      self.send(p.pid, await self.receive());
    });
    const trapper = rt.spawn(async (self) => {
      self.trapExit(true);
      self.link(agent);
      self.send(p.pid, 'trapper linked');
      self.send(p.pid, await self.receive({ match: (m) => m instanceof Exit }));
    });
    await p.expectMessage((m) => m === 'linked', WAIT);
    await p.expectMessage((m) => m === 'trapper linked', WAIT);
    order(rt, agent, p, { do: 'exit', reason: 'normal' });
    expect(await p.expectMessage((m) => m instanceof Exit, WAIT)).toMatchObject({
      from: agent,
      reason: 'normal',
    });
    await rt.awaitExit(trapper);
    expect(rt.isAlive(local)).toBe(true);
    rt.send(local, 'still here');
    expect(await p.expectMessage((m) => m === 'still here', WAIT)).toBe('still here');
  });

  it('a local process killed is seen as killed by its trapping link on the peer', async () => {
    const { rt, peer } = await mainAndPeer();
    const p = probe(rt);
    const agent = await remoteAgent(rt, peer, p);
    order(rt, agent, p, { do: 'trap' });
    await p.expectMessage((m) => m === 'trapping', WAIT);
    const local = rt.spawn(async (self) => {
      self.link(agent);
      self.send(p.pid, 'linked');
      await self.receive();
    });
    await p.expectMessage((m) => m === 'linked', WAIT);
    order(rt, agent, p, { do: 'forward' });
    rt.exit(local, 'kill');
    expect(await p.expectMessage((m) => m instanceof Exit, WAIT)).toMatchObject({
      from: local,
      reason: 'killed',
    });
  });

  it('a link or a monitor to a pid of an earlier incarnation of a node gives noproc', async () => {
    const { rt, peer } = await mainAndPeer();
    const p = probe(rt);
    const agent = await remoteAgent(rt, peer, p);
    const stale = new (Pid as unknown as new (n: string, i: number, c: number) => Pid)(
      agent.node,
      agent.id,
      agent.creation + 1,
    );
    rt.spawn(async (self) => {
      self.trapExit(true);
      self.link(stale);
      self.send(p.pid, await self.receive({ match: (m) => m instanceof Exit }));
      const ref = self.monitor(stale);
      self.send(p.pid, await self.receive({ match: (m) => m instanceof Down && m.ref === ref }));
    });
    expect(await p.expectMessage((m) => m instanceof Exit, WAIT)).toMatchObject({
      from: stale,
      reason: 'noproc',
    });
    expect(await p.expectMessage((m) => m instanceof Down, WAIT)).toMatchObject({
      pid: stale,
      reason: 'noproc',
    });
  });

  it('a link to a remote pid that is dead gives noproc', async () => {
    const { rt, peer } = await mainAndPeer();
    const p = probe(rt);
    const agent = await remoteAgent(rt, peer, p);
    order(rt, agent, p, { do: 'exit', reason: 'normal' });
    const watcher = rt.spawn(async (self) => {
      self.trapExit(true);
      const ref = self.monitor(agent);
      await self.receive({ match: (m) => m instanceof Down && m.ref === ref });
      self.link(agent);
      self.send(p.pid, await self.receive({ match: (m) => m instanceof Exit }));
    });
    const exit = (await p.expectMessage((m) => m instanceof Exit, WAIT)) as Exit;
    expect(exit).toMatchObject({ from: agent, reason: 'noproc' });
    await rt.awaitExit(watcher);
  });

  it('after unlink (and its ack) an exit no longer travels; exit/2 with kill still kills', async () => {
    const { rt, peer } = await mainAndPeer();
    const p = probe(rt);
    const agent = await remoteAgent(rt, peer, p);
    const local = rt.spawn(async (self) => {
      self.link(agent);
      self.unlink(agent);
      self.send(agent, { do: 'echo', value: 'unlinked', from: p.pid });
      await self.receive();
    });
    await p.expectMessage((m) => m === 'unlinked', WAIT);
    order(rt, agent, p, { do: 'exit', reason: 'crash' });
    const ref = rt.spawn(async (self) => {
      const r = self.monitor(agent);
      self.send(p.pid, await self.receive({ match: (m) => m instanceof Down && m.ref === r }));
    });
    const down = (await p.expectMessage((m) => m instanceof Down, WAIT)) as Down;
    expect(down.reason).toBe('noproc');
    await rt.awaitExit(ref);
    expect(rt.isAlive(local)).toBe(true);
    const agent2 = await remoteAgent(rt, peer, p);
    order(rt, agent2, p, { do: 'exit2', pid: local, reason: 'kill' });
    expect(await rt.awaitExit(local)).toBe('killed');
  });

  it('rt.exit on a remote pid sends exit/2: a trapping process gets an Exit', async () => {
    const { rt, peer } = await mainAndPeer();
    const p = probe(rt);
    const agent = await remoteAgent(rt, peer, p);
    order(rt, agent, p, { do: 'trap' });
    await p.expectMessage((m) => m === 'trapping', WAIT);
    order(rt, agent, p, { do: 'forward' });
    rt.exit(agent, 'shutdown');
    const exit = (await p.expectMessage((m) => m instanceof Exit, WAIT)) as Exit;
    expect(exit.reason).toBe('shutdown');
    expect(exit.from.node).toBe(rt.node);
    rt.exit(agent, 'kill');
    const watcher = rt.spawn(async (self) => {
      const r = self.monitor(agent);
      self.send(p.pid, await self.receive({ match: (m) => m instanceof Down && m.ref === r }));
    });
    expect(((await p.expectMessage((m) => m instanceof Down, WAIT)) as Down).reason).toMatch(
      /killed|noproc/,
    );
    await rt.awaitExit(watcher);
  });
});

describe('monitors across nodes', () => {
  it('by pid: one Down with the exit reason; by { name, node }: Down.pid is that name', async () => {
    const { rt, peer } = await mainAndPeer();
    const p = probe(rt);
    const agent = await remoteAgent(rt, peer, p);
    const dest = { name: 'counter', node: peer };
    rt.spawn(async (self) => {
      const byPid = self.monitor(agent);
      const byName = self.monitor(dest);
      expect(rt.info(self.pid)?.monitors).toEqual([]);
      self.send(agent, { do: 'exit', reason: 'bye', from: p.pid });
      self.send(p.pid, await self.receive({ match: (m) => m instanceof Down && m.ref === byPid }));
      GenServer.call(self, dest, { type: 'crash', reason: 'boom' }).catch(() => {});
      self.send(p.pid, await self.receive({ match: (m) => m instanceof Down && m.ref === byName }));
    });
    const first = (await p.expectMessage((m) => m instanceof Down, WAIT)) as Down;
    expect(first).toMatchObject({ pid: agent, reason: 'bye' });
    expect(first.ref).toBeInstanceOf(Ref);
    const second = (await p.expectMessage((m) => m instanceof Down, WAIT)) as Down;
    expect(second.pid).toEqual(dest);
    expect(second.reason).toBe('boom');
  });

  it('of a name nobody holds gives Down noproc at once', async () => {
    const { rt, peer } = await mainAndPeer();
    const p = probe(rt);
    rt.spawn(async (self) => {
      self.monitor({ name: 'nobody', node: peer });
      self.send(p.pid, await self.receive());
    });
    expect(await p.expectMessage(undefined, WAIT)).toMatchObject({
      reason: 'noproc',
      pid: { name: 'nobody', node: peer },
    });
  });

  it('demonitor with flush removes the monitor and a Down already come', async () => {
    const { rt, peer } = await mainAndPeer();
    const p = probe(rt);
    const agent = await remoteAgent(rt, peer, p);
    rt.spawn(async (self) => {
      const a = self.monitor(agent);
      expect(self.demonitor(a)).toBe(true);
      const b = self.monitor(agent);
      self.send(agent, { do: 'exit', reason: 'gone', from: p.pid });
      // A third monitor on the dead process answers after the Down of `b`: order per pair.
      const c = self.monitor(agent);
      await self.receive({ match: (m) => m instanceof Down && m.ref === c });
      expect(self.demonitor(b, { flush: true })).toBe(false);
      const next = await self.receive({ timeout: 20 });
      self.send(p.pid, next === Timeout ? 'nothing more' : next);
    });
    expect(await p.expectMessage(undefined, WAIT)).toBe('nothing more');
  });
});

describe('calls and casts across nodes', () => {
  it('GenServer.call and cast reach a remote pid and a { name, node }; from.pid is the calling process', async () => {
    const { rt, peer } = await mainAndPeer();
    const dest = { name: 'counter', node: peer };
    const p = probe(rt);
    GenServer.cast(rt, dest, 'inc');
    GenServer.cast(rt, dest, 'inc');
    expect(await GenServer.call(rt, dest, 'get')).toBe(2);
    rt.spawn(async (self) => {
      self.send(p.pid, await GenServer.call(self, dest, { type: 'whoami' }));
    });
    const caller = (await p.expectMessage(undefined, WAIT)) as Pid;
    expect(caller).toBeInstanceOf(Pid);
    expect(caller.node).toBe(rt.node);
    expect(await Sys.getState(rt, dest)).toBe(2);
  });

  it('rejects with CallError and the reason when the server dies during the call, NoProcError for a free name', async () => {
    const { rt, peer } = await mainAndPeer();
    const dest = { name: 'counter', node: peer };
    const error = await GenServer.call(rt, dest, { type: 'crash', reason: 'boom' }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CallError);
    expect(error).toMatchObject({ reason: 'boom', dest });
    await expect(GenServer.call(rt, { name: 'nobody', node: peer }, 'get')).rejects.toBeInstanceOf(
      NoProcError,
    );
  });

  it('rejects with CallTimeoutError after the timeout', async () => {
    const { rt, peer } = await mainAndPeer();
    await expect(
      GenServer.call(rt, { name: 'agent', node: peer }, 'never answered', 50),
    ).rejects.toMatchObject({
      name: 'CallTimeoutError',
    });
  });

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
  async function watchEverything(rt: Runtime, peer: string) {
    const p = probe(rt);
    const agent = await remoteAgent(rt, peer, p);
    const linked = rt.spawn(async (self) => {
      self.trapExit(true);
      self.link(agent);
      self.monitor(agent);
      self.monitor({ name: 'counter', node: peer });
      self.monitorNode(peer);
      self.send(p.pid, 'watching');
      for (;;) self.send(p.pid, await self.receive());
    });
    await p.expectMessage((m) => m === 'watching', WAIT);
    return { p, agent, linked };
  }

  async function expectDown(p: Probe, agent: Pid, peer: string): Promise<void> {
    const got: unknown[] = [];
    for (let i = 0; i < 4; i++) got.push(await p.expectMessage(undefined, WAIT));
    expect(got.find((m) => m instanceof Exit)).toMatchObject({
      from: agent,
      reason: 'noconnection',
    });
    expect(got.filter((m) => m instanceof Down).map((m) => (m as Down).reason)).toEqual([
      'noconnection',
      'noconnection',
    ]);
    expect(got.find((m) => m instanceof NodeDown)).toMatchObject({
      node: peer,
      reason: 'noconnection',
    });
  }

  for (const kind of ['throw-outside', 'process-exit'] as const) {
    it(`when the peer's thread fails (${kind}) links, monitors and node monitors fire with noconnection`, async () => {
      const { rt, peer } = await mainAndPeer();
      const { p, agent } = await watchEverything(rt, peer);
      const nodedown = new Promise((r) => rt.once('nodedown', r));
      rt.send({ name: 'saboteur', node: peer }, { do: kind, from: p.pid });
      await expectDown(p, agent, peer);
      expect(await nodedown).toBe(peer);
      expect(rt.nodes()).toEqual([]);
    });
  }

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
