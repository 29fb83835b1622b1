import { describe, expect, it } from 'vitest';
import { Down, Exit, isNormalExit, type Pid, type Ref, Timeout } from '../../src/index.js';
import { deferred, makeRuntime, probe } from '../helpers.js';

/** A process that waits for one message and ends with the reason it carries. */
const dieOnCommand = async (self: {
  receive(): Promise<unknown>;
  exit(reason: unknown): never;
}): Promise<void> => {
  const reason = await self.receive();
  if (reason !== 'normal') self.exit(reason);
};

describe('Exit', () => {
  it("is a class with type 'EXIT', from and reason", async () => {
    const rt = makeRuntime();
    const p = probe(rt);
    const target = rt.spawn(async (self) => self.send(p.pid, await self.receive()), {
      trapExit: true,
    });
    rt.exit(target, 'why');
    const msg = await p.expectMessage();
    expect(msg).toBeInstanceOf(Exit);
    expect({ ...(msg as Exit) }).toEqual({ type: 'EXIT', from: rt.rootPid, reason: 'why' });
    expect(String(rt.rootPid)).toBe('<0.0.0>');
  });
});

describe('Down', () => {
  it("is a class with type 'DOWN', ref, pid and reason", async () => {
    const rt = makeRuntime();
    const got = deferred<{ msg: unknown; ref: Ref; pid: Pid }>();
    rt.spawn(async (self) => {
      const [pid, ref] = self.spawnMonitor(() => {});
      got.resolve({ msg: await self.receive(), ref, pid });
    });
    const { msg, ref, pid } = await got.promise;
    expect(msg).toBeInstanceOf(Down);
    expect({ ...(msg as Down) }).toEqual({ type: 'DOWN', ref, pid, reason: 'normal' });
  });
});

describe('isNormalExit', () => {
  it.each([
    ['normal', true],
    ['shutdown', true],
    [{ shutdown: 'detail' }, true],
    [{ shutdown: undefined }, true],
    ['kill', false],
    ['killed', false],
    ['noproc', false],
    [new Error('boom'), false],
    [undefined, false],
    [null, false],
    [{ reason: 'x' }, false],
  ])('classifies %o as normal: %s', (reason, normal) => {
    expect(isNormalExit(reason)).toBe(normal);
  });

  it('does not take an Error with a shutdown property for a normal exit', () => {
    expect(isNormalExit(Object.assign(new Error('x'), { shutdown: true }))).toBe(false);
  });
});

