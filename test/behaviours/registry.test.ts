import { describe, expect, it } from 'vitest';
import { processOf } from '../../src/core/process.js';
import {
  AlreadyRegisteredError,
  AlreadyStartedError,
  type From,
  GenServer,
  NoProcError,
  type Pid,
  Registry,
  type RegistrySpec,
  type Runtime,
  reply,
  type Self,
  StartError,
  Supervisor,
  Sys,
} from '../../src/index.js';
import { type Deferred, deferred, makeRuntime, probe } from '../helpers.js';

// ── Processes shared by several tests ────────────────────────────────────────

type StoreCall = { type: 'whoami' };
type StorePing = { type: 'ping'; to: Pid };

/** A server that tells who it is and answers pings by cast or by plain send. */
class Store extends GenServer<string, StoreCall, StorePing, StorePing> {
  override init(id: string): string {
    return id;
  }
  override handleCall(_request: StoreCall, _from: From, id: string) {
    return reply({ id, pid: this.pid }, id);
  }
  override handleCast(request: StorePing, id: string): string {
    this.self.send(request.to, { type: 'pong', id, by: 'cast' });
    return id;
  }
  override handleInfo(request: StorePing, id: string): string {
    this.self.send(request.to, { type: 'pong', id, by: 'send' });
    return id;
  }
}

/** A process that does whatever it is told: the tests act from inside a process through it. */
interface Agent {
  pid: Pid;
  /** Runs `fn` in the agent's process; resolves with its result or rejects with what it threw. */
  run<T>(fn: (self: Self) => T): Promise<T>;
  /** Makes the agent's body return: it exits with reason `'normal'`. */
  finish(): void;
  /** Makes the agent's body throw `error`. */
  crash(error: Error): void;
}

type AgentJob =
  | { type: 'run'; fn: (self: Self) => unknown; done: Deferred<unknown> }
  | { type: 'finish' }
  | { type: 'crash'; error: Error };

function agent(rt: Runtime): Agent {
  const pid = rt.spawn(async (self) => {
    for (;;) {
      const job = (await self.receive()) as AgentJob;
      if (job.type === 'finish') return;
      if (job.type === 'crash') throw job.error;
      try {
        job.done.resolve(job.fn(self));
      } catch (error) {
        job.done.reject(error);
      }
    }
  });
  return {
    pid,
    run<T>(fn: (self: Self) => T): Promise<T> {
      const done = deferred<unknown>();
      rt.send(pid, { type: 'run', fn, done } satisfies AgentJob);
      return done.promise as Promise<T>;
    },
    finish: () => rt.send(pid, { type: 'finish' } satisfies AgentJob),
    crash: (error) => rt.send(pid, { type: 'crash', error } satisfies AgentJob),
  };
}

/** The exit watchers on a live process, internal ones included (`info` lists only processes). */
function watcherCount(pid: Pid): number {
  const proc = processOf(pid);
  if (proc === undefined) return 0;
  let listed = 0;
  for (let w = proc.listed; w !== undefined; w = w.nextWatcher) listed++;
  return (proc.extras?.monitoredBy?.size ?? 0) + listed;
}

// ── rt.start(Registry, …) ────────────────────────────────────────────────────

