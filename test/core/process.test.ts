import { describe, expect, it } from 'vitest';
import { Down, Exit, NoProcError, type Pid, Timeout } from '../../src/index.js';
import { deferred, makeRuntime, probe } from '../helpers.js';

describe('Self.receive', () => {
  it('resolves with the oldest message when no match is given', async () => {
    const rt = makeRuntime();
    const got = deferred<unknown[]>();
    const pid = rt.spawn(async (self) => {
      got.resolve([await self.receive(), await self.receive(), await self.receive()]);
    });
    rt.send(pid, 'a');
    rt.send(pid, 'b');
    rt.send(pid, 'c');
    expect(await got.promise).toEqual(['a', 'b', 'c']);
  });

  it('takes the first message match accepts and leaves the others queued in order', async () => {
    const rt = makeRuntime();
    const got = deferred<unknown[]>();
    const pid = rt.spawn(async (self) => {
      await self.receive({ match: (m) => m === 'go' });
      const even = await self.receive({ match: (m) => typeof m === 'number' && m % 2 === 0 });
      const rest: unknown[] = [];
      for (let i = 0; i < 4; i++) rest.push(await self.receive());
      got.resolve([even, ...rest]);
    });
    for (const m of [1, 3, 4, 5, 6]) rt.send(pid, m);
    rt.send(pid, 'go');
    expect(await got.promise).toEqual([4, 1, 3, 5, 6]);
  });

  it('waits for a matching message that arrives later, keeping the skipped ones', async () => {
    const rt = makeRuntime();
    const got = deferred<{ match: unknown; queued: number | undefined; rest: unknown[] }>();
    const pid = rt.spawn(async (self) => {
      const match = await self.receive({ match: (m) => m === 'wanted' });
      const queued = rt.info(self.pid)?.messageQueueLen;
      const rest = [await self.receive(), await self.receive()];
      got.resolve({ match, queued, rest });
    });
    const sender = rt.spawn(async (self) => {
      self.send(pid, 'x');
      self.send(pid, 'y');
      await self.receive({ timeout: 0 });
      self.send(pid, 'wanted');
    });
    await rt.awaitExit(sender);
    expect(await got.promise).toEqual({ match: 'wanted', queued: 2, rest: ['x', 'y'] });
  });

  it('resolves with the Timeout symbol when nothing matches in time, leaving the mailbox as it was', async () => {
    const rt = makeRuntime();
    const got = deferred<{ result: unknown; queued: number | undefined }>();
    const pid = rt.spawn(async (self) => {
      const result = await self.receive({ match: (m) => m === 'never', timeout: 20 });
      got.resolve({ result, queued: rt.info(self.pid)?.messageQueueLen });
    });
    rt.send(pid, 'other');
    expect(await got.promise).toEqual({ result: Timeout, queued: 1 });
  });

  it('with timeout 0 takes a matching message that is already queued', async () => {
    const rt = makeRuntime();
    const got = deferred<unknown>();
    const pid = rt.spawn(async (self) => {
      await self.receive({ match: (m) => m === 'go' });
      got.resolve(await self.receive({ match: (m) => m === 'b', timeout: 0 }));
    });
    rt.send(pid, 'a');
    rt.send(pid, 'b');
    rt.send(pid, 'go');
    expect(await got.promise).toBe('b');
  });

  it('with timeout 0 only looks at what is queued and sets no timer', async () => {
    const rt = makeRuntime();
    const got = deferred<{ result: unknown; timers: number; after: unknown }>();
    rt.spawn(async (self) => {
      const pending = self.receive({ timeout: 0 });
      const timers = rt.stats.timers;
      self.send(self.pid, 'too late');
      const result = await pending;
      got.resolve({ result, timers, after: await self.receive() });
    });
    expect(await got.promise).toEqual({ result: Timeout, timers: 0, after: 'too late' });
  });

  it('cancels its timeout when a message comes first', async () => {
    const rt = makeRuntime();
    const got = deferred<{ message: unknown; timersWhileWaiting: number }>();
    const waiting = deferred<number>();
    const pid = rt.spawn(async (self) => {
      const pending = self.receive({ timeout: 60_000 });
      waiting.resolve(rt.stats.timers);
      got.resolve({ message: await pending, timersWhileWaiting: await waiting.promise });
    });
    await waiting.promise;
    rt.send(pid, 'hello');
    expect(await got.promise).toEqual({ message: 'hello', timersWhileWaiting: 1 });
    await rt.awaitExit(pid);
    expect(rt.stats.timers).toBe(0);
  });

  it('rejects a second receive while the first is pending', async () => {
    const rt = makeRuntime();
    const got = deferred<unknown>();
    rt.spawn(async (self) => {
      void self.receive();
      got.resolve(await self.receive().catch((e: unknown) => e));
    });
    const error = await got.promise;
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/already waiting in another receive/);
  });

  it('ends the process with the error when match throws', async () => {
    const rt = makeRuntime();
    const boom = new Error('bad match');
    const pid = rt.spawn(async (self) => {
      await self.receive({
        match: () => {
          throw boom;
        },
      });
    });
    rt.send(pid, 'anything');
    expect(await rt.awaitExit(pid)).toBe(boom);
  });
});