describe('Self.link', () => {
  it('does not end a linked process when the other ends normally', async () => {
    const rt = makeRuntime();
    const p = probe(rt);
    const a = rt.spawn(async (self) => self.send(p.pid, await self.receive()));
    const linked = deferred();
    const b = rt.spawn(async (self) => {
      self.link(a);
      linked.resolve();
      await self.receive();
    });
    await linked.promise;
    expect(rt.info(a)?.links).toEqual([b]);
    rt.send(b, 'normal');
    expect(await rt.awaitExit(b)).toBe('normal');
    expect(rt.info(a)?.links).toEqual([]);
    rt.send(a, 'still alive');
    await expect(p.expectMessage()).resolves.toBe('still alive');
  });

  it('ends a linked process with the same reason when the other ends abnormally', async () => {
    const rt = makeRuntime();
    const a = rt.spawn(async (self) => void (await self.receive()));
    const b = rt.spawn(async (self) => {
      self.link(a);
      await dieOnCommand(self);
    });
    const reasonA = rt.awaitExit(a);
    rt.send(b, 'crashed');
    expect(await rt.awaitExit(b)).toBe('crashed');
    expect(await reasonA).toBe('crashed');
  });

  it('works in both directions', async () => {
    const rt = makeRuntime();
    const a = rt.spawn(dieOnCommand);
    const linked = deferred();
    const b = rt.spawn(async (self) => {
      self.link(a);
      linked.resolve();
      await self.receive();
    });
    const reasonB = rt.awaitExit(b);
    await linked.promise;
    rt.send(a, 'crashed');
    expect(await reasonB).toBe('crashed');
  });

  it('turns the exit into an Exit message for a process that traps exits, normal or not', async () => {
    const rt = makeRuntime();
    const got = deferred<unknown[]>();
    rt.spawn(async (self) => {
      self.trapExit(true);
      const normal = self.spawnLink(() => {});
      const crash = self.spawnLink(() => {
        throw new Error('boom');
      });
      const exits = [await self.receive(), await self.receive()];
      got.resolve([exits, normal, crash]);
    });
    const [exits, normal, crash] = (await got.promise) as [Exit[], Pid, Pid];
    for (const e of exits) expect(e).toBeInstanceOf(Exit);
    expect(exits.map((e) => [e.from, e.reason])).toEqual([
      [normal, 'normal'],
      [crash, new Error('boom')],
    ]);
  });

  it("delivers an exit with reason 'noproc' when linking to a dead process", async () => {
    const rt = makeRuntime();
    const dead = rt.spawn(() => {});
    await rt.awaitExit(dead);
    const got = deferred<unknown>();
    rt.spawn(async (self) => {
      self.trapExit(true);
      self.link(dead);
      got.resolve(await self.receive());
    });
    const msg = await got.promise;
    expect(msg).toBeInstanceOf(Exit);
    expect(msg).toMatchObject({ from: dead, reason: 'noproc' });
  });

  it("ends a process that does not trap exits with 'noproc' when it links to a dead process", async () => {
    const rt = makeRuntime();
    const dead = rt.spawn(() => {});
    await rt.awaitExit(dead);
    const pid = rt.spawn(async (self) => {
      self.link(dead);
      await self.receive();
    });
    expect(await rt.awaitExit(pid)).toBe('noproc');
    expect(rt.log.text('error')).toBe('');
  });

  it('sets one link however often it is called, and none to itself', async () => {
    const rt = makeRuntime();
    const other = rt.spawn(async (self) => void (await self.receive()));
    const got = deferred<Pid[] | undefined>();
    rt.spawn(async (self) => {
      self.link(other);
      self.link(other);
      self.link(self.pid);
      got.resolve(rt.info(self.pid)?.links);
      await self.receive();
    });
    expect(await got.promise).toEqual([other]);
    expect(rt.info(other)?.links).toHaveLength(1);
  });

  it("takes a pid only, as Erlang's link/1 does: a name is a TypeError naming the argument", async () => {
    const rt = makeRuntime();
    rt.spawn(async (self) => void (await self.receive()), { name: 'named' });
    const got = deferred<unknown[]>();
    rt.spawn(async (self) => {
      const errors: unknown[] = [];
      for (const bad of ['named', 'nobody', { via: 'r', key: 1 }]) {
        try {
          self.link(bad as never);
        } catch (e) {
          errors.push(e);
        }
      }
      got.resolve([rt.info(self.pid)?.links, errors]);
      await self.receive();
    });
    const [links, errors] = await got.promise;
    expect(links).toEqual([]);
    expect(errors).toHaveLength(3);
    for (const error of errors as Error[]) {
      expect(error).toBeInstanceOf(TypeError);
      expect(error.message).toMatch(/^link: expected `pid` to be a pid, got/);
    }
  });
});

describe('Self.unlink', () => {
  it('removes the link on both sides, so a crash no longer propagates', async () => {
    const rt = makeRuntime();
    const a = rt.spawn(dieOnCommand);
    const got = deferred<Pid[][]>();
    const b = rt.spawn(async (self) => {
      self.link(a);
      const before = rt.info(self.pid)?.links ?? [];
      self.unlink(a);
      got.resolve([before, rt.info(self.pid)?.links ?? [], rt.info(a)?.links ?? []]);
      await self.receive();
    });
    expect(await got.promise).toEqual([[a], [], []]);
    rt.send(a, 'crashed');
    expect(await rt.awaitExit(a)).toBe('crashed');
    expect(rt.isAlive(b)).toBe(true);
  });

  it('does nothing for a process it is not linked to, or a dead one; a name is a TypeError', async () => {
    const rt = makeRuntime();
    const other = rt.spawn(async (self) => void (await self.receive()));
    const dead = rt.spawn(() => {});
    await rt.awaitExit(dead);
    const got = deferred<string>();
    rt.spawn(async (self) => {
      self.unlink(other);
      self.unlink(dead);
      expect(() => self.unlink('nobody' as never)).toThrow(TypeError);
      got.resolve('ok');
      await self.receive();
    });
    expect(await got.promise).toBe('ok');
  });
});