describe('rt.start(Registry, …)', () => {
  it('starts an empty registry under its name, as a Registry behaviour', async () => {
    const rt = makeRuntime();
    const pid = await rt.start(Registry, { keys: 'unique' }, { name: 'Stores' });
    expect(rt.whereis('Stores')).toBe(pid);
    expect(rt.info(pid)?.behaviour).toBe('Registry');
    expect(Registry.count(rt, 'Stores')).toBe(0);
    expect(Registry.lookup(rt, 'Stores', 'test1')).toEqual([]);
  });

  it('starts a subclass whose init returns the options', async () => {
    class Topics extends Registry {
      override init(): RegistrySpec {
        return { keys: 'duplicate' };
      }
    }
    const rt = makeRuntime();
    await rt.start(Topics, undefined, { name: 'Topics' });
    const a = agent(rt);
    await a.run((self) => {
      Registry.register(self, 'Topics', 'news', 1);
      Registry.register(self, 'Topics', 'news', 2);
    });
    expect(Registry.lookup(rt, 'Topics', 'news')).toEqual([
      [a.pid, 1],
      [a.pid, 2],
    ]);
  });

  it('rejects a bad `keys` option with a TypeError naming `keys`, and starts nothing', async () => {
    const rt = makeRuntime();
    const before = rt.stats.processes;
    for (const arg of [{ keys: 'many' }, {}, undefined, null]) {
      const error = await rt.start(Registry, arg as unknown as RegistrySpec, { name: 'Bad' }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message).toMatch(/expected `keys` to be 'unique' or 'duplicate'/);
      expect(rt.whereis('Bad')).toBeUndefined();
    }
    await expect(rt.start(Registry, { keys: 'many' } as unknown as RegistrySpec)).rejects.toThrow(
      /got "many"/,
    );
    expect(rt.stats.processes).toBe(before);
    // The runtime still starts registries, under the same name.
    await rt.start(Registry, { keys: 'unique' }, { name: 'Bad' });
    expect(Registry.count(rt, 'Bad')).toBe(0);
  });

  it('rejects with AlreadyStartedError when the name is taken', async () => {
    const rt = makeRuntime();
    const pid = await rt.start(Registry, { keys: 'unique' }, { name: 'Stores' });
    const error = await rt
      .start(Registry, { keys: 'duplicate' }, { name: 'Stores' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AlreadyStartedError);
    expect((error as AlreadyStartedError).pid).toBe(pid);
  });
});

// ── Registry.register ────────────────────────────────────────────────────────

describe('Registry.register', () => {
  it('registers the calling process under a unique key with its value', async () => {
    const rt = makeRuntime();
    await rt.start(Registry, { keys: 'unique' }, { name: 'Stores' });
    const a = agent(rt);
    await a.run((self) => Registry.register(self, 'Stores', 'test1', { employees: 2 }));
    expect(Registry.lookup(rt, 'Stores', 'test1')).toEqual([[a.pid, { employees: 2 }]]);
    expect(Registry.count(rt, 'Stores')).toBe(1);
  });

  it('accepts a GenServer instance as the caller, and compares keys by value', async () => {
    class SelfRegistering extends GenServer<null> {
      override init(): null {
        Registry.register(this, 'Stores', { tenant: 7 }, 'by-object');
        return null;
      }
    }
    const rt = makeRuntime();
    await rt.start(Registry, { keys: 'unique' }, { name: 'Stores' });
    const pid = await rt.start(SelfRegistering, undefined);
    // An equal key, not the same object, finds the entry, as {tenant, 7} would in Elixir.
    expect(Registry.lookup(rt, 'Stores', { tenant: 7 })).toEqual([[pid, 'by-object']]);
    expect(Registry.keys(rt, 'Stores', pid)).toEqual([{ tenant: 7 }]);
  });

  it('rejects a taken unique key with AlreadyRegisteredError carrying the holder’s pid', async () => {
    const rt = makeRuntime();
    const registry = await rt.start(Registry, { keys: 'unique' }, { name: 'Stores' });
    const holder = agent(rt);
    const other = agent(rt);
    await holder.run((self) => Registry.register(self, 'Stores', 'test1', 'first'));
    const error = await other
      .run((self) => Registry.register(self, 'Stores', 'test1', 'second'))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AlreadyRegisteredError);
    expect(error).toMatchObject({ pid: holder.pid, key: 'test1' });
    expect((error as Error).message).toContain('Registry.register');
    expect((error as Error).message).toContain(`Registry "Stores" (${registry})`);
    expect((error as Error).message).toContain(`already registered to ${holder.pid}`);
    // The holder keeps the key, and the loser is left unwatched and unregistered.
    expect(Registry.lookup(rt, 'Stores', 'test1')).toEqual([[holder.pid, 'first']]);
    expect(Registry.keys(rt, 'Stores', other.pid)).toEqual([]);
    expect(watcherCount(other.pid)).toBe(0);
  });

  it('rejects a unique key the caller itself already holds, naming the caller', async () => {
    const rt = makeRuntime();
    await rt.start(Registry, { keys: 'unique' }, { name: 'Stores' });
    const a = agent(rt);
    await a.run((self) => Registry.register(self, 'Stores', 'test1', 1));
    const error = await a
      .run((self) => Registry.register(self, 'Stores', 'test1', 2))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AlreadyRegisteredError);
    expect((error as AlreadyRegisteredError).pid).toBe(a.pid);
    expect(Registry.lookup(rt, 'Stores', 'test1')).toEqual([[a.pid, 1]]);
    expect(Registry.count(rt, 'Stores')).toBe(1);
  });

  it('lets one process hold many unique keys', async () => {
    const rt = makeRuntime();
    await rt.start(Registry, { keys: 'unique' }, { name: 'Stores' });
    const a = agent(rt);
    await a.run((self) => {
      for (const key of ['a', 'b', 'c']) Registry.register(self, 'Stores', key, key.toUpperCase());
    });
    expect(Registry.lookup(rt, 'Stores', 'b')).toEqual([[a.pid, 'B']]);
    expect(Registry.keys(rt, 'Stores', a.pid)).toEqual(['a', 'b', 'c']);
    expect(Registry.count(rt, 'Stores')).toBe(3);
  });

  it('lets many processes, and the same process twice, register under one duplicate key', async () => {
    const rt = makeRuntime();
    await rt.start(Registry, { keys: 'duplicate' }, { name: 'Topics' });
    const a = agent(rt);
    const b = agent(rt);
    await a.run((self) => Registry.register(self, 'Topics', 'news', 'a1'));
    await b.run((self) => Registry.register(self, 'Topics', 'news', 'b1'));
    await a.run((self) => Registry.register(self, 'Topics', 'news', 'a2'));
    const entries = Registry.lookup(rt, 'Topics', 'news');
    expect(entries).toHaveLength(3);
    expect(entries).toEqual(
      expect.arrayContaining([
        [a.pid, 'a1'],
        [a.pid, 'a2'],
        [b.pid, 'b1'],
      ]),
    );
    expect(Registry.count(rt, 'Topics')).toBe(3);
    // Registering the same key twice still costs a single watch on the process.
    expect(watcherCount(a.pid)).toBe(1);
  });

  it('does nothing when called by a process that has already exited', async () => {
    const rt = makeRuntime();
    await rt.start(Registry, { keys: 'unique' }, { name: 'Stores' });
    const started = deferred();
    const resume = deferred();
    const outcome = deferred<unknown>();
    const pid = rt.spawn(async (self) => {
      started.resolve();
      await resume.promise;
      // The process was killed meanwhile, but its code runs on: a JS promise cannot be cancelled.
      try {
        Registry.register(self, 'Stores', 'late', 1);
        outcome.resolve('returned');
      } catch (error) {
        outcome.resolve(error);
      }
    });
    await started.promise;
    const exited = rt.awaitExit(pid);
    rt.exit(pid, 'kill');
    await exited;
    resume.resolve();
    expect(await outcome.promise).toBe('returned');
    // No entry is left behind for a process whose exit will never be seen again.
    expect(Registry.lookup(rt, 'Stores', 'late')).toEqual([]);
    expect(Registry.count(rt, 'Stores')).toBe(0);
  });

  it('throws TypeError when called from outside a process, with the Runtime as caller', async () => {
    const rt = makeRuntime();
    await rt.start(Registry, { keys: 'unique' }, { name: 'Stores' });
    // @ts-expect-error -- register needs a process: the Runtime is not one.
    expect(() => Registry.register(rt, 'Stores', 'test1', 1)).toThrow(TypeError);
    // @ts-expect-error -- as above.
    expect(() => Registry.register(rt, 'Stores', 'test1', 1)).toThrow(
      /Registry\.register registers the calling process.*not the Runtime/,
    );
    expect(Registry.count(rt, 'Stores')).toBe(0);
  });

  it('throws NoProcError for a registry name nobody holds, or the pid of a dead registry', async () => {
    const rt = makeRuntime();
    const dead = await rt.start(Registry, { keys: 'unique' });
    await GenServer.stop(rt, dead);
    const a = agent(rt);
    for (const registry of ['Nowhere', dead]) {
      const error = await a
        .run((self) => Registry.register(self, registry, 'k', 1))
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NoProcError);
      expect(error).toMatchObject({ reason: 'noproc', dest: registry });
      expect((error as Error).message).toContain('Registry.register to');
    }
  });

  it('throws TypeError when the registry is a process that is not a Registry', async () => {
    const rt = makeRuntime();
    const store = await rt.start(Store, 'test1', { name: 'Test1' });
    const a = agent(rt);
    for (const registry of ['Test1', store]) {
      const error = await a
        .run((self) => Registry.register(self, registry, 'k', 1))
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message).toContain(`is ${store}, which is not a Registry`);
    }
    // Neither the runtime nor the store was harmed.
    await expect(GenServer.call(rt, 'Test1', { type: 'whoami' })).resolves.toMatchObject({
      pid: store,
    });
  });

  it('leaves the runtime and the registry working after every kind of bad input', async () => {
    const rt = makeRuntime();
    await rt.start(Registry, { keys: 'unique' }, { name: 'Stores' });
    await rt.start(Registry, { keys: 'duplicate' }, { name: 'Topics' });
    await rt.start(Store, 'test1', { name: 'Test1' });
    const a = agent(rt);
    await a.run((self) => Registry.register(self, 'Stores', 'taken', 0));
    const b = agent(rt);
    const failures = await b.run((self) => {
      const attempts: Array<() => unknown> = [
        () => Registry.register(self, 'Stores', 'taken', 1),
        () => Registry.register(self, 'Nowhere', 'k', 1),
        () => Registry.register(self, 'Test1', 'k', 1),
        () => Registry.dispatch(self, 'Topics', 'k', 'not a function' as never),
        () => Registry.updateValue(self, 'Topics', 'k', (v) => v),
        () => rt.whereis({ via: 'Topics', key: 'k' }),
      ];
      return attempts.map((attempt) => {
        try {
          attempt();
          return 'no error';
        } catch (error) {
          return (error as Error).name;
        }
      });
    });
    expect(failures).toEqual([
      'AlreadyRegisteredError',
      'NoProcError',
      'TypeError',
      'TypeError',
      'TypeError',
      'TypeError',
    ]);
    await b.run((self) => Registry.register(self, 'Stores', 'free', 2));
    expect(Registry.lookup(rt, 'Stores', 'free')).toEqual([[b.pid, 2]]);
    expect(rt.isAlive(b.pid)).toBe(true);
    expect(await GenServer.call(rt, 'Stores', 'anything')).toEqual({ keys: 'unique', entries: 2 });
  });
});

