import { describe, expect, it } from 'vitest';
import {
  type From,
  GenServer,
  NoProcError,
  type Pid,
  reply,
  Supervisor,
  type Trace,
  type TraceEvent,
} from '../../src/index.js';
import { deferred, makeRuntime } from '../helpers.js';

class Echo extends GenServer<number, string, string> {
  override init(n: number): number {
    return n;
  }
  override handleCall(request: string, _from: From, n: number) {
    return reply(`echo ${request}`, n + 1);
  }
  override handleCast(_request: string, n: number): number {
    return n + 1;
  }
}

/** Reads events from `trace` until `n` have come or it ends. */
async function take(trace: Trace, n: number): Promise<TraceEvent[]> {
  const out: TraceEvent[] = [];
  if (n === 0) return out;
  for await (const event of trace) {
    out.push(event);
    if (out.length === n) break;
  }
  return out;
}

/** Reads every event of `trace` until it ends. */
async function all(trace: Trace): Promise<TraceEvent[]> {
  const out: TraceEvent[] = [];
  for await (const event of trace) out.push(event);
  return out;
}

describe('rt.trace', () => {
  it('follows what a process receives and sends, then ends when it exits', async () => {
    const rt = makeRuntime();
    const sink = rt.spawn((self) => self.receive());
    const pid = rt.spawn(async (self) => {
      const message = await self.receive();
      self.send(sink, { forwarded: message });
    });
    const trace = rt.trace(pid);
    rt.send(pid, 'hello');
    const events = await all(trace);
    expect(events.map((e) => e.type)).toEqual(['receive', 'send', 'exit']);
    const [received, sent, exited] = events;
    expect(received).toMatchObject({ type: 'receive', pid, message: 'hello' });
    expect(sent).toMatchObject({ type: 'send', pid, to: sink, message: { forwarded: 'hello' } });
    expect(exited).toMatchObject({ type: 'exit', pid, reason: 'normal' });
    expect(typeof received!.at).toBe('number');
    expect(trace.endReason).toBe('exit');
  });

  it('takes only the kinds of event asked for', async () => {
    const rt = makeRuntime();
    const pid = rt.spawn(async (self) => {
      await self.receive();
      self.send(self.pid, 'to myself');
      await self.receive();
    });
    const trace = rt.trace(pid, { events: ['exit'] });
    rt.send(pid, 'go');
    const events = await all(trace);
    expect(events).toEqual([{ type: 'exit', pid, at: expect.any(Number), reason: 'normal' }]);
  });

  it('ends by itself after `limit` events', async () => {
    const rt = makeRuntime();
    const pid = rt.spawn((self) => self.receive({ match: () => false }));
    const trace = rt.trace(pid, { events: ['receive'], limit: 3 });
    for (let i = 0; i < 10; i++) rt.send(pid, i);
    const events = await all(trace);
    expect(events.map((e) => (e.type === 'receive' ? e.message : undefined))).toEqual([0, 1, 2]);
    expect(trace.endReason).toBe('limit');
    expect(trace.count).toBe(3);
  });

  it('ends by itself when more than `rate.max` events come within `rate.ms`', async () => {
    const rt = makeRuntime();
    const pid = rt.spawn((self) => self.receive({ match: () => false }));
    const trace = rt.trace(pid, { rate: { max: 5, ms: 60_000 } });
    for (let i = 0; i < 100; i++) rt.send(pid, i);
    const events = await all(trace);
    expect(events).toHaveLength(5);
    expect(trace.endReason).toBe('rate');
  });

  it('ends at stop(), and when a for-await loop breaks out of it', async () => {
    const rt = makeRuntime();
    const pid = rt.spawn((self) => self.receive({ match: () => false }));
    const stopped = rt.trace(pid);
    const reading = all(stopped);
    stopped.stop();
    expect(await reading).toEqual([]);
    expect(stopped.endReason).toBe('stopped');

    const broken = rt.trace(pid);
    rt.send(pid, 'one');
    rt.send(pid, 'two');
    expect(await take(broken, 1)).toHaveLength(1);
    expect(broken.endReason).toBe('stopped');
  });

  it('leaves nothing behind once its last trace has ended', async () => {
    const rt = makeRuntime();
    const pid = rt.spawn((self) => self.receive({ match: () => false }));
    const one = rt.trace(pid);
    const every = rt.trace('all');
    expect(rt.tracer).toBeDefined();
    every.stop();
    expect(rt.processOf(pid)?.traced).toBe(true); // still traced by `one`
    one.stop();
    expect(rt.tracer).toBeUndefined();
    expect(rt.processes().every((p) => rt.processOf(p)?.traced === false)).toBe(true);
  });

  it('traces a call made by the traced process, and the reply the traced server sends', async () => {
    const rt = makeRuntime();
    const server = await rt.start(Echo, 0);
    const done = deferred<unknown>();
    const caller = rt.spawn(async (self) => {
      await self.receive();
      done.resolve(await GenServer.call(self, server, 'hi'));
    });
    const callerTrace = rt.trace(caller, { events: ['call'] });
    const serverTrace = rt.trace(server, { events: ['send', 'receive'] });
    rt.send(caller, 'go');
    expect(await done.promise).toBe('echo hi');
    expect(await take(callerTrace, 1)).toEqual([
      { type: 'call', pid: caller, at: expect.any(Number), dest: server, request: 'hi' },
    ]);
    const [received, sent] = await take(serverTrace, 2);
    expect(received).toMatchObject({ type: 'receive', pid: server });
    expect(sent).toMatchObject({ type: 'send', pid: server, to: caller, message: 'echo hi' });
    serverTrace.stop();
  });

  it("traces casts a process makes as sends, and a server's casts received as their request", async () => {
    const rt = makeRuntime();
    const server = await rt.start(Echo, 0);
    const sender = rt.spawn(async (self) => {
      await self.receive();
      GenServer.cast(self, server, 'bump');
    });
    const senderTrace = rt.trace(sender, { events: ['send'] });
    const serverTrace = rt.trace(server, { events: ['receive'] });
    rt.send(sender, 'go');
    expect(await take(senderTrace, 1)).toEqual([
      { type: 'send', pid: sender, at: expect.any(Number), to: server, message: 'bump' },
    ]);
    expect(await take(serverTrace, 1)).toEqual([
      { type: 'receive', pid: server, at: expect.any(Number), message: 'bump' },
    ]);
  });

  it("on 'all', follows processes spawned after it started, and their spawner's spawn event", async () => {
    const rt = makeRuntime();
    const trace = rt.trace('all', { events: ['spawn', 'receive'] });
    const parent = rt.spawn(async (self) => {
      const child = self.spawn((c) => c.receive());
      self.send(child, 'from parent');
      await self.receive({ match: () => false, timeout: 0 });
    });
    const events = await take(trace, 3);
    trace.stop();
    expect(events[0]).toMatchObject({ type: 'spawn', pid: rt.rootPid, child: parent });
    expect(events[1]).toMatchObject({ type: 'spawn', pid: parent });
    const child = (events[1] as { child: Pid }).child;
    expect(events[2]).toMatchObject({ type: 'receive', pid: child, message: 'from parent' });
  });

  it('traces links and unlinks on both ends', async () => {
    const rt = makeRuntime();
    const other = rt.spawn((self) => self.receive({ match: () => false }));
    const pid = rt.spawn(async (self) => {
      await self.receive();
      self.link(other);
      self.unlink(other);
      await self.receive({ match: () => false });
    });
    const mine = rt.trace(pid, { events: ['link'] });
    const theirs = rt.trace(other, { events: ['link'] });
    rt.send(pid, 'go');
    expect(await take(mine, 2)).toEqual([
      { type: 'link', pid, at: expect.any(Number), other, linked: true },
      { type: 'link', pid, at: expect.any(Number), other, linked: false },
    ]);
    expect(await take(theirs, 2)).toEqual([
      { type: 'link', pid: other, at: expect.any(Number), other: pid, linked: true },
      { type: 'link', pid: other, at: expect.any(Number), other: pid, linked: false },
    ]);
  });

  it("traces a supervisor's restarts", async () => {
    const rt = makeRuntime();
    const sup = await rt.start(Supervisor, {
      children: [{ id: 'echo', start: [Echo, 0, { name: 'echo' }] }],
    });
    const trace = rt.trace(sup, { events: ['restart'] });
    const old = rt.whereis('echo')!;
    rt.exit(old, 'kill');
    const [event] = await take(trace, 1);
    expect(event).toMatchObject({
      type: 'restart',
      pid: sup,
      childId: 'echo',
      reason: 'killed',
      oldPid: old,
      newPid: rt.whereis('echo'),
    });
  });

  it('ends a trace on all processes when the runtime shuts down', async () => {
    const rt = makeRuntime();
    const trace = rt.trace('all', { events: ['spawn'] });
    const reading = all(trace);
    await rt.shutdown();
    await reading;
    expect(trace.endReason).toBe('shutdown');
  });

  it('throws NoProcError for a dead pid or a free name, and TypeError or RangeError for bad options', async () => {
    const rt = makeRuntime();
    const pid = rt.spawn(() => undefined);
    await rt.awaitExit(pid);
    expect(() => rt.trace(pid)).toThrow(NoProcError);
    expect(() => rt.trace('nobody')).toThrow(NoProcError);
    const live = rt.spawn((self) => self.receive());
    expect(() => rt.trace(live, { events: ['sned' as 'send'] })).toThrow(
      /expected each of `opts.events` to be one of send, receive/,
    );
    expect(() => rt.trace(live, { limit: 0 })).toThrow(RangeError);
    expect(() => rt.trace(live, { limit: '5' as unknown as number })).toThrow(TypeError);
    expect(() => rt.trace(live, { rate: { max: 0, ms: 10 } })).toThrow(RangeError);
    expect(() => rt.trace(live, { rate: { max: 10, ms: -1 } })).toThrow(/opts.rate.ms/);
    expect(rt.tracer).toBeUndefined();
  });
});
