import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { processOf } from '../../src/core/process.js';
import type { Self } from '../../src/index.js';
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

  it('is an identifier apart from the process context: self.pid names the process, self acts as it', async () => {
    const rt = makeRuntime();
    const got = deferred<unknown>();
    const pid = rt.spawn(async (self) => {
      expect(self.pid).not.toBe(self);
      expect(self).not.toBeInstanceOf(Pid);
      expect(self.pid).toBeInstanceOf(Pid);
      expect(String(self.pid)).toBe(`<0.${self.pid.id}.0>`);
      rt.send(self.pid, 'to myself');
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
    expect(processOf(pid)).toBeUndefined();
  });

  it('is inert: nothing reachable from it in plain JavaScript acts on its process', async () => {
    const rt = makeRuntime();
    const got = deferred<Self>();
    const pid = rt.spawn(async (self) => {
      got.resolve(self);
      await self.receive();
    });
    await got.promise;
    // Walk everything reachable from the pid by reflection: own properties, symbols,
    // accessors and the prototype chain (Object.prototype's own methods aside).
    const seen = new Set<unknown>();
    const functions: [string, (...args: unknown[]) => unknown][] = [];
    const walk = (value: unknown, path: string): void => {
      if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return;
      if (seen.has(value) || value === Object.prototype || value === Function.prototype) return;
      seen.add(value);
      if (typeof value === 'function' && path !== 'pid') {
        functions.push([path, value as (...args: unknown[]) => unknown]);
      }
      for (const key of Reflect.ownKeys(value)) {
        const descriptor = Object.getOwnPropertyDescriptor(value, key)!;
        const name = `${path}.${String(key)}`;
        for (const part of [descriptor.value, descriptor.get, descriptor.set]) walk(part, name);
      }
      walk(Object.getPrototypeOf(value), `${path}.__proto__`);
    };
    walk(pid, 'pid');
    // Only the pid's own text and its class: nothing else is reachable.
    const names = functions.map(([name]) => name).sort();
    expect(names).toEqual([
      'pid.__proto__.Symbol(nodejs.util.inspect.custom)',
      'pid.__proto__.constructor',
      'pid.__proto__.toJSON',
      'pid.__proto__.toString',
    ]);
    // Call each with the pid and with hostile arguments: the process is untouched.
    for (const [, fn] of functions) {
      for (const args of [[], ['kill'], [true], [pid, 'kill']]) {
        try {
          Reflect.apply(fn, pid, args);
        } catch {
          // The constructor refuses to be called without new; that acts on nothing either.
        }
        try {
          Reflect.construct(fn, args);
        } catch {
          // Methods are not constructors.
        }
      }
    }
    const info = rt.info(pid);
    expect(info).toMatchObject({ status: 'waiting', trapExit: false, links: [], monitors: [] });
    rt.send(pid, 'done');
    expect(await rt.awaitExit(pid)).toBe('normal');
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