// ── Registry.unregister ──────────────────────────────────────────────────────

describe('Registry.unregister', () => {
  it('removes the caller’s unique key and no one else’s', async () => {
    const rt = makeRuntime();
    await rt.start(Registry, { keys: 'unique' }, { name: 'Stores' });
    const a = agent(rt);
    const b = agent(rt);
    await a.run((self) => {
      Registry.register(self, 'Stores', 'a1', 1);
      Registry.register(self, 'Stores', 'a2', 2);
    });
    await b.run((self) => Registry.register(self, 'Stores', 'b1', 3));
    // b cannot unregister a's key: it is simply not b's.
    await b.run((self) => Registry.unregister(self, 'Stores', 'a1'));
    expect(Registry.lookup(rt, 'Stores', 'a1')).toEqual([[a.pid, 1]]);
    await a.run((self) => Registry.unregister(self, 'Stores', 'a1'));
    expect(Registry.lookup(rt, 'Stores', 'a1')).toEqual([]);
    expect(Registry.keys(rt, 'Stores', a.pid)).toEqual(['a2']);
    expect(Registry.count(rt, 'Stores')).toBe(2);
    // The key is free for another process now.
    await b.run((self) => Registry.register(self, 'Stores', 'a1', 4));
    expect(Registry.lookup(rt, 'Stores', 'a1')).toEqual([[b.pid, 4]]);
  });

  it('removes every entry the caller holds under a duplicate key, leaving the others', async () => {
    const rt = makeRuntime();
    await rt.start(Registry, { keys: 'duplicate' }, { name: 'Topics' });
    const a = agent(rt);
    const b = agent(rt);
    await a.run((self) => {
      Registry.register(self, 'Topics', 'news', 1);
      Registry.register(self, 'Topics', 'news', 2);
      Registry.register(self, 'Topics', 'sport', 3);
    });
    await b.run((self) => Registry.register(self, 'Topics', 'news', 4));
    await a.run((self) => Registry.unregister(self, 'Topics', 'news'));
    expect(Registry.lookup(rt, 'Topics', 'news')).toEqual([[b.pid, 4]]);
    expect(Registry.keys(rt, 'Topics', a.pid)).toEqual(['sport']);
    expect(Registry.count(rt, 'Topics')).toBe(2);
  });

  it('compares keys as a Map does: NaN unregisters NaN', async () => {
    const rt = makeRuntime();
    await rt.start(Registry, { keys: 'unique' }, { name: 'Stores' });
    const a = agent(rt);
    await a.run((self) => {
      Registry.register(self, 'Stores', Number.NaN, 1);
      Registry.register(self, 'Stores', 'other', 2);
    });
    await a.run((self) => Registry.unregister(self, 'Stores', Number.NaN));
    expect(Registry.lookup(rt, 'Stores', Number.NaN)).toEqual([]);
    expect(Registry.keys(rt, 'Stores', a.pid)).toEqual(['other']);
  });

  it('does nothing for a key the caller does not hold', async () => {
    const rt = makeRuntime();
    await rt.start(Registry, { keys: 'duplicate' }, { name: 'Topics' });
    const a = agent(rt);
    await a.run((self) => Registry.unregister(self, 'Topics', 'never'));
    expect(Registry.count(rt, 'Topics')).toBe(0);
    expect(watcherCount(a.pid)).toBe(0);
  });

  it('stops watching a process once it holds no key', async () => {
    const rt = makeRuntime();
    await rt.start(Registry, { keys: 'unique' }, { name: 'Stores' });
    const a = agent(rt);
    await a.run((self) => {
      Registry.register(self, 'Stores', 'x', 1);
      Registry.register(self, 'Stores', 'y', 2);
    });
    expect(watcherCount(a.pid)).toBe(1);
    await a.run((self) => Registry.unregister(self, 'Stores', 'x'));
    expect(watcherCount(a.pid)).toBe(1);
    await a.run((self) => Registry.unregister(self, 'Stores', 'y'));
    expect(watcherCount(a.pid)).toBe(0);
  });

  it('throws TypeError when called from outside a process', async () => {
    const rt = makeRuntime();
    await rt.start(Registry, { keys: 'unique' }, { name: 'Stores' });
    // @ts-expect-error -- unregister needs a process: the Runtime is not one.
    expect(() => Registry.unregister(rt, 'Stores', 'k')).toThrow(/not the Runtime/);
  });
});

// ── Registry.lookup ──────────────────────────────────────────────────────────

