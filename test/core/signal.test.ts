import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { GenServer, type Self, Sys } from '../../src/index.js';
import { captureLogger, deferred, makeRuntime, probe } from '../helpers.js';

describe('Self.signal', () => {
  it('aborts with the reason when the body returns, throws, or the process is killed', async () => {
    const rt = makeRuntime({ logger: captureLogger().logger });
    const reasons: unknown[] = [];
    const watch = (self: Self) => {
      self.signal.addEventListener('abort', () => reasons.push(self.signal.reason));
    };
    const normal = rt.spawn((self) => watch(self));
    const thrown = new Error('boom');
    const crashed = rt.spawn((self) => {
      watch(self);
      throw thrown;
    });
    const ended = [rt.awaitExit(normal), rt.awaitExit(crashed)];
    const ready = probe(rt);
    const killed = rt.spawn(async (self) => {
      watch(self);
      self.send(ready.pid, 'watching');
      await self.receive();
    });
    await ready.expectMessage();
    const exits = [...ended, rt.awaitExit(killed)];
    rt.exit(killed, 'kill');
    expect(await Promise.all(exits)).toEqual(['normal', thrown, 'killed']);
    expect(reasons).toEqual(['normal', thrown, 'killed']);
  });

  it('aborts when a linked process takes the process down', async () => {
    const rt = makeRuntime({ logger: captureLogger().logger });
    const got = deferred<unknown>();
    const ready = probe(rt);
    const child = rt.spawn(async (self) => {
      self.signal.addEventListener('abort', () => got.resolve(self.signal.reason));
      self.send(ready.pid, 'linked');
      await self.receive();
    });
    const parent = rt.spawn(async (self) => {
      self.link(child);
      await self.receive();
      throw new Error('parent crashed');
    });
    await ready.expectMessage();
    rt.send(parent, 'crash');
    expect(await got.promise).toMatchObject({ message: 'parent crashed' });
  });

  it('is one signal per process, not aborted while it lives, and aborted with noproc when first asked after the end', async () => {
    const rt = makeRuntime();
    const kept = deferred<Self>();
    const pid = rt.spawn(async (self) => {
      expect(self.signal).toBe(self.signal);
      expect(self.signal.aborted).toBe(false);
      kept.resolve(self);
      await self.receive();
    });
    const self = await kept.promise;
    const before = self.signal;
    const exited = rt.awaitExit(pid);
    rt.exit(pid, 'kill');
    await exited;
    expect(before.aborted).toBe(true);
    expect(self.signal).toBe(before);

    const late = deferred<Self>();
    const other = rt.spawn((s) => late.resolve(s));
    await rt.awaitExit(other);
    const lateSignal = (await late.promise).signal;
    expect(lateSignal.aborted).toBe(true);
    expect(lateSignal.reason).toBe('noproc');
  });

  it("is a server's too, aborted when it stops", async () => {
    class Holder extends GenServer<AbortSignal> {
      override init(): AbortSignal {
        return this.self.signal;
      }
    }
    const rt = makeRuntime();
    const pid = await rt.start(Holder, undefined);
    const signal = (await Sys.getState(rt, pid)) as AbortSignal;
    expect(signal.aborted).toBe(false);
    await GenServer.stop(rt, pid, 'shutdown');
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe('shutdown');
  });

  it('cancels a fetch in flight when the process is killed', async () => {
    const closed = deferred();
    const arrived = deferred();
    const server = createServer((request) => {
      arrived.resolve();
      request.on('close', () => closed.resolve());
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const { port } = server.address() as AddressInfo;
      const rt = makeRuntime();
      const fetcher = rt.spawn(async (self) => {
        await fetch(`http://127.0.0.1:${port}/`, { signal: self.signal });
      });
      await arrived.promise;
      const exited = rt.awaitExit(fetcher);
      rt.exit(fetcher, 'kill');
      expect(await exited).toBe('killed');
      await closed.promise;
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
