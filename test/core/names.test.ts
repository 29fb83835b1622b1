import { describe, expect, it } from 'vitest';
import type { ViaTable } from '../../src/core/names.js';
import type { Process } from '../../src/core/process.js';
import { processOf } from '../../src/core/process.js';
import type { Self } from '../../src/index.js';
import { AlreadyRegisteredError, NoProcError, type Pid } from '../../src/index.js';
import { deferred, makeRuntime, probe } from '../helpers.js';

const idle = async (self: Self): Promise<void> => void (await self.receive());

describe('Runtime.register', () => {
  it('registers a live pid under a name that whereis and send then resolve', async () => {
    const rt = makeRuntime();
    const p = probe(rt);
    rt.register('probe', p.pid);
    expect(rt.whereis('probe')).toBe(p.pid);
    expect(rt.info(p.pid)?.name).toBe('probe');
    rt.send('probe', 'by name');
    await expect(p.expectMessage()).resolves.toBe('by name');
  });

  it('throws AlreadyRegisteredError with the pid of the holder for a taken name', () => {
    const rt = makeRuntime();
    const holder = rt.spawn(idle);
    const other = rt.spawn(idle);
    rt.register('db', holder);
    let error: unknown;
    try {
      rt.register('db', other);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AlreadyRegisteredError);
    expect((error as AlreadyRegisteredError).pid).toBe(holder);
    expect((error as AlreadyRegisteredError).message).toBe(
      `register: "db" is already registered to ${holder}`,
    );
    expect(rt.whereis('db')).toBe(holder);
    expect(rt.info(other)?.name).toBeUndefined();
  });

  it('refuses a second name for a process that already has one', () => {
    const rt = makeRuntime();
    const pid = rt.spawn(idle);
    rt.register('first', pid);
    expect(() => rt.register('second', pid)).toThrow(AlreadyRegisteredError);
    // The message says why the free name cannot be taken, not that it is taken.
    expect(() => rt.register('second', pid)).toThrow(
      `register: cannot register "second" for ${pid}: it already has the name "first", and a process holds one name at most`,
    );
    expect(rt.registered()).toEqual(['first']);
  });

  it('throws NoProcError for a dead pid', async () => {
    const rt = makeRuntime();
    const dead = rt.spawn(() => {});
    await rt.awaitExit(dead);
    expect(() => rt.register('ghost', dead)).toThrow(NoProcError);
    expect(rt.whereis('ghost')).toBeUndefined();
  });

  it('frees the name when the process exits, so it can be taken again', async () => {
    const rt = makeRuntime();
    const first = rt.spawn(async (self) => void (await self.receive()));
    rt.register('worker', first);
    rt.send('worker', 'stop');
    await rt.awaitExit(first);
    expect(rt.whereis('worker')).toBeUndefined();
    expect(rt.registered()).toEqual([]);
    const second = rt.spawn(idle);
    rt.register('worker', second);
    expect(rt.whereis('worker')).toBe(second);
  });

  it('frees the name of a process killed by a signal', async () => {
    const rt = makeRuntime();
    const pid = rt.spawn(idle, { name: 'victim' });
    rt.exit(pid, 'kill');
    expect(rt.whereis('victim')).toBeUndefined();
    expect(rt.stats.names).toBe(0);
  });
});

describe('Runtime.whereis', () => {
  it('gives undefined for a name nobody holds', () => {
    const rt = makeRuntime();
    expect(rt.whereis('nobody')).toBeUndefined();
  });

  it('finds a process registered at spawn', () => {
    const rt = makeRuntime();
    const pid = rt.spawn(idle, { name: 'spawned' });
    expect(rt.whereis('spawned')).toBe(pid);
  });

  it('gives undefined for a via name whose registry is not running', () => {
    const rt = makeRuntime();
    expect(rt.whereis({ via: 'Registry', key: 'k' })).toBeUndefined();
  });
});

describe('Runtime.unregister', () => {
  it('frees a name and reports whether anyone held it', async () => {
    const rt = makeRuntime();
    const pid = rt.spawn(idle, { name: 'temp' });
    expect(rt.unregister('temp')).toBe(true);
    expect(rt.whereis('temp')).toBeUndefined();
    expect(rt.info(pid)?.name).toBeUndefined();
    expect(rt.unregister('temp')).toBe(false);
    // The process may take a new name afterwards.
    rt.register('renamed', pid);
    expect(rt.whereis('renamed')).toBe(pid);
  });
});