describe('Registry.lookup', () => {
  it('gives [] for a key nobody holds, from outside and from inside a process', async () => {
    const rt = makeRuntime();
    await rt.start(Registry, { keys: 'unique' }, { name: 'Stores' });
    const a = agent(rt);
    expect(Registry.lookup(rt, 'Stores', 'nobody')).toEqual([]);
    await a.run((self) => Registry.register(self, 'Stores', 'k', 'v'));
    expect(await a.run((self) => Registry.lookup(self, 'Stores', 'k'))).toEqual([[a.pid, 'v']]);
  });

  it('accepts the registry’s pid as well as its name', async () => {
    const rt = makeRuntime();
    const registry = await rt.start(Registry, { keys: 'unique' });
    const a = agent(rt);
    await a.run((self) => Registry.register(self, registry, 'k', 'v'));
    expect(Registry.lookup(rt, registry, 'k')).toEqual([[a.pid, 'v']]);
  });

  it('answers while the registry is suspended and cannot serve its mailbox', async () => {
    const rt = makeRuntime();
    await rt.start(Registry, { keys: 'unique' }, { name: 'Stores' });
    const a = agent(rt);
    await a.run((self) => Registry.register(self, 'Stores', 'before', 1));
    await Sys.suspend(rt, 'Stores');
    // A call to the registry now queues in its mailbox...
    let answered = false;
    const queued = GenServer.call(rt, 'Stores', 'status').then((status) => {
      answered = true;
      return status;
    });
    // ...while registrations and lookups go straight to the table.
    await a.run((self) => Registry.register(self, 'Stores', 'during', 2));
    expect(Registry.lookup(rt, 'Stores', 'before')).toEqual([[a.pid, 1]]);
    expect(Registry.lookup(rt, 'Stores', 'during')).toEqual([[a.pid, 2]]);
    expect(Registry.count(rt, 'Stores')).toBe(2);
    expect(answered).toBe(false);
    await Sys.resume(rt, 'Stores');
    await expect(queued).resolves.toEqual({ keys: 'unique', entries: 2 });
  });

  it('costs the same with 100 keys as with 100,000', async () => {
    const rt = makeRuntime();
    await rt.start(Registry, { keys: 'unique' }, { name: 'Small' });
    await rt.start(Registry, { keys: 'unique' }, { name: 'Large' });
    const a = agent(rt);
    await a.run((self) => {
      for (let i = 0; i < 100; i++) Registry.register(self, 'Small', `key${i}`, i);
      for (let i = 0; i < 100_000; i++) Registry.register(self, 'Large', `key${i}`, i);
    });
    expect(Registry.count(rt, 'Large')).toBe(100_000);
    // The same 100 keys are looked up in both: only the size of the table differs.
    const keys = Array.from({ length: 100 }, (_, i) => `key${i}`);
    const time = (registry: string): number => {
      let best = Number.POSITIVE_INFINITY;
      for (let round = 0; round < 7; round++) {
        const start = performance.now();
        for (let i = 0; i < 20_000; i++) Registry.lookup(rt, registry, keys[i % keys.length]);
        best = Math.min(best, performance.now() - start);
      }
      return best;
    };
    time('Small');
    time('Large'); // Warm up both before measuring.
    const small = time('Small');
    const large = time('Large');
    // A scan of the keys would make the large table ~1000 times slower; a map, about as fast.
    expect(large).toBeLessThan(Math.max(small, 1) * 5);
    expect(Registry.lookup(rt, 'Large', 'key99999')).toEqual([[a.pid, 99_999]]);
  });

  it('throws NoProcError once the registry has stopped, by name and by pid', async () => {
    const rt = makeRuntime();
    const registry = await rt.start(Registry, { keys: 'unique' }, { name: 'Stores' });
    await GenServer.stop(rt, 'Stores');
    for (const dest of ['Stores', registry]) {
      expect(() => Registry.lookup(rt, dest, 'k')).toThrow(NoProcError);
      expect(() => Registry.lookup(rt, dest, 'k')).toThrow(/Registry\.lookup to .* \(noproc\)/);
    }
  });
});

// ── Registry.keys ────────────────────────────────────────────────────────────

describe('Registry.keys', () => {
  it('lists the keys a process holds in registration order, [] for one holding none', async () => {
    const rt = makeRuntime();
    await rt.start(Registry, { keys: 'duplicate' }, { name: 'Topics' });
    const a = agent(rt);
    const b = agent(rt);
    await a.run((self) => {
      Registry.register(self, 'Topics', 'news', 1);
      Registry.register(self, 'Topics', 'sport', 2);
      Registry.register(self, 'Topics', 'weather', 3);
    });
    expect(Registry.keys(rt, 'Topics', a.pid)).toEqual(['news', 'sport', 'weather']);
    expect(Registry.keys(rt, 'Topics', b.pid)).toEqual([]);
  });

  it('lists a duplicate key once per registration, in registration order, as Elixir does', async () => {
    const rt = makeRuntime();
    await rt.start(Registry, { keys: 'duplicate' }, { name: 'Topics' });
    const a = agent(rt);
    await a.run((self) => {
      Registry.register(self, 'Topics', 'news', 1);
      Registry.register(self, 'Topics', 'sport', 2);
      Registry.register(self, 'Topics', 'news', 3);
    });
    expect(Registry.keys(rt, 'Topics', a.pid)).toEqual(['news', 'sport', 'news']);
  });

  it('gives [] for a process that has exited', async () => {
    const rt = makeRuntime();
    await rt.start(Registry, { keys: 'unique' }, { name: 'Stores' });
    const a = agent(rt);
    await a.run((self) => Registry.register(self, 'Stores', 'k', 1));
    a.finish();
    await rt.awaitExit(a.pid);
    expect(Registry.keys(rt, 'Stores', a.pid)).toEqual([]);
  });
});

// ── Registry.count ───────────────────────────────────────────────────────────