describe('Self.send', () => {
  it('never runs the receiver synchronously', async () => {
    const rt = makeRuntime();
    const log: string[] = [];
    const done = deferred();
    const pid = rt.spawn(async (self) => {
      log.push(String(await self.receive()));
      done.resolve();
    });
    rt.spawn((self) => {
      self.send(pid, 'message');
      log.push('sent');
    });
    await done.promise;
    expect(log).toEqual(['sent', 'message']);
  });

  it('delivers messages from one process to another in the order they were sent', async () => {
    const rt = makeRuntime();
    const count = 5_000;
    const got = deferred<number[]>();
    const receiver = rt.spawn(async (self) => {
      const seen: number[] = [];
      for (let i = 0; i < count; i++) seen.push((await self.receive()) as number);
      got.resolve(seen);
    });
    rt.spawn(async (self) => {
      for (let i = 0; i < count; i++) {
        self.send(receiver, i);
        // Give the receiver a chance to run now and then, so sends and receives interleave.
        if (i % 100 === 0) await self.receive({ timeout: 0 });
      }
    });
    expect(await got.promise).toEqual(Array.from({ length: count }, (_, i) => i));
  });

  it("keeps each sender's order when several senders interleave", async () => {
    const rt = makeRuntime();
    const senders = 5;
    const perSender = 500;
    const got = deferred<Map<number, number[]>>();
    const receiver = rt.spawn(async (self) => {
      const seen = new Map<number, number[]>();
      for (let i = 0; i < senders * perSender; i++) {
        const [from, n] = (await self.receive()) as [number, number];
        seen.set(from, [...(seen.get(from) ?? []), n]);
      }
      got.resolve(seen);
    });
    for (let s = 0; s < senders; s++) {
      rt.spawn(async (self) => {
        for (let n = 0; n < perSender; n++) {
          self.send(receiver, [s, n]);
          if (n % 7 === s) await self.receive({ timeout: 0 });
        }
      });
    }
    const seen = await got.promise;
    const expected = Array.from({ length: perSender }, (_, n) => n);
    for (let s = 0; s < senders; s++) expect(seen.get(s)).toEqual(expected);
  });

  it('drops a message to a dead pid silently', async () => {
    const rt = makeRuntime();
    const dead = rt.spawn(() => {});
    await rt.awaitExit(dead);
    const got = deferred<unknown>();
    rt.spawn((self) => {
      self.send(dead, 'into the void');
      got.resolve('no error');
    });
    expect(await got.promise).toBe('no error');
  });

  it('throws NoProcError for a name nobody holds', async () => {
    const rt = makeRuntime();
    const got = deferred<unknown>();
    rt.spawn((self) => {
      try {
        self.send('nobody', 'hello');
        got.resolve('no error');
      } catch (error) {
        got.resolve(error);
      }
    });
    const error = await got.promise;
    expect(error).toBeInstanceOf(NoProcError);
    expect((error as NoProcError).reason).toBe('noproc');
    expect((error as NoProcError).message).toContain('"nobody"');
  });
});

