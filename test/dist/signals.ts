// The signals between two nodes, the same over every carrier: the thread carrier's
// tests (node.test.ts) and the TCP carrier's (tcp/cluster.test.ts) run this suite,
// each with its own way of making a main node and a peer running the echo fixture.
import { describe, expect, it } from 'vitest';
import {
  CallError,
  Down,
  Exit,
  GenServer,
  NodeDown,
  NoProcError,
  Pid,
  Ref,
  type Runtime,
  Sys,
  Timeout,
} from '../../src/index.js';
import { type Probe, probe } from '../helpers.js';
import { Item } from './fixtures/echo-node.js';

export const WAIT = 15_000;

/** Makes a main node and a peer node running the echo fixture; both go with the test. */
export type MainAndPeer = (arg?: unknown) => Promise<{ rt: Runtime; peer: string }>;

/** Asks the peer's `agent` process (or `to`) to do something, `from` the probe. */
export function order(
  rt: Runtime,
  dest: Pid | { name: string; node: string },
  p: Probe,
  what: Record<string, unknown>,
): void {
  rt.send(dest, { ...what, from: p.pid });
}

/** The agent of the peer, and a main process `self` that does what the test says. */
export async function remoteAgent(rt: Runtime, peer: string, p: Probe): Promise<Pid> {
  order(rt, { name: 'saboteur', node: peer }, p, { do: 'spawn-agent' });
  return (await p.expectMessage((m) => m instanceof Pid, WAIT)) as Pid;
}

/** A main process linked to and monitoring the peer's agent, its counter and its node; it forwards all it gets. */
export async function watchEverything(rt: Runtime, peer: string) {
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

/** The four messages of a node gone down: Exit, two Downs and NodeDown, all noconnection. */
export async function expectDown(p: Probe, agent: Pid, peer: string): Promise<void> {
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

/** Every signal across two nodes, over the carrier `mainAndPeer` connects them by. */
export function describeSignals(mainAndPeer: MainAndPeer): void {
  /** The two nodes, a probe on the main one, and an agent on the peer that reports to it. */
  async function withAgent(): Promise<{ rt: Runtime; peer: string; p: Probe; agent: Pid }> {
    const { rt, peer } = await mainAndPeer();
    const p = probe(rt);
    return { rt, peer, p, agent: await remoteAgent(rt, peer, p) };
  }

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

  describe('links across nodes', () => {
    it('an abnormal exit on the peer kills the linked local process with the same reason', async () => {
      const { rt, p, agent } = await withAgent();
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
      const { rt, p, agent } = await withAgent();
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
      const { rt, p, agent } = await withAgent();
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
      const { rt, p, agent } = await withAgent();
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
      const { rt, p, agent } = await withAgent();
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
      const { rt, p, agent } = await withAgent();
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
      const { rt, peer, p, agent } = await withAgent();
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
      // The monitor and the order to exit race (they come from different processes):
      // it finds the agent dead or sees it die.
      expect(['noproc', 'crash']).toContain(down.reason);
      await rt.awaitExit(ref);
      expect(rt.isAlive(local)).toBe(true);
      const agent2 = await remoteAgent(rt, peer, p);
      order(rt, agent2, p, { do: 'exit2', pid: local, reason: 'kill' });
      expect(await rt.awaitExit(local)).toBe('killed');
    });

    it('rt.exit on a remote pid sends exit/2: a trapping process gets an Exit', async () => {
      const { rt, p, agent } = await withAgent();
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
      const { rt, peer, p, agent } = await withAgent();
      const dest = { name: 'counter', node: peer };
      rt.spawn(async (self) => {
        const byPid = self.monitor(agent);
        const byName = self.monitor(dest);
        expect(rt.info(self.pid)?.monitors).toEqual([]);
        self.send(agent, { do: 'exit', reason: 'bye', from: p.pid });
        self.send(
          p.pid,
          await self.receive({ match: (m) => m instanceof Down && m.ref === byPid }),
        );
        GenServer.call(self, dest, { type: 'crash', reason: 'boom' }).catch(() => {});
        self.send(
          p.pid,
          await self.receive({ match: (m) => m instanceof Down && m.ref === byName }),
        );
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
      const { rt, p, agent } = await withAgent();
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
      await expect(
        GenServer.call(rt, { name: 'nobody', node: peer }, 'get'),
      ).rejects.toBeInstanceOf(NoProcError);
    });

    it('rejects with CallTimeoutError after the timeout', async () => {
      const { rt, peer } = await mainAndPeer();
      await expect(
        GenServer.call(rt, { name: 'agent', node: peer }, 'never answered', 50),
      ).rejects.toMatchObject({
        name: 'CallTimeoutError',
      });
    });
  });

  describe('node down', () => {
    for (const kind of ['throw-outside', 'process-exit'] as const) {
      it(`when the peer fails (${kind}) links, monitors and node monitors fire with noconnection`, async () => {
        const { rt, peer } = await mainAndPeer();
        const { p, agent } = await watchEverything(rt, peer);
        const nodedown = new Promise((r) => rt.once('nodedown', r));
        rt.send({ name: 'saboteur', node: peer }, { do: kind, from: p.pid });
        await expectDown(p, agent, peer);
        expect(await nodedown).toBe(peer);
        expect(rt.nodes()).toEqual([]);
      });
    }
  });
}