describe('Registry.count', () => {
  it('counts every entry, each duplicate registration included', async () => {
    const rt = makeRuntime();
    await rt.start(Registry, { keys: 'duplicate' }, { name: 'Topics' });
    const a = agent(rt);
    const b = agent(rt);
    await a.run((self) => {
      Registry.register(self, 'Topics', 'news', 1);
      Registry.register(self, 'Topics', 'news', 2);
    });
    await b.run((self) => Registry.register(self, 'Topics', 'sport', 3));
    expect(Registry.count(rt, 'Topics')).toBe(3);
  });

  it.each([
    ['crashes (throws)', (a: Agent) => a.crash(new Error('boom')), 'boom'],
    ['returns normally', (a: Agent) => a.finish(), 'normal'],
    ['is killed', (a: Agent, rt: Runtime) => rt.exit(a.pid, 'kill'), 'killed'],
  ] as const)('drops every entry of a process that %s', async (_how, end, expected) => {
    for (const keys of ['unique', 'duplicate'] as const) {
      const rt = makeRuntime();
      await rt.start(Registry, { keys }, { name: 'Reg' });
      const a = agent(rt);
      const b = agent(rt);
      await a.run((self) => {
        Registry.register(self, 'Reg', 'x', 1);
        Registry.register(self, 'Reg', 'y', 2);
      });
      await b.run((self) => Registry.register(self, 'Reg', 'z', 3));
      expect(Registry.count(rt, 'Reg')).toBe(3);
      const exited = rt.awaitExit(a.pid);
      end(a, rt);
      const reason = await exited;
      expect(reason instanceof Error ? reason.message : reason).toBe(expected);
      expect(Registry.count(rt, 'Reg')).toBe(1);
      expect(Registry.lookup(rt, 'Reg', 'x')).toEqual([]);
      expect(Registry.lookup(rt, 'Reg', 'y')).toEqual([]);
      expect(Registry.lookup(rt, 'Reg', 'z')).toEqual([[b.pid, 3]]);
      // The key is free again.
      await b.run((self) => Registry.register(self, 'Reg', 'x', 4));
      expect(Registry.lookup(rt, 'Reg', 'x')).toEqual([[b.pid, 4]]);
      if (expected === 'boom') expect(rt.log.text('error')).toContain('boom');
      else expect(rt.log.text('error')).toBe('');
    }
  });

  it('drops a duplicate key registered several times, with its count, when its process exits', async () => {
    const rt = makeRuntime();
    await rt.start(Registry, { keys: 'duplicate' }, { name: 'Topics' });
    const a = agent(rt);
    const b = agent(rt);
    await a.run((self) => {
      Registry.register(self, 'Topics', 'news', 1);
      Registry.register(self, 'Topics', 'sport', 2);
      Registry.register(self, 'Topics', 'news', 3);
    });
    await b.run((self) => Registry.register(self, 'Topics', 'news', 4));
    expect(Registry.count(rt, 'Topics')).toBe(4);
    const exited = rt.awaitExit(a.pid);
    rt.exit(a.pid, 'kill');
    await exited;
    expect(Registry.count(rt, 'Topics')).toBe(1);
    expect(Registry.lookup(rt, 'Topics', 'news')).toEqual([[b.pid, 4]]);
    expect(Registry.lookup(rt, 'Topics', 'sport')).toEqual([]);
  });

  it('watches a process once however many keys it holds, and leaks nothing when it exits', async () => {
    const rt = makeRuntime();
    const registry = await rt.start(Registry, { keys: 'unique' }, { name: 'Stores' });
    const before = rt.stats;
    const a = agent(rt);
    const watched = watcherCount(a.pid);
    await a.run((self) => {
      for (let i = 0; i < 100; i++) Registry.register(self, 'Stores', i, i);
    });
    expect(Registry.count(rt, 'Stores')).toBe(100);
    expect(watcherCount(a.pid)).toBe(watched + 1);
    // The registry watches it once, and is linked to it once (as in Elixir); it does not monitor.
    expect(rt.info(a.pid)).toMatchObject({ monitoredBy: [], links: [registry] });
    expect(rt.info(registry)).toMatchObject({ monitors: [], links: [a.pid], messageQueueLen: 0 });
    const exited = rt.awaitExit(a.pid);
    rt.exit(a.pid, 'kill');
    await exited;
    expect(Registry.count(rt, 'Stores')).toBe(0);
    expect(rt.stats).toEqual(before);
    // The registry traps exits: the registrant's death only took its entries.
    expect(rt.isAlive(registry)).toBe(true);
    expect(rt.info(registry)).toMatchObject({ monitors: [], links: [] });
    expect(await GenServer.call(rt, registry, 'status')).toEqual({ keys: 'unique', entries: 0 });
  });
});

// ── Registry.dispatch ────────────────────────────────────────────────────────

describe('Registry.dispatch', () => {
  it('calls fn synchronously with the entries under the key, and not at all for none', async () => {
    const rt = makeRuntime();
    await rt.start(Registry, { keys: 'duplicate' }, { name: 'Topics' });
    const a = agent(rt);
    await a.run((self) => Registry.register(self, 'Topics', 'news', 'v'));
    const seen: unknown[] = [];
    Registry.dispatch(rt, 'Topics', 'news', (entries) => seen.push(entries));
    expect(seen).toEqual([[[a.pid, 'v']]]);
    Registry.dispatch(rt, 'Topics', 'sport', (entries) => seen.push(entries));
    expect(seen).toHaveLength(1);
  });

  it('throws TypeError naming `fn` when it is not a function, and the registry still works', async () => {
    const rt = makeRuntime();
    await rt.start(Registry, { keys: 'duplicate' }, { name: 'Topics' });
    expect(() => Registry.dispatch(rt, 'Topics', 'news', 42 as never)).toThrow(TypeError);
    expect(() => Registry.dispatch(rt, 'Topics', 'news', 42 as never)).toThrow(
      /Registry\.dispatch: expected `fn` to be a function, got number/,
    );
    let called = 0;
    const a = agent(rt);
    await a.run((self) => Registry.register(self, 'Topics', 'news', 'v'));
    Registry.dispatch(rt, 'Topics', 'news', () => called++);
    expect(called).toBe(1);
  });

  it('fans a message out to 1,000 subscribers, whose entries go when they exit', async () => {
    const rt = makeRuntime();
    await rt.start(Registry, { keys: 'duplicate' }, { name: 'Topics' });
    const subscribers = 1_000;
    const ready = deferred();
    const acked = deferred();
    let registered = 0;
    const received = new Map<number, unknown>();
    const pids: Pid[] = [];
    for (let i = 0; i < subscribers; i++) {
      pids.push(
        rt.spawn(async (self) => {
          Registry.register(self, 'Topics', 'news', i);
          if (++registered === subscribers) ready.resolve();
          received.set(i, await self.receive());
          if (received.size === subscribers) acked.resolve();
        }),
      );
    }
    await ready.promise;
    expect(Registry.count(rt, 'Topics')).toBe(subscribers);
    Registry.dispatch<number>(rt, 'Topics', 'news', (entries) => {
      for (const [pid, i] of entries) rt.send(pid, { type: 'news', text: 'hello', to: i });
    });
    await acked.promise;
    for (let i = 0; i < subscribers; i++)
      expect(received.get(i)).toEqual({ type: 'news', text: 'hello', to: i });
    // Each subscriber returns after its message: all its entries go with it.
    await Promise.all(pids.map((pid) => rt.awaitExit(pid)));
    expect(Registry.count(rt, 'Topics')).toBe(0);
    expect(Registry.lookup(rt, 'Topics', 'news')).toEqual([]);
    expect(rt.log.text('error')).toBe('');
  });
});

// ── Registry.updateValue ─────────────────────────────────────────────────────