describe('Self.spawn', () => {
  it('starts a process that is not linked to its parent', async () => {
    const rt = makeRuntime();
    const got = deferred<{ child: Pid; reason: unknown; links: Pid[] | undefined }>();
    const parent = rt.spawn(async (self) => {
      const child = self.spawn(() => {
        throw new Error('child failed');
      });
      const reason = await rt.awaitExit(child);
      got.resolve({ child, reason, links: rt.info(self.pid)?.links });
      await self.receive();
    });
    const { reason, links } = await got.promise;
    expect(reason).toEqual(new Error('child failed'));
    expect(links).toEqual([]);
    expect(rt.isAlive(parent)).toBe(true);
  });
});

describe('Self.spawnLink', () => {
  it('links the child to its parent both ways', async () => {
    const rt = makeRuntime();
    const got = deferred<Pid>();
    const parent = rt.spawn(async (self) => {
      got.resolve(self.spawnLink(async (child) => void (await child.receive())));
      await self.receive();
    });
    const child = await got.promise;
    expect(rt.info(parent)?.links).toEqual([child]);
    expect(rt.info(child)?.links).toEqual([parent]);
  });

  it('takes the parent down when the child crashes', async () => {
    const rt = makeRuntime();
    const boom = new Error('child crashed');
    const parent = rt.spawn(async (self) => {
      self.spawnLink(() => {
        throw boom;
      });
      await self.receive();
    });
    expect(await rt.awaitExit(parent)).toBe(boom);
  });

  it('passes spawn options through', async () => {
    const rt = makeRuntime();
    const got = deferred<Pid>();
    rt.spawn(async (self) => {
      got.resolve(self.spawnLink(async (c) => void (await c.receive()), { name: 'kid' }));
      await self.receive();
    });
    const child = await got.promise;
    expect(rt.whereis('kid')).toBe(child);
  });
});

describe('Self.spawnMonitor', () => {
  it('returns the new pid and a monitor ref whose Down carries the exit reason', async () => {
    const rt = makeRuntime();
    const got = deferred<{ pid: Pid; down: unknown; ref: unknown }>();
    rt.spawn(async (self) => {
      const [pid, ref] = self.spawnMonitor(() => {
        throw new Error('monitored crash');
      });
      const down = await self.receive({ match: (m) => m instanceof Down });
      got.resolve({ pid, down, ref });
    });
    const { pid, down, ref } = await got.promise;
    expect(down).toBeInstanceOf(Down);
    expect(down).toMatchObject({ type: 'DOWN', ref, pid, reason: new Error('monitored crash') });
  });

  it('does not link: the watcher survives the crash', async () => {
    const rt = makeRuntime();
    const got = deferred<Pid[] | undefined>();
    const watcher = rt.spawn(async (self) => {
      self.spawnMonitor(() => {
        throw new Error('x');
      });
      await self.receive({ match: (m) => m instanceof Down });
      got.resolve(rt.info(self.pid)?.links);
      await self.receive();
    });
    expect(await got.promise).toEqual([]);
    expect(rt.isAlive(watcher)).toBe(true);
  });
});