describe('Runtime.exit', () => {
  it('ends a process that does not trap exits with the reason', async () => {
    const rt = makeRuntime();
    const pid = rt.spawn(async (self) => void (await self.receive()));
    const exited = rt.awaitExit(pid);
    rt.exit(pid, 'stop it');
    expect(await exited).toBe('stop it');
    expect(rt.isAlive(pid)).toBe(false);
    expect(rt.log.entries).toEqual([]);
  });

  it("does nothing to a process that does not trap exits when the reason is 'normal'", async () => {
    const rt = makeRuntime();
    const p = probe(rt);
    const pid = rt.spawn(async (self) => self.send(p.pid, await self.receive()));
    rt.exit(pid, 'normal');
    rt.send(pid, 'alive');
    await expect(p.expectMessage()).resolves.toBe('alive');
  });

  it("gives a trapping process an Exit message, even for 'normal'", async () => {
    const rt = makeRuntime();
    const p = probe(rt);
    const pid = rt.spawn(
      async (self) => {
        for (;;) self.send(p.pid, await self.receive());
      },
      { trapExit: true },
    );
    rt.exit(pid, 'normal');
    rt.exit(pid, 'boom');
    expect(await p.expectMessage()).toMatchObject({ type: 'EXIT', reason: 'normal' });
    expect(await p.expectMessage()).toMatchObject({ type: 'EXIT', reason: 'boom' });
    expect(rt.isAlive(pid)).toBe(true);
    rt.exit(pid, 'kill');
  });

  it("cannot be trapped with 'kill': the process ends with 'killed', which its links see", async () => {
    const rt = makeRuntime();
    const got = deferred<Pid>();
    const linked = deferred();
    const p = probe(rt);
    const watcher = rt.spawn(async (self) => {
      self.trapExit(true);
      const victim = self.spawnLink(async (v) => void (await v.receive()), { trapExit: true });
      const bystander = self.spawnLink(async (b) => {
        b.link(victim);
        linked.resolve();
        await b.receive();
      });
      self.monitor(bystander);
      got.resolve(victim);
      self.send(
        p.pid,
        await self.receive({ match: (m) => m instanceof Exit && m.from === victim }),
      );
      self.send(p.pid, await self.receive({ match: (m) => m instanceof Down }));
      await self.receive({ match: (m) => m === 'stop' });
    });
    const victim = await got.promise;
    await linked.promise;
    const victimExit = rt.awaitExit(victim);
    rt.exit(victim, 'kill');
    expect(await victimExit).toBe('killed');
    expect(await p.expectMessage()).toMatchObject({ from: victim, reason: 'killed' });
    expect(await p.expectMessage()).toMatchObject({ reason: 'killed' });
    expect(rt.isAlive(watcher)).toBe(true);
    rt.send(watcher, 'stop');
    expect(await rt.awaitExit(watcher)).toBe('normal');
  });

  it("treats 'kill' as an ordinary, trappable reason when it comes through a link", async () => {
    const rt = makeRuntime();
    const got = deferred<unknown>();
    rt.spawn(async (self) => {
      self.trapExit(true);
      self.spawnLink((c) => c.exit('kill'));
      got.resolve(await self.receive());
    });
    expect(await got.promise).toMatchObject({ type: 'EXIT', reason: 'kill' });
  });

  it('does nothing for a dead pid', async () => {
    const rt = makeRuntime();
    const dead = rt.spawn(() => {});
    await rt.awaitExit(dead);
    expect(() => rt.exit(dead, 'kill')).not.toThrow();
  });
});