describe('Registry.updateValue', () => {
  it('replaces the value of a unique key the caller owns and returns [new, old]', async () => {
    const rt = makeRuntime();
    await rt.start(Registry, { keys: 'unique' }, { name: 'Stores' });
    const a = agent(rt);
    await a.run((self) => Registry.register(self, 'Stores', 'visits', 1));
    const result = await a.run((self) =>
      Registry.updateValue(self, 'Stores', 'visits', (n: number) => n + 1),
    );
    expect(result).toEqual([2, 1]);
    expect(Registry.lookup(rt, 'Stores', 'visits')).toEqual([[a.pid, 2]]);
  });

  it("keeps each key's own value when a process holds several, and after it gives its first key up", async () => {
    const rt = makeRuntime();
    await rt.start(Registry, { keys: 'unique' }, { name: 'Stores' });
    const a = agent(rt);
    await a.run((self) => {
      Registry.register(self, 'Stores', 'first', 1);
      Registry.register(self, 'Stores', 'second', 10);
      Registry.updateValue(self, 'Stores', 'first', (n: number) => n + 1);
      Registry.updateValue(self, 'Stores', 'second', (n: number) => n + 1);
    });
    expect(Registry.lookup(rt, 'Stores', 'first')).toEqual([[a.pid, 2]]);
    expect(Registry.lookup(rt, 'Stores', 'second')).toEqual([[a.pid, 11]]);
    await a.run((self) => {
      Registry.unregister(self, 'Stores', 'first');
      Registry.register(self, 'Stores', 'first', 100);
      Registry.updateValue(self, 'Stores', 'first', (n: number) => n + 1);
    });
    expect(Registry.lookup(rt, 'Stores', 'first')).toEqual([[a.pid, 101]]);
    expect(Registry.lookup(rt, 'Stores', 'second')).toEqual([[a.pid, 11]]);
    expect(Registry.keys(rt, 'Stores', a.pid)).toEqual(['second', 'first']);
  });

  it('returns undefined, calling nothing, for a key the caller does not own', async () => {
    const rt = makeRuntime();
    await rt.start(Registry, { keys: 'unique' }, { name: 'Stores' });
    const a = agent(rt);
    const b = agent(rt);
    await a.run((self) => Registry.register(self, 'Stores', 'visits', 1));
    let called = false;
    const results = await b.run((self) => [
      Registry.updateValue(self, 'Stores', 'visits', (n: number) => {
        called = true;
        return n + 1;
      }),
      Registry.updateValue(self, 'Stores', 'nobody', (n: number) => n + 1),
    ]);
    expect(results).toEqual([undefined, undefined]);
    expect(called).toBe(false);
    expect(Registry.lookup(rt, 'Stores', 'visits')).toEqual([[a.pid, 1]]);
  });

  it('throws TypeError for a duplicate-keys registry, a non-function, or the Runtime as caller', async () => {
    const rt = makeRuntime();
    await rt.start(Registry, { keys: 'duplicate' }, { name: 'Topics' });
    await rt.start(Registry, { keys: 'unique' }, { name: 'Stores' });
    const a = agent(rt);
    await a.run((self) => Registry.register(self, 'Topics', 'news', 1));
    await expect(
      a.run((self) => Registry.updateValue(self, 'Topics', 'news', (n: number) => n + 1)),
    ).rejects.toThrow(
      /Registry "Topics" \(<[\d.]+>\) has duplicate keys; updateValue works on unique keys only/,
    );
    await expect(
      a.run((self) => Registry.updateValue(self, 'Stores', 'k', 'x' as never)),
    ).rejects.toThrow(/expected `fn` to be a function, got string/);
    // @ts-expect-error -- updateValue needs a process: the Runtime is not one.
    expect(() => Registry.updateValue(rt, 'Stores', 'k', (n: number) => n)).toThrow(TypeError);
    expect(Registry.lookup(rt, 'Topics', 'news')).toEqual([[a.pid, 1]]);
  });
});

// ── { via: registry, key } names ─────────────────────────────────────────────