describe('Self.trapExit', () => {
  it('returns the previous setting and shows in info', async () => {
    const rt = makeRuntime();
    const got = deferred<unknown[]>();
    const pid = rt.spawn(async (self) => {
      const first = self.trapExit(true);
      const trapping = rt.info(self.pid)?.trapExit;
      const second = self.trapExit(false);
      got.resolve([first, trapping, second, rt.info(self.pid)?.trapExit]);
      await self.receive();
    });
    expect(await got.promise).toEqual([false, true, true, false]);
    expect(rt.isAlive(pid)).toBe(true);
  });

  it('can be turned on at spawn', async () => {
    const rt = makeRuntime();
    const p = probe(rt);
    const pid = rt.spawn(async (self) => self.send(p.pid, await self.receive()), {
      trapExit: true,
    });
    expect(rt.info(pid)?.trapExit).toBe(true);
    rt.exit(pid, 'boom');
    const msg = await p.expectMessage();
    expect(msg).toBeInstanceOf(Exit);
    expect(msg).toMatchObject({ from: rt.rootPid, reason: 'boom' });
  });

  it('throws a TypeError for a non-boolean', async () => {
    const rt = makeRuntime();
    const got = deferred<unknown>();
    rt.spawn((self) => {
      try {
        self.trapExit('yes' as unknown as boolean);
      } catch (error) {
        got.resolve(error);
      }
    });
    const error = await got.promise;
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(/trapExit/);
  });
});

describe('Self.exit', () => {
  it('ends the calling process at once with the reason, skipping the rest of the body', async () => {
    const rt = makeRuntime();
    let after = false;
    const pid = rt.spawn(async (self) => {
      await self.receive();
      self.exit('bye');
      after = true;
    });
    rt.send(pid, 'go');
    expect(await rt.awaitExit(pid)).toBe('bye');
    expect(after).toBe(false);
  });

  it('works from a synchronous body', async () => {
    const rt = makeRuntime();
    const pid = rt.spawn((self) => self.exit({ shutdown: 'done' }));
    expect(await rt.awaitExit(pid)).toEqual({ shutdown: 'done' });
  });

  it('is seen by links and monitors with the same reason', async () => {
    const rt = makeRuntime();
    const got = deferred<unknown[]>();
    rt.spawn(async (self) => {
      self.trapExit(true);
      const child = self.spawnLink(async (c) => {
        await c.receive();
        c.exit('custom');
      });
      self.monitor(child);
      self.send(child, 'go');
      const exit = await self.receive({ match: (m) => m instanceof Exit });
      const down = await self.receive({ match: (m) => m instanceof Down });
      got.resolve([(exit as Exit).reason, (down as Down).reason]);
    });
    expect(await got.promise).toEqual(['custom', 'custom']);
  });

  it('with a pid sends an exit signal from the calling process', async () => {
    const rt = makeRuntime();
    const p = probe(rt);
    const target = rt.spawn(
      async (self) => {
        const msg = await self.receive({ match: (m) => m instanceof Exit });
        self.send(p.pid, msg);
      },
      { trapExit: true },
    );
    const sender = rt.spawn(async (self) => {
      self.exit(target, 'go away');
      await self.receive();
    });
    const msg = await p.expectMessage();
    expect(msg).toBeInstanceOf(Exit);
    expect(msg).toMatchObject({ type: 'EXIT', from: sender, reason: 'go away' });
  });

  it("with a pid and 'kill' ends even a trapping process with 'killed'", async () => {
    const rt = makeRuntime();
    const target = rt.spawn(async (self) => void (await self.receive()), { trapExit: true });
    rt.spawn((self) => self.exit(target, 'kill'));
    expect(await rt.awaitExit(target)).toBe('killed');
  });

  it("with a pid and 'normal' does not end another process that does not trap exits", async () => {
    const rt = makeRuntime();
    const p = probe(rt);
    const target = rt.spawn(async (self) => {
      self.send(p.pid, await self.receive());
    });
    const sender = rt.spawn((self) => self.exit(target, 'normal'));
    await rt.awaitExit(sender);
    rt.send(target, 'still here');
    await expect(p.expectMessage()).resolves.toBe('still here');
  });

  it("with its own pid and 'normal' ends the calling process with 'normal', as in Erlang", async () => {
    const rt = makeRuntime();
    const pid = rt.spawn(async (self) => {
      self.exit(self.pid, 'normal');
      await self.receive();
    });
    expect(await rt.awaitExit(pid)).toBe('normal');
  });
});