describe('Self.monitor', () => {
  it('delivers exactly one Down with the ref, the pid and the reason', async () => {
    const rt = makeRuntime();
    const target = rt.spawn(dieOnCommand);
    const got = deferred<{ ref: Ref; messages: unknown[] }>();
    const watcher = rt.spawn(async (self) => {
      const ref = self.monitor(target);
      self.send(target, 'crashed');
      await rt.awaitExit(target);
      // Downs are delivered as the target exits: whatever came is queued by now.
      const messages = [await self.receive({ timeout: 0 }), await self.receive({ timeout: 0 })];
      got.resolve({ ref, messages });
    });
    const { ref, messages } = await got.promise;
    expect(messages[0]).toBeInstanceOf(Down);
    expect(messages[0]).toMatchObject({ ref, pid: target, reason: 'crashed' });
    expect(messages[1]).toBe(Timeout);
    await rt.awaitExit(watcher);
  });

  it('sets one monitor per call, each with its own Down', async () => {
    const rt = makeRuntime();
    const target = rt.spawn(dieOnCommand);
    const got = deferred<{ refs: Ref[]; monitors: Pid[]; monitoredBy: Pid[]; downs: unknown[] }>();
    const watcher = rt.spawn(async (self) => {
      const refs = [self.monitor(target), self.monitor(target)];
      const monitors = rt.info(self.pid)?.monitors ?? [];
      const monitoredBy = rt.info(target)?.monitoredBy ?? [];
      self.send(target, 'normal');
      const downs = [await self.receive(), await self.receive()];
      got.resolve({ refs, monitors, monitoredBy, downs });
    });
    const { refs, monitors, monitoredBy, downs } = await got.promise;
    expect(refs[0]).not.toBe(refs[1]);
    expect(monitors).toEqual([target, target]);
    expect(monitoredBy).toEqual([watcher, watcher]);
    expect(downs.map((d) => (d as Down).ref)).toEqual(refs);
    expect(downs.map((d) => (d as Down).reason)).toEqual(['normal', 'normal']);
  });

  it("delivers a Down with 'noproc' at once for a dead pid", async () => {
    const rt = makeRuntime();
    const dead = rt.spawn(() => {});
    await rt.awaitExit(dead);
    const got = deferred<unknown[]>();
    rt.spawn(async (self) => {
      const ref = self.monitor(dead);
      got.resolve([ref, await self.receive({ timeout: 0 })]);
    });
    const [ref, down] = await got.promise;
    expect(down).toBeInstanceOf(Down);
    expect(down).toMatchObject({ ref, pid: dead, reason: 'noproc' });
  });

  it("delivers a Down with 'noproc' and the name for a name nobody holds", async () => {
    const rt = makeRuntime();
    const got = deferred<unknown[]>();
    rt.spawn(async (self) => {
      const ref = self.monitor('nobody');
      got.resolve([ref, await self.receive({ timeout: 0 })]);
    });
    const [ref, down] = await got.promise;
    expect(down).toMatchObject({ type: 'DOWN', ref, pid: 'nobody', reason: 'noproc' });
  });

  it('monitors a process by name and reports its pid', async () => {
    const rt = makeRuntime();
    const target = rt.spawn(dieOnCommand, { name: 'target' });
    const got = deferred<unknown>();
    rt.spawn(async (self) => {
      self.monitor('target');
      self.send('target', { shutdown: 1 });
      got.resolve(await self.receive());
    });
    expect(await got.promise).toMatchObject({ pid: target, reason: { shutdown: 1 } });
  });

  it('does not affect the watcher when the target crashes', async () => {
    const rt = makeRuntime();
    const target = rt.spawn(dieOnCommand);
    const p = probe(rt);
    const watcher = rt.spawn(async (self) => {
      self.monitor(target);
      self.send(target, 'crash');
      self.send(p.pid, await self.receive());
      self.send(p.pid, await self.receive());
    });
    expect(await p.expectMessage()).toBeInstanceOf(Down);
    rt.send(watcher, 'alive');
    await expect(p.expectMessage()).resolves.toBe('alive');
  });

  it('is removed from both sides once the Down is delivered', async () => {
    const rt = makeRuntime();
    const target = rt.spawn(dieOnCommand);
    const got = deferred<unknown[]>();
    rt.spawn(async (self) => {
      const ref = self.monitor(target);
      self.send(target, 'normal');
      await self.receive();
      got.resolve([rt.info(self.pid)?.monitors, self.demonitor(ref)]);
      await self.receive();
    });
    expect(await got.promise).toEqual([[], false]);
  });
});