describe('via names', () => {
  const test1 = { via: 'Stores', key: 'test1' } as const;

  it('names a server started with rt.start, reachable by call, cast, send and whereis', async () => {
    const rt = makeRuntime();
    await rt.start(Registry, { keys: 'unique' }, { name: 'Stores' });
    const pid = await rt.start(Store, 'test1', { name: test1 });
    expect(rt.whereis(test1)).toBe(pid);
    expect(rt.whereis({ via: 'Stores', key: 'other' })).toBeUndefined();
    expect(rt.info(pid)?.name).toEqual(test1);
    expect(Registry.lookup(rt, 'Stores', 'test1')).toEqual([[pid, undefined]]);
    expect(await GenServer.call(rt, test1, { type: 'whoami' })).toEqual({ id: 'test1', pid });
    const p = probe(rt);
    GenServer.cast(rt, test1, { type: 'ping', to: p.pid });
    expect(await p.expectMessage()).toEqual({ type: 'pong', id: 'test1', by: 'cast' });
    rt.send(test1, { type: 'ping', to: p.pid });
    expect(await p.expectMessage()).toEqual({ type: 'pong', id: 'test1', by: 'send' });
  });

  it('accepts the registry’s pid in place of its name', async () => {
    const rt = makeRuntime();
    const registry = await rt.start(Registry, { keys: 'unique' });
    const name = { via: registry, key: 'test1' };
    const pid = await rt.start(Store, 'test1', { name });
    expect(rt.whereis(name)).toBe(pid);
    expect(await GenServer.call(rt, name, { type: 'whoami' })).toEqual({ id: 'test1', pid });
    expect(Registry.lookup(rt, registry, 'test1')).toEqual([[pid, undefined]]);
  });

  it('rejects rt.start with AlreadyStartedError for a taken via name', async () => {
    const rt = makeRuntime();
    await rt.start(Registry, { keys: 'unique' }, { name: 'Stores' });
    const pid = await rt.start(Store, 'test1', { name: test1 });
    const before = rt.stats.processes;
    const error = await rt.start(Store, 'again', { name: test1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AlreadyStartedError);
    expect((error as AlreadyStartedError).pid).toBe(pid);
    expect((error as Error).message).toContain('test1');
    expect(rt.stats.processes).toBe(before);
    expect(rt.whereis(test1)).toBe(pid);
  });

  it('registers and unregisters a process with rt.register and rt.unregister', async () => {
    const rt = makeRuntime();
    await rt.start(Registry, { keys: 'unique' }, { name: 'Stores' });
    const a = agent(rt);
    const b = agent(rt);
    rt.register(test1, a.pid);
    expect(rt.whereis(test1)).toBe(a.pid);
    expect(Registry.keys(rt, 'Stores', a.pid)).toEqual(['test1']);
    expect(() => rt.register(test1, b.pid)).toThrow(AlreadyRegisteredError);
    try {
      rt.register(test1, b.pid);
    } catch (error) {
      expect((error as AlreadyRegisteredError).pid).toBe(a.pid);
    }
    expect(rt.unregister(test1)).toBe(true);
    expect(rt.unregister(test1)).toBe(false);
    expect(rt.whereis(test1)).toBeUndefined();
    expect(rt.info(a.pid)?.name).toBeUndefined();
    expect(Registry.count(rt, 'Stores')).toBe(0);
    expect(watcherCount(a.pid)).toBe(0);
    // Free again, and a's name too: both can take names.
    rt.register(test1, b.pid);
    rt.register('a', a.pid);
    expect(rt.whereis(test1)).toBe(b.pid);
  });

  it('is registered before init runs, and freed when init fails', async () => {
    let started: Pid | undefined;
    class Failing extends GenServer<null> {
      override init(): null {
        started = this.pid;
        const seen = Registry.lookup(this, 'Stores', 'test1');
        throw new Error(`init saw ${seen.map(([pid]) => String(pid)).join()}`);
      }
    }
    const rt = makeRuntime();
    await rt.start(Registry, { keys: 'unique' }, { name: 'Stores' });
    const error = await rt.start(Failing, undefined, { name: test1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StartError);
    expect(((error as StartError).reason as Error).message).toBe(`init saw ${started}`);
    expect(rt.whereis(test1)).toBeUndefined();
    expect(Registry.count(rt, 'Stores')).toBe(0);
  });

  it('frees the via name of a process that unregisters its key itself', async () => {
    const rt = makeRuntime();
    await rt.start(Registry, { keys: 'unique' }, { name: 'Stores' });
    const a = agent(rt);
    rt.register(test1, a.pid);
    await a.run((self) => Registry.unregister(self, 'Stores', 'test1'));
    expect(rt.whereis(test1)).toBeUndefined();
    expect(rt.info(a.pid)?.name).toBeUndefined();
    // It holds no name any more, so it may take one.
    rt.register('a', a.pid);
    expect(rt.whereis('a')).toBe(a.pid);
  });

  it('frees the via name when its process exits', async () => {
    const rt = makeRuntime();
    await rt.start(Registry, { keys: 'unique' }, { name: 'Stores' });
    const first = await rt.start(Store, 'test1', { name: test1 });
    const exited = rt.awaitExit(first);
    rt.exit(first, 'kill');
    expect(await exited).toBe('killed');
    expect(rt.whereis(test1)).toBeUndefined();
    expect(Registry.count(rt, 'Stores')).toBe(0);
    const second = await rt.start(Store, 'test1', { name: test1 });
    expect(rt.whereis(test1)).toBe(second);
  });

  it('names a Supervisor child, which re-registers under its via name when restarted', async () => {
    const rt = makeRuntime();
    const sup = await rt.start(Supervisor, {
      children: [
        { id: 'registry', start: [Registry, { keys: 'unique' }, { name: 'Stores' }] },
        { id: 'test1', start: [Store, 'test1', { name: test1 }] },
      ],
      strategy: 'one_for_one',
    });
    const first = rt.whereis(test1)!;
    expect(first).toBeDefined();
    expect(await GenServer.call(rt, test1, { type: 'whoami' })).toEqual({
      id: 'test1',
      pid: first,
    });
    const restarted = deferred<[Pid, unknown, unknown, Pid | undefined, Pid | undefined]>();
    rt.once('restart', (...event) => restarted.resolve(event));
    rt.exit(first, 'kill');
    const [supervisor, id, reason, oldPid, newPid] = await restarted.promise;
    expect({ supervisor, id, reason, oldPid }).toEqual({
      supervisor: sup,
      id: 'test1',
      reason: 'killed',
      oldPid: first,
    });
    expect(newPid).toBeDefined();
    expect(newPid).not.toBe(first);
    expect(rt.whereis(test1)).toBe(newPid);
    expect(Registry.lookup(rt, 'Stores', 'test1')).toEqual([[newPid, undefined]]);
    expect(await GenServer.call(rt, test1, { type: 'whoami' })).toEqual({
      id: 'test1',
      pid: newPid,
    });
  });

  it('throws TypeError naming the problem when the registry has duplicate keys', async () => {
    const rt = makeRuntime();
    await rt.start(Registry, { keys: 'duplicate' }, { name: 'Topics' });
    const name = { via: 'Topics', key: 'k' };
    const message =
      /has duplicate keys, so it cannot be used as a via name: start it with \{ keys: 'unique' \}/;
    const a = agent(rt);
    await expect(rt.start(Store, 'k', { name })).rejects.toThrow(TypeError);
    await expect(rt.start(Store, 'k', { name })).rejects.toThrow(message);
    expect(() => rt.whereis(name)).toThrow(message);
    expect(() => rt.register(name, a.pid)).toThrow(message);
    expect(() => rt.send(name, 'hi')).toThrow(message);
    await expect(GenServer.call(rt, name, { type: 'whoami' })).rejects.toThrow(message);
    expect(Registry.count(rt, 'Topics')).toBe(0);
    // Nothing was left half-registered: the agent can still take a name.
    rt.register('agent', a.pid);
    expect(rt.whereis('agent')).toBe(a.pid);
  });

  it('throws TypeError when `via` is a process that is not a Registry', async () => {
    const rt = makeRuntime();
    await rt.start(Store, 'x', { name: 'Test1' });
    const name = { via: 'Test1', key: 'k' };
    expect(() => rt.whereis(name)).toThrow(/"Test1" is <[\d.]+>, which is not a Registry/);
    await expect(rt.start(Store, 'k', { name })).rejects.toThrow(/which is not a Registry/);
  });

  it('treats a via name as unknown when its registry is not running', async () => {
    const rt = makeRuntime();
    const name = { via: 'Nowhere', key: 'k' };
    expect(rt.whereis(name)).toBeUndefined();
    expect(() => rt.send(name, 'hi')).toThrow(NoProcError);
    await expect(GenServer.call(rt, name, { type: 'whoami' })).rejects.toBeInstanceOf(NoProcError);
    await expect(rt.start(Store, 'k', { name })).rejects.toThrow(
      /the Registry "Nowhere" of \{ via: "Nowhere", key: "k" \} is not running/,
    );
  });

  it.each([
    ['GenServer.stop', (rt: Runtime, registry: Pid) => GenServer.stop(rt, registry)],
  ] as const)('takes its entries with it when the registry stops by %s', async (_how, stopIt) => {
    const rt = makeRuntime();
    const registry = await rt.start(Registry, { keys: 'unique' }, { name: 'Stores' });
    const store = await rt.start(Store, 'test1', { name: test1 });
    const a = agent(rt);
    await a.run((self) => Registry.register(self, 'Stores', 'k', 1));
    expect(watcherCount(a.pid)).toBe(1);
    await stopIt(rt, registry);
    // Lookups now fail with a typed error, and via names resolve to nobody.
    expect(() => Registry.lookup(rt, 'Stores', 'k')).toThrow(NoProcError);
    expect(() => Registry.count(rt, registry)).toThrow(NoProcError);
    expect(rt.whereis(test1)).toBeUndefined();
    await expect(GenServer.call(rt, test1, { type: 'whoami' })).rejects.toBeInstanceOf(NoProcError);
    // The registered processes live on, unwatched and free to take another name.
    expect(rt.isAlive(store)).toBe(true);
    expect(watcherCount(a.pid)).toBe(0);
    expect(rt.info(store)?.name).toBeUndefined();
    rt.register('store', store);
    // A new registry under the same name starts empty.
    await rt.start(Registry, { keys: 'unique' }, { name: 'Stores' });
    expect(Registry.count(rt, 'Stores')).toBe(0);
    expect(Registry.lookup(rt, 'Stores', 'k')).toEqual([]);
    await a.run((self) => Registry.register(self, 'Stores', 'k', 2));
    expect(Registry.lookup(rt, 'Stores', 'k')).toEqual([[a.pid, 2]]);
    expect(rt.log.text('error')).toBe('');
  });
});

// ── Registrants are linked to their registry (issue 15) ─────────────────────

describe('Registry registrants', () => {
  it('die with a registry that is killed, as they are linked to it, unless they trap exits', async () => {
    const rt = makeRuntime();
    const registry = await rt.start(Registry, { keys: 'duplicate' }, { name: 'Topics' });
    const plain = agent(rt);
    const trapping = agent(rt);
    await plain.run((self) => Registry.register(self, 'Topics', 'news', 1));
    await trapping.run((self) => {
      self.trapExit(true);
      Registry.register(self, 'Topics', 'news', 2);
    });
    const plainExit = rt.awaitExit(plain.pid);
    rt.exit(registry, 'kill');
    expect(await plainExit).toBe('killed');
    expect(rt.isAlive(trapping.pid)).toBe(true);
  });

  it('are unlinked when they unregister their last key', async () => {
    const rt = makeRuntime();
    const registry = await rt.start(Registry, { keys: 'unique' }, { name: 'Stores' });
    const a = agent(rt);
    await a.run((self) => {
      Registry.register(self, 'Stores', 'k1', 1);
      Registry.register(self, 'Stores', 'k2', 2);
      Registry.unregister(self, 'Stores', 'k1');
    });
    expect(rt.info(a.pid)?.links).toEqual([registry]);
    await a.run((self) => Registry.unregister(self, 'Stores', 'k2'));
    expect(rt.info(a.pid)?.links).toEqual([]);
    expect(rt.info(registry)?.links).toEqual([]);
  });

  it('are restarted by their supervisor and register again when the registry restarts', async () => {
    class Subscriber extends GenServer<null> {
      override init(): null {
        Registry.register(this, 'Topics', 'news', 'sub');
        return null;
      }
    }
    const rt = makeRuntime();
    const sup = await rt.start(Supervisor, {
      strategy: 'one_for_one',
      children: [
        { id: 'topics', start: [Registry, { keys: 'duplicate' }, { name: 'Topics' }] },
        { id: 'sub', start: [Subscriber, null] },
      ],
    });
    const [before] = Registry.lookup(rt, 'Topics', 'news');
    const restarted = new Promise<void>((resolve) => {
      rt.on('restart', (_sup, id) => {
        if (id === 'sub') resolve();
      });
    });
    rt.exit(rt.whereis('Topics')!, 'kill');
    await restarted;
    const after = Registry.lookup(rt, 'Topics', 'news');
    expect(after).toHaveLength(1);
    expect(after[0]![0]).not.toBe(before![0]);
    expect(rt.isAlive(sup)).toBe(true);
  });
});

describe('Registry keys by value', () => {
  it('finds a key by an equal value: arrays, plain objects in any field order, nested, pids', async () => {
    const rt = makeRuntime();
    await rt.start(Registry, { keys: 'unique' }, { name: 'Rooms' });
    const a = agent(rt);
    await a.run((self) => {
      Registry.register(self, 'Rooms', ['room', 7], 'array');
      Registry.register(self, 'Rooms', { user: 42, tags: ['a', { b: 1n }] }, 'object');
      Registry.register(self, 'Rooms', { owner: self.pid }, 'pid');
    });
    expect(Registry.lookup(rt, 'Rooms', ['room', 7])).toEqual([[a.pid, 'array']]);
    expect(Registry.lookup(rt, 'Rooms', { tags: ['a', { b: 1n }], user: 42 })).toEqual([
      [a.pid, 'object'],
    ]);
    expect(Registry.lookup(rt, 'Rooms', { owner: a.pid })).toEqual([[a.pid, 'pid']]);
    expect(Registry.lookup(rt, 'Rooms', ['room', '7'])).toEqual([]);
    expect(Registry.lookup(rt, 'Rooms', { user: 42 })).toEqual([]);
    // Two equal unique keys cannot both be registered.
    const b = agent(rt);
    await expect(
      b.run((self) => Registry.register(self, 'Rooms', ['room', 7], 'again')),
    ).rejects.toBeInstanceOf(AlreadyRegisteredError);
  });

  it('works in via names: an equal key reaches the same process', async () => {
    const rt = makeRuntime();
    await rt.start(Registry, { keys: 'unique' }, { name: 'Stores' });
    const pid = await rt.start(Store, 'test1', { name: { via: 'Stores', key: { store: 1 } } });
    expect(rt.whereis({ via: 'Stores', key: { store: 1 } })).toBe(pid);
  });

  it('keeps a string that looks like an encoded key apart from the key it looks like', async () => {
    const rt = makeRuntime();
    await rt.start(Registry, { keys: 'unique' }, { name: 'Stores' });
    const a = agent(rt);
    await a.run((self) => {
      Registry.register(self, 'Stores', '\u0001[n1]', 'string');
      Registry.register(self, 'Stores', [1], 'array');
    });
    expect(Registry.lookup(rt, 'Stores', '\u0001[n1]')).toEqual([[a.pid, 'string']]);
    expect(Registry.lookup(rt, 'Stores', [1])).toEqual([[a.pid, 'array']]);
  });

  it('rejects a key of another kind with a TypeError naming where it is', async () => {
    const rt = makeRuntime();
    await rt.start(Registry, { keys: 'unique' }, { name: 'Stores' });
    expect(() => Registry.lookup(rt, 'Stores', { at: [1, new Date(0)] })).toThrow(
      /^Registry\.lookup: expected `key\.at\[1\]` to be a string, number, boolean, null, undefined, bigint, pid, ref, or an array or plain object of these, got/,
    );
    expect(() => Registry.lookup(rt, 'Stores', () => 1)).toThrow(TypeError);
  });
});

describe('Registry.match', () => {
  it('gives the entries under a key whose value the pattern accepts', async () => {
    const rt = makeRuntime();
    await rt.start(Registry, { keys: 'duplicate' }, { name: 'Topics' });
    const a = agent(rt);
    const b = agent(rt);
    await a.run((self) => Registry.register(self, 'Topics', 'news', { lang: 'en' }));
    await b.run((self) => Registry.register(self, 'Topics', 'news', { lang: 'fr' }));
    expect(
      Registry.match<{ lang: string }>(rt, 'Topics', 'news', (value) => value.lang === 'fr'),
    ).toEqual([[b.pid, { lang: 'fr' }]]);
    expect(() => Registry.match(rt, 'Topics', 'news', 'fr' as never)).toThrow(
      /^Registry\.match: expected `pattern` to be a function, got "fr"$/,
    );
  });
});

describe('Registry.meta and Registry.putMeta', () => {
  it('reads the meta start option, and what putMeta sets, by key value', async () => {
    const rt = makeRuntime();
    await rt.start(Registry, { keys: 'unique', meta: { region: 'eu' } }, { name: 'Reg' });
    expect(Registry.meta(rt, 'Reg', 'region')).toBe('eu');
    expect(Registry.meta(rt, 'Reg', 'missing')).toBeUndefined();
    Registry.putMeta(rt, 'Reg', ['shard', 1], { size: 3 });
    expect(Registry.meta(rt, 'Reg', ['shard', 1])).toEqual({ size: 3 });
  });
});
