import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { Self } from '../../src/core/process.js';
import { Pid, Ref } from '../../src/index.js';
import { deferred, makeRuntime, probe } from '../helpers.js';

describe('Pid', () => {
  it('prints like an Erlang pid, in String, templates, JSON and inspect', () => {
    const rt = makeRuntime();
    const pid = rt.spawn(async (self) => void (await self.receive()));
    expect(pid).toBeInstanceOf(Pid);
    expect(String(pid)).toMatch(/^<0\.\d+\.0>$/);
    expect(`${pid}`).toBe(`<0.${pid.id}.0>`);
    expect(JSON.stringify({ pid })).toBe(`{"pid":"<0.${pid.id}.0>"}`);
    expect(inspect(pid)).toBe(`<0.${pid.id}.0>`);
  });

  it('numbers the processes of a runtime in spawn order, never reusing a number', async () => {
    const rt = makeRuntime();
    const a = rt.spawn(() => {});
    await rt.awaitExit(a);
    const b = rt.spawn(() => {});
    const c = rt.spawn(() => {});
    expect(b.id).toBe(a.id + 1);
    expect(c.id).toBe(b.id + 1);
  });

  it('is one object per process, so === compares pids', async () => {
    const rt = makeRuntime();
    const got = deferred<Pid>();
    const pid = rt.spawn(
      async (self) => {
        got.resolve(self.pid);
        await self.receive();
      },
      { name: 'one' },
    );
    expect(await got.promise).toBe(pid);
    expect(rt.whereis('one')).toBe(pid);
    expect(rt.info(pid)?.pid).toBe(pid);
    expect(rt.processes()).toContain(pid);
    const seen = new Map([[pid, 'value']]);
    expect(seen.get(rt.whereis('one')!)).toBe('value');
  });

  it('is the process context itself: self.pid === self, usable wherever a pid is', async () => {
    const rt = makeRuntime();
    const got = deferred<unknown>();
    const pid = rt.spawn(async (self) => {
      expect(self.pid).toBe(self);
      expect(self).toBeInstanceOf(Pid);
      expect(String(self)).toBe(`<0.${self.pid.id}.0>`);
      rt.send(self, 'to myself');
      got.resolve(await self.receive());
    });
    expect(await got.promise).toBe('to myself');
    expect(await rt.awaitExit(pid)).toBe('normal');
    // Once the process has exited, its pid reaches nothing: a send is dropped.
    expect(rt.isAlive(pid)).toBe(false);
    expect(() => rt.send(pid, 'dropped')).not.toThrow();
  });

  it('keeps nothing of its process once it has exited', async () => {
    const rt = makeRuntime();
    const reason = { big: new Array(1_000).fill('x') };
    const parent = probe(rt);
    const pid = rt.spawn(
      (self) => {
        self.monitor(parent.pid);
        self.exit(reason);
      },
      { link: parent.pid },
    );
    expect(await rt.awaitExit(pid)).toBe(reason);
    const record = pid as unknown as Self;
    expect(record.proc).toBeUndefined();
    expect(record.links).toBeUndefined();
    expect(record.monitors).toBeUndefined();
    expect(record.parent).toBeUndefined();
  });

  it('stays the same object after the process has exited', async () => {
    const rt = makeRuntime();
    const got = deferred<unknown>();
    let pid: Pid | undefined;
    rt.spawn(async (self) => {
      const [child] = self.spawnMonitor(() => {});
      pid = child;
      got.resolve(await self.receive());
    });
    const down = await got.promise;
    expect((down as { pid: Pid }).pid).toBe(pid);
  });

  it('belongs to its runtime: another runtime neither sees nor reaches it', async () => {
    const rt = makeRuntime();
    const other = makeRuntime();
    const p = probe(rt, 'shared-name');
    const q = probe(other);
    expect(other.isAlive(p.pid)).toBe(false);
    expect(other.info(p.pid)).toBeUndefined();
    expect(other.processes()).toEqual([q.pid]);
    expect(other.whereis('shared-name')).toBeUndefined();
    expect(await other.awaitExit(p.pid)).toBe('noproc');
    other.send(p.pid, 'cross-runtime');
    await p.expectNoMessage(30);
    rt.send(p.pid, 'same runtime');
    await expect(p.expectMessage()).resolves.toBe('same runtime');
  });
});

describe('Ref', () => {
  it('is unique within a runtime and prints like an Erlang ref', async () => {
    const rt = makeRuntime();
    const target = rt.spawn(async (self) => void (await self.receive()));
    const got = deferred<Ref[]>();
    rt.spawn(async (self) => {
      got.resolve([self.monitor(target), self.monitor(target), rt.sendAfter(target, 'x', 10_000)]);
      await self.receive();
    });
    const refs = await got.promise;
    for (const ref of refs) {
      expect(ref).toBeInstanceOf(Ref);
      expect(String(ref)).toBe(`#Ref<0.0.0.${ref.id}>`);
      expect(inspect(ref)).toBe(String(ref));
      expect(JSON.stringify(ref)).toBe(JSON.stringify(String(ref)));
    }
    expect(new Set(refs.map((r) => r.id)).size).toBe(3);
  });
});