describe('Self.demonitor', () => {
  it('removes an active monitor, so no Down comes', async () => {
    const rt = makeRuntime();
    const target = rt.spawn(dieOnCommand);
    const got = deferred<unknown[]>();
    rt.spawn(async (self) => {
      const ref = self.monitor(target);
      const active = self.demonitor(ref);
      const info = [rt.info(self.pid)?.monitors, rt.info(target)?.monitoredBy];
      self.send(target, 'crash');
      await rt.awaitExit(target);
      got.resolve([active, ...info, await self.receive({ timeout: 0 })]);
    });
    expect(await got.promise).toEqual([true, [], [], Timeout]);
  });

  it('with flush removes a Down that was already delivered', async () => {
    const rt = makeRuntime();
    const target = rt.spawn(dieOnCommand);
    const got = deferred<unknown[]>();
    rt.spawn(async (self) => {
      const ref = self.monitor(target);
      const other = self.monitor(target);
      self.send(self.pid, 'before');
      self.send(target, 'crash');
      await rt.awaitExit(target);
      const queued = rt.info(self.pid)?.messageQueueLen;
      const active = self.demonitor(ref, { flush: true });
      const left = [await self.receive({ timeout: 0 }), await self.receive({ timeout: 0 })];
      got.resolve([queued, active, left, other]);
    });
    const [queued, active, left, other] = (await got.promise) as [number, boolean, unknown[], Ref];
    expect(queued).toBe(3);
    expect(active).toBe(false);
    expect(left[0]).toBe('before');
    expect(left[1]).toMatchObject({ ref: other });
  });

  it('with flush does not make a pending selective receive miss later messages', async () => {
    const rt = makeRuntime();
    const target = rt.spawn(dieOnCommand);
    const got = deferred<unknown>();
    rt.spawn(async (self) => {
      const ref = self.monitor(target);
      self.send(target, 'crash');
      await rt.awaitExit(target);
      self.send(self.pid, 'skipped');
      // This receive looks at the Down and 'skipped' and waits; the flush then shifts 'skipped'.
      const pending = self.receive({ match: (m) => m === 'wanted', timeout: 2_000 });
      self.demonitor(ref, { flush: true });
      self.send(self.pid, 'wanted');
      got.resolve(await pending);
    });
    expect(await got.promise).toBe('wanted');
  });

  it('without flush leaves an already delivered Down in the mailbox', async () => {
    const rt = makeRuntime();
    const target = rt.spawn(dieOnCommand);
    const got = deferred<unknown>();
    rt.spawn(async (self) => {
      const ref = self.monitor(target);
      self.send(target, 'crash');
      await rt.awaitExit(target);
      self.demonitor(ref);
      got.resolve(await self.receive({ timeout: 0 }));
    });
    expect(await got.promise).toBeInstanceOf(Down);
  });
});

describe('exit propagation', () => {
  it('takes down a chain of 100,000 linked processes without overflowing the stack', async () => {
    const rt = makeRuntime();
    const count = 100_000;
    const started = deferred();
    let previous: Pid | undefined;
    const first = rt.spawn(async (self) => void (await self.receive()));
    previous = first;
    for (let i = 1; i < count; i++) {
      const last = i === count - 1;
      previous = rt.spawn(
        async (self) => {
          if (last) started.resolve();
          await self.receive();
        },
        { link: previous },
      );
    }
    const lastPid = previous;
    await started.promise;
    expect(rt.processes()).toHaveLength(count);
    const lastExit = rt.awaitExit(lastPid);
    rt.exit(first, 'chain reaction');
    expect(await lastExit).toBe('chain reaction');
    expect(rt.processes()).toEqual([]);
    expect(rt.stats.processes).toBe(0);
    expect(rt.log.entries).toEqual([]);
  });
});