describe('Runtime.registered', () => {
  it('lists the local names in registration order', async () => {
    const rt = makeRuntime();
    expect(rt.registered()).toEqual([]);
    const a = rt.spawn(idle, { name: 'a' });
    rt.spawn(idle, { name: 'b' });
    rt.register('c', rt.spawn(idle));
    expect(rt.registered()).toEqual(['a', 'b', 'c']);
    rt.send(a, 'stop');
    await rt.awaitExit(a);
    expect(rt.registered()).toEqual(['b', 'c']);
  });
});

describe('Runtime.spawn with a name', () => {
  it('throws AlreadyRegisteredError for a taken name and starts nothing', () => {
    const rt = makeRuntime();
    const holder = rt.spawn(idle, { name: 'taken' });
    let ran = false;
    let error: unknown;
    try {
      rt.spawn(
        () => {
          ran = true;
        },
        { name: 'taken' },
      );
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AlreadyRegisteredError);
    expect((error as AlreadyRegisteredError).pid).toBe(holder);
    expect(rt.processes()).toEqual([holder]);
    expect(ran).toBe(false);
  });

  it('registers the name before the body runs', async () => {
    const rt = makeRuntime();
    const got = deferred<Pid | undefined>();
    rt.spawn(
      async (self) => {
        got.resolve(rt.whereis('early'));
        await self.receive();
      },
      { name: 'early' },
    );
    expect(await got.promise).toBe(rt.whereis('early'));
  });
});

describe('Runtime.send to a name', () => {
  it('throws NoProcError naming the destination when nobody holds the name', () => {
    const rt = makeRuntime();
    let error: unknown;
    try {
      rt.send('Nobody', 'hello');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(NoProcError);
    expect(error).toMatchObject({ reason: 'noproc', dest: 'Nobody' });
    expect((error as Error).message).toBe(
      'send to "Nobody" failed: no process is alive under that name (noproc)',
    );
  });

  it('throws NoProcError for a via name whose registry is not running', () => {
    const rt = makeRuntime();
    expect(() => rt.send({ via: 'Registry', key: 'k' }, 'x')).toThrow(NoProcError);
  });
});

describe('via names', () => {
  /** A stand-in for a Registry: a process carrying a table (what core asks of a Registry). */
  function fakeRegistry(rt: ReturnType<typeof makeRuntime>, name: string): Map<unknown, Process> {
    const entries = new Map<unknown, Process>();
    const table: ViaTable = {
      whereis: (key) => entries.get(key),
      registerName: (key, proc) => {
        const holder = entries.get(key);
        if (holder !== undefined) throw new AlreadyRegisteredError('via', key, holder.pid);
        entries.set(key, proc);
      },
      unregisterName: (key, proc) => {
        if (entries.get(key) === proc) entries.delete(key);
      },
    };
    const pid = rt.spawn(idle, { name });
    processOf(pid)!.more().viaTable = table;
    return entries;
  }

  it('registers, resolves, sends to and frees a { via, key } name', async () => {
    const rt = makeRuntime();
    const entries = fakeRegistry(rt, 'Reg');
    const p = probe(rt, undefined);
    rt.register({ via: 'Reg', key: 'k1' }, p.pid);
    expect(rt.whereis({ via: 'Reg', key: 'k1' })).toBe(p.pid);
    rt.send({ via: 'Reg', key: 'k1' }, 'via');
    await expect(p.expectMessage()).resolves.toBe('via');
    const worker = rt.spawn(idle, { name: { via: rt.whereis('Reg')!, key: 'k2' } });
    expect(entries.get('k2')?.pid).toBe(worker);
    rt.exit(worker, 'kill');
    expect(entries.has('k2')).toBe(false);
    expect(rt.whereis({ via: 'Reg', key: 'k2' })).toBeUndefined();
  });

  it('throws a TypeError when the via process is not a Registry', () => {
    const rt = makeRuntime();
    rt.spawn(idle, { name: 'plain' });
    const pid = rt.spawn(idle);
    expect(() => rt.register({ via: 'plain', key: 'k' }, pid)).toThrow(/not a Registry/);
    expect(() => rt.register({ via: 'plain', key: 'k' }, pid)).toThrow(TypeError);
  });

  it('throws a TypeError naming the argument for a malformed via', () => {
    const rt = makeRuntime();
    expect(() => rt.whereis({ via: 42 as unknown as string, key: 'k' })).toThrow(
      /expected `name.via` to be a Registry's name or pid, got 42/,
    );
  });
});
