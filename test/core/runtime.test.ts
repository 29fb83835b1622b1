import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  type CrashReport,
  Down,
  Exit,
  OtpError,
  type Pid,
  type Self,
  Timeout,
} from '../../src/index.js';
import { deferred, makeRuntime, probe } from '../helpers.js';

const idle = async (self: Self): Promise<void> => void (await self.receive());

afterEach(() => {
  vi.restoreAllMocks();
});

describe('new Runtime', () => {
  it('takes the given name, or makes up a distinct otp- one', () => {
    expect(makeRuntime({ name: 'app' }).name).toBe('app');
    const a = makeRuntime();
    const b = makeRuntime();
    expect(a.name).toMatch(/^otp-/);
    expect(a.name).not.toBe(b.name);
  });

  it('keeps runtimes apart: the same name may be registered in each', () => {
    const a = makeRuntime();
    const b = makeRuntime();
    const pa = a.spawn(idle, { name: 'same' });
    const pb = b.spawn(idle, { name: 'same' });
    expect(a.whereis('same')).toBe(pa);
    expect(b.whereis('same')).toBe(pb);
    expect(a.processes()).toEqual([pa]);
    expect(b.processes()).toEqual([pb]);
  });
});

describe('Runtime.spawn', () => {
  it('returns the pid at once and runs the body later, with the process context', async () => {
    const rt = makeRuntime();
    const got = deferred<{ self: Self }>();
    let ran = false;
    const pid = rt.spawn((self) => {
      ran = true;
      got.resolve({ self });
    });
    expect(ran).toBe(false);
    expect(rt.isAlive(pid)).toBe(true);
    const { self } = await got.promise;
    expect(self.pid).toBe(pid);
    expect(self.runtime).toBe(rt);
  });

  it("ends the process with 'normal' when the body returns, sync or async", async () => {
    const rt = makeRuntime();
    const sync = rt.spawn(() => 42);
    const async = rt.spawn(async () => 42);
    expect(await rt.awaitExit(sync)).toBe('normal');
    expect(await rt.awaitExit(async)).toBe('normal');
  });

  it('ends the process with the value the body throws or rejects with', async () => {
    const rt = makeRuntime();
    const error = new Error('thrown');
    const thrower = rt.spawn(() => {
      throw error;
    });
    const rejecter = rt.spawn(async (self) => {
      await self.receive({ timeout: 0 });
      throw 'rejected';
    });
    expect(await rt.awaitExit(thrower)).toBe(error);
    expect(await rt.awaitExit(rejecter)).toBe('rejected');
  });

  it('tells apart bodies that return and bodies that reject when many end at once, across runtimes', async () => {
    // Every body ends in the same burst of microtasks, in an order unlike their spawn
    // order, half by returning and half by rejecting, with two runtimes interleaved.
    const runtimes = [makeRuntime(), makeRuntime()];
    const ends: { rt: (typeof runtimes)[number]; pid: Pid; fails: boolean }[] = [];
    for (let i = 0; i < 400; i++) {
      const rt = runtimes[i % 2]!;
      const fails = i % 3 === 0;
      const pid = rt.spawn(async (self) => {
        await self.receive();
        if (fails) throw i;
        return i;
      });
      ends.push({ rt, pid, fails });
    }
    const exits = ends.map(({ rt, pid }) => rt.awaitExit(pid));
    for (let k = 0; k < ends.length; k++) {
      const { rt, pid } = ends[(k * 7) % ends.length]!;
      rt.send(pid, 'go');
    }
    const reasons = await Promise.all(exits);
    expect(reasons).toEqual(ends.map(({ fails }, i) => (fails ? i : 'normal')));
  });

  it('watches a body that returns a thenable or a promise of a subclass', async () => {
    const rt = makeRuntime();
    class Later<T> extends Promise<T> {}
    const gate = deferred();
    const thenable = rt.spawn(() => ({
      // biome-ignore lint/suspicious/noThenProperty: the body returns a thenable on purpose.
      then(_fulfilled: () => void, rejected: (reason: unknown) => void) {
        void gate.promise.then(() => rejected('from a thenable'));
      },
    }));
    const exits = [
      rt.awaitExit(thenable),
      rt.awaitExit(rt.spawn(() => Later.resolve(1))),
      rt.awaitExit(rt.spawn(() => Later.reject('from a subclass'))),
    ];
    gate.resolve();
    expect(await Promise.all(exits)).toEqual(['from a thenable', 'normal', 'from a subclass']);
  });

  it('ends the process with the error of a thenable whose then throws', async () => {
    const rt = makeRuntime();
    const error = new Error('then failed');
    const pid = rt.spawn(() => ({
      // biome-ignore lint/suspicious/noThenProperty: the body returns a thenable on purpose.
      then() {
        throw error;
      },
    }));
    expect(await rt.awaitExit(pid)).toBe(error);
    // A Proxy that claims Promise's prototype is not a promise: the native then refuses it.
    const proxy = rt.spawn(() => new Proxy({}, { getPrototypeOf: () => Promise.prototype }));
    expect(await rt.awaitExit(proxy)).toBe('normal');
  });

  it('ignores a body that settles after its process was killed', async () => {
    const crashes: unknown[] = [];
    const rt = makeRuntime();
    rt.on('crash', (report) => crashes.push(report));
    const exits: unknown[] = [];
    rt.on('exit', (_pid, reason) => exits.push(reason));
    const gate = deferred();
    const rejecter = rt.spawn(async () => {
      await gate.promise;
      throw new Error('too late');
    });
    const returner = rt.spawn(async () => {
      await gate.promise;
    });
    const killed = [rt.awaitExit(rejecter), rt.awaitExit(returner)];
    rt.exit(rejecter, 'kill');
    rt.exit(returner, 'kill');
    expect(await Promise.all(killed)).toEqual(['killed', 'killed']);
    gate.resolve();
    // Both bodies settle in the microtasks after the gate; a macrotask later they are done.
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(exits).toEqual(['killed', 'killed']);
    expect(crashes).toEqual([]);
  });

  it('links the process to opts.link and starts it trapping exits with opts.trapExit', async () => {
    const rt = makeRuntime();
    const parent = rt.spawn(idle);
    const child = rt.spawn(idle, { link: parent, trapExit: true });
    expect(rt.info(child)).toMatchObject({ links: [parent], trapExit: true });
    expect(rt.info(parent)?.links).toEqual([child]);
  });

  it("ends at once with 'noproc' when opts.link is a dead pid", async () => {
    const rt = makeRuntime();
    const dead = rt.spawn(() => {});
    await rt.awaitExit(dead);
    let ran = false;
    const pid = rt.spawn(
      () => {
        ran = true;
      },
      { link: dead },
    );
    expect(rt.isAlive(pid)).toBe(false);
    expect(await rt.awaitExit(pid)).toBe('noproc');
    expect(ran).toBe(false);
  });

  it('throws an OtpError once the runtime is shut down', async () => {
    const rt = makeRuntime();
    await rt.shutdown();
    expect(() => rt.spawn(idle)).toThrow(OtpError);
    expect(() => rt.spawn(idle)).toThrow(`spawn: runtime ${rt.name} is shut down`);
  });
});

describe('Runtime.send', () => {
  it('delivers to a pid and to a registered name', async () => {
    const rt = makeRuntime();
    const p = probe(rt, 'p');
    rt.send(p.pid, 1);
    rt.send('p', 2);
    await expect(p.expectMessage()).resolves.toBe(1);
    await expect(p.expectMessage()).resolves.toBe(2);
  });

  it('keeps the order of messages sent from outside any process', async () => {
    const rt = makeRuntime();
    const p = probe(rt);
    for (let i = 0; i < 100; i++) rt.send(p.pid, i);
    for (let i = 0; i < 100; i++) await expect(p.expectMessage()).resolves.toBe(i);
  });

  it('drops a message to a dead pid silently', async () => {
    const rt = makeRuntime();
    const dead = rt.spawn(() => {});
    await rt.awaitExit(dead);
    expect(() => rt.send(dead, 'lost')).not.toThrow();
    expect(rt.log.entries).toEqual([]);
  });
});

describe('Runtime.isAlive', () => {
  it('is true from spawn until the process ends', async () => {
    const rt = makeRuntime();
    const pid = rt.spawn(idle);
    expect(rt.isAlive(pid)).toBe(true);
    rt.send(pid, 'stop');
    await rt.awaitExit(pid);
    expect(rt.isAlive(pid)).toBe(false);
  });

  it('throws a TypeError naming the argument for something that is not a pid', () => {
    const rt = makeRuntime();
    expect(() => rt.isAlive('pid' as unknown as Pid)).toThrow(
      new TypeError('isAlive: expected `pid` to be a pid, got "pid"'),
    );
  });
});

describe('Runtime.processes', () => {
  it('lists the live processes, oldest first', async () => {
    const rt = makeRuntime();
    expect(rt.processes()).toEqual([]);
    const a = rt.spawn(idle);
    const b = rt.spawn(idle);
    const c = rt.spawn(idle);
    expect(rt.processes()).toEqual([a, b, c]);
    rt.exit(b, 'kill');
    expect(rt.processes()).toEqual([a, c]);
  });
});

describe('Runtime.info', () => {
  it('describes a live process with every documented field', async () => {
    const rt = makeRuntime();
    const watched = rt.spawn(idle);
    const ready = deferred();
    const pid = rt.spawn(
      async (self) => {
        self.monitor(watched);
        self.monitor(watched);
        await self.receive({ match: (m) => m === 'one' });
        ready.resolve();
        await self.receive({ match: (m) => m === 'never' });
      },
      { name: 'described', trapExit: true },
    );
    const linked = rt.spawn(idle, { link: pid });
    const monitoring = deferred();
    const watcher = rt.spawn(async (self) => {
      self.monitor(pid);
      monitoring.resolve();
      await self.receive();
    });
    expect(rt.info(pid)?.status).toBe('runnable');
    rt.send(pid, 'one');
    rt.send(pid, 'two');
    rt.send(pid, 'three');
    await ready.promise;
    await monitoring.promise;
    expect(rt.info(pid)).toEqual({
      pid,
      name: 'described',
      status: 'waiting',
      messageQueueLen: 2,
      links: [linked],
      monitors: [watched, watched],
      monitoredBy: [watcher],
      trapExit: true,
      messagesHandled: 1,
      behaviour: undefined,
    });
    rt.exit(pid, 'kill');
  });

  it("says 'running' while the process is busy in its body", async () => {
    const rt = makeRuntime();
    const got = deferred<unknown>();
    rt.spawn((self) => got.resolve(rt.info(self.pid)?.status));
    expect(await got.promise).toBe('running');
  });

  it('gives undefined for a dead process', async () => {
    const rt = makeRuntime();
    const pid = rt.spawn(() => {});
    await rt.awaitExit(pid);
    expect(rt.info(pid)).toBeUndefined();
  });
});

describe('Runtime.awaitExit', () => {
  it('resolves with the exit reason for every waiter', async () => {
    const rt = makeRuntime();
    const pid = rt.spawn(async (self) => {
      await self.receive();
      throw new Error('done');
    });
    const waits = [rt.awaitExit(pid), rt.awaitExit(pid)];
    rt.send(pid, 'go');
    expect(await Promise.all(waits)).toEqual([new Error('done'), new Error('done')]);
  });

  it("resolves with 'noproc' at once for a dead pid", async () => {
    const rt = makeRuntime();
    const pid = rt.spawn(() => {});
    await rt.awaitExit(pid);
    // Resolved at once: it wins a race against a promise that is resolved already.
    const first = await Promise.race([rt.awaitExit(pid), Promise.resolve('later').then((x) => x)]);
    expect(first).toBe('noproc');
  });

  it('does not show up as a monitor in info', () => {
    const rt = makeRuntime();
    const pid = rt.spawn(idle);
    void rt.awaitExit(pid);
    expect(rt.info(pid)?.monitoredBy).toEqual([]);
  });
});

describe('Runtime events', () => {
  it("emits 'spawn' with the pid and 'exit' with the pid and reason, for every process", async () => {
    const rt = makeRuntime();
    const events: unknown[][] = [];
    rt.on('spawn', (pid) => events.push(['spawn', pid]));
    rt.on('exit', (pid, reason) => events.push(['exit', pid, reason]));
    const a = rt.spawn(() => {});
    const b = rt.spawn(idle);
    await rt.awaitExit(a);
    rt.exit(b, 'kill');
    expect(events).toEqual([
      ['spawn', a],
      ['spawn', b],
      ['exit', a, 'normal'],
      ['exit', b, 'killed'],
    ]);
  });

  it("emits 'crash' with a report for an abnormal exit of the process's own making", async () => {
    const rt = makeRuntime();
    const reports: CrashReport[] = [];
    rt.on('crash', (report) => reports.push(report));
    const error = new Error('boom');
    const pid = rt.spawn(
      () => {
        throw error;
      },
      { name: 'crasher' },
    );
    await rt.awaitExit(pid);
    expect(reports).toEqual([{ pid, name: 'crasher', reason: error, behaviour: undefined }]);
  });

  it('reports a listener that throws through the logger, and carries on', async () => {
    const rt = makeRuntime();
    for (const event of ['spawn', 'exit', 'crash'] as const) {
      rt.on(event, () => {
        throw new Error(`listener of ${event}`);
      });
    }
    const exits: unknown[] = [];
    rt.on('exit', (_pid, reason) => exits.push(reason));
    const got = deferred<unknown>();
    const parent = rt.spawn(async (self) => {
      self.trapExit(true);
      self.spawnLink(() => {
        throw new Error('child');
      });
      got.resolve(await self.receive());
    });
    expect(await got.promise).toBeInstanceOf(Exit);
    expect(await rt.awaitExit(parent)).toBe('normal');
    expect(exits).toEqual([new Error('child'), 'normal']);
    const errors = rt.log.text('error');
    expect(errors).toContain("a listener of the 'spawn' event threw");
    expect(errors).toContain("a listener of the 'exit' event threw");
    expect(errors).toContain("a listener of the 'crash' event threw");
    // The runtime still works.
    const p = probe(rt);
    rt.send(p.pid, 'fine');
    await expect(p.expectMessage()).resolves.toBe('fine');
  });
});

describe('Runtime listeners of spawn and exit, added and removed every way', () => {
  // The runtime keeps whether 'spawn' and 'exit' are heard in two fields of its own,
  // which spawns and exits test instead of asking EventEmitter3: each way of adding or
  // removing a listener must keep them true to EventEmitter3's own count.
  it('hears each through on, addListener and once, and stops through off, removeListener and removeAllListeners', async () => {
    const rt = makeRuntime();
    const heard: string[] = [];
    const spawnAndEnd = async (): Promise<void> => {
      await rt.awaitExit(rt.spawn(() => {}));
    };
    const expectHeard = async (expected: string[], spawn: boolean, exit: boolean) => {
      heard.length = 0;
      await spawnAndEnd();
      expect(heard).toEqual(expected);
      expect([rt.spawnHeard, rt.exitHeard]).toEqual([spawn, exit]);
      expect([rt.listenerCount('spawn') > 0, rt.listenerCount('exit') > 0]).toEqual([spawn, exit]);
    };
    const onSpawn = (): void => void heard.push('spawn');
    const onExit = (): void => void heard.push('exit');

    await expectHeard([], false, false);

    rt.on('spawn', onSpawn);
    await expectHeard(['spawn'], true, false);
    rt.off('spawn', onSpawn);
    await expectHeard([], false, false);

    rt.addListener('exit', onExit);
    await expectHeard(['exit'], false, true);
    rt.removeListener('exit', onExit);
    await expectHeard([], false, false);

    // A once listener is removed as it fires: the field follows.
    rt.once('exit', onExit);
    expect(rt.exitHeard).toBe(true);
    await expectHeard(['exit'], false, false);

    rt.on('spawn', onSpawn);
    rt.on('exit', onExit);
    rt.removeAllListeners('spawn');
    await expectHeard(['exit'], false, true);
    rt.on('spawn', onSpawn);
    rt.removeAllListeners();
    await expectHeard([], false, false);
  });
});

describe('Runtime.once', () => {
  it('calls a once listener for one event only, even next to a listener that throws', async () => {
    const rt = makeRuntime();
    rt.on('spawn', () => {
      throw new Error('first listener');
    });
    const once: Pid[] = [];
    const always: Pid[] = [];
    rt.once('spawn', (pid) => once.push(pid));
    rt.on('spawn', (pid) => always.push(pid));
    const a = rt.spawn(() => {});
    const b = rt.spawn(() => {});
    expect(once).toEqual([a]);
    expect(always).toEqual([a, b]);
    expect(rt.listenerCount('spawn')).toBe(2);
  });
});

describe('crash reports', () => {
  const crashes: Array<[string, (self: Self) => unknown, unknown]> = [
    [
      'a thrown error',
      () => {
        throw new Error('thrown');
      },
      new Error('thrown'),
    ],
    [
      'a rejected promise',
      async (self) => {
        await self.receive({ timeout: 0 });
        throw new Error('rejected');
      },
      new Error('rejected'),
    ],
    ['self.exit with an abnormal reason', (self) => self.exit('bad state'), 'bad state'],
    [
      'a thrown non-error',
      () => {
        throw { code: 42 };
      },
      { code: 42 },
    ],
  ];

  it.each(crashes)('are logged for %s', async (_, body, reason) => {
    const rt = makeRuntime();
    const pid = rt.spawn(body);
    expect(await rt.awaitExit(pid)).toEqual(reason);
    const errors = rt.log.entries.filter((e) => e.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]?.text).toContain(`process ${pid} terminating`);
    expect(errors[0]?.text).toContain('** (reason)');
  });

  it('name the process, and carry the stack of an error', async () => {
    const rt = makeRuntime();
    const pid = rt.spawn(
      () => {
        throw new Error('with stack');
      },
      { name: 'Named.Worker' },
    );
    await rt.awaitExit(pid);
    const text = rt.log.text('error');
    expect(text).toContain(`process "Named.Worker" (${pid}) terminating`);
    expect(text).toContain('Error: with stack');
    expect(text).toContain('runtime.test.ts');
  });

  const quiet: Array<[string, (self: Self) => unknown, unknown]> = [
    ['a body that returns', () => {}, 'normal'],
    ["self.exit('normal')", (self) => self.exit('normal'), 'normal'],
    ["self.exit('shutdown')", (self) => self.exit('shutdown'), 'shutdown'],
    ['self.exit({ shutdown: x })', (self) => self.exit({ shutdown: 'x' }), { shutdown: 'x' }],
  ];

  it.each(quiet)('are not logged for %s', async (_, body, reason) => {
    const rt = makeRuntime();
    const crashes: unknown[] = [];
    rt.on('crash', (r) => crashes.push(r));
    expect(await rt.awaitExit(rt.spawn(body))).toEqual(reason);
    expect(rt.log.entries).toEqual([]);
    expect(crashes).toEqual([]);
  });

  it('are not logged for processes ended by a signal', async () => {
    const rt = makeRuntime();
    const crashes: unknown[] = [];
    rt.on('crash', (r) => crashes.push(r));
    const killed = rt.spawn(idle);
    const exited = rt.spawn(idle);
    const parent = rt.spawn(idle);
    const linked = rt.spawn(idle, { link: parent });
    const exits = [killed, exited, parent, linked].map((p) => rt.awaitExit(p));
    rt.exit(killed, 'kill');
    rt.exit(exited, new Error('from outside'));
    rt.exit(parent, 'parent stopped');
    expect(await Promise.all(exits)).toEqual([
      'killed',
      new Error('from outside'),
      'parent stopped',
      'parent stopped',
    ]);
    expect(rt.log.entries).toEqual([]);
    expect(crashes).toEqual([]);
  });

  it('go nowhere with logger: false', async () => {
    const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const rt = makeRuntime({ logger: false });
    const reports: unknown[] = [];
    rt.on('crash', (r) => reports.push(r));
    await rt.awaitExit(
      rt.spawn(() => {
        throw new Error('silenced');
      }),
    );
    expect(reports).toHaveLength(1);
    expect(write).not.toHaveBeenCalled();
  });

  it('go to stderr by default', async () => {
    const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const rt = makeRuntime({ logger: undefined });
    await rt.awaitExit(
      rt.spawn(() => {
        throw new Error('to stderr');
      }),
    );
    const written = write.mock.calls.map(([chunk]) => String(chunk)).join('');
    expect(written).toContain('[otp-ts] error: process');
    expect(written).toContain('to stderr');
  });

  it('do not stop the exit when the logger itself throws', async () => {
    const throwing = () => {
      throw new Error('logger down');
    };
    const rt = makeRuntime({
      logger: { error: throwing, warn: throwing, info: throwing, debug: throwing },
    });
    const got = deferred<unknown>();
    rt.spawn(async (self) => {
      const [, ref] = self.spawnMonitor(() => {
        throw new Error('crash');
      });
      got.resolve(await self.receive({ match: (m) => m instanceof Down && m.ref === ref }));
    });
    expect(await got.promise).toMatchObject({ reason: new Error('crash') });
  });
});

describe('errors in processes', () => {
  it('never reach Node.js as uncaught exceptions or unhandled rejections', async () => {
    const escaped: unknown[] = [];
    const onError = (error: unknown) => escaped.push(error);
    process.on('uncaughtException', onError);
    process.on('unhandledRejection', onError);
    try {
      const rt = makeRuntime();
      rt.on('exit', () => {
        throw new Error('listener');
      });
      const pids = [
        rt.spawn(() => {
          throw new Error('sync throw');
        }),
        rt.spawn(async () => {
          throw new Error('async throw');
        }),
        rt.spawn(async (self) => {
          await self.receive({ timeout: 5 });
          return Promise.reject(new Error('later rejection'));
        }),
        rt.spawn(async (self) => {
          await self.receive({
            match: () => {
              throw new Error('match throws');
            },
          });
        }),
        rt.spawn(async (self) => {
          await self.receive({ timeout: -1 });
        }),
        rt.spawn(async (self) => {
          self.send('nobody', 'x');
        }),
        rt.spawn(async (self) => {
          self.spawnLink(() => {
            throw new Error('linked crash');
          });
          await self.receive();
        }),
        rt.spawn(async (self) => {
          await self.receive({ timeout: 0 });
          self.exit(new Error('self.exit'));
        }),
        rt.spawn(() => {
          throw undefined;
        }),
      ];
      // A process killed while its body still runs, whose body then throws.
      const late = deferred();
      const victim = rt.spawn(async () => {
        await late.promise;
        throw new Error('after death');
      });
      rt.send(pids[3]!, 'trigger match');
      const reasons = await Promise.all(pids.map((pid) => rt.awaitExit(pid)));
      expect(reasons.every((r) => r !== 'normal')).toBe(true);
      rt.exit(victim, 'kill');
      late.resolve();
      // Give Node.js a few turns of the event loop to report anything that escaped.
      const p = probe(rt);
      await p.expectNoMessage(30);
      expect(escaped).toEqual([]);
    } finally {
      process.off('uncaughtException', onError);
      process.off('unhandledRejection', onError);
    }
  });
});

describe('Runtime.shutdown', () => {
  it("stops every process: roots get 'shutdown', their links follow", async () => {
    const rt = makeRuntime();
    const root = rt.spawn(idle);
    const child = rt.spawn(idle, { link: root });
    const other = rt.spawn(async (self) => {
      self.spawnLink(idle);
      await self.receive();
    });
    const exits = [root, child, other].map((pid) => rt.awaitExit(pid));
    await rt.shutdown();
    expect(await Promise.all(exits)).toEqual(['shutdown', 'shutdown', 'shutdown']);
    expect(rt.processes()).toEqual([]);
    expect(rt.log.entries).toEqual([]);
  });

  it('waits for a process that traps exits to stop by itself', async () => {
    const rt = makeRuntime();
    const cleaned = deferred<boolean>();
    const pid = rt.spawn(
      async (self) => {
        const exit = await self.receive({ match: (m) => m instanceof Exit });
        cleaned.resolve(true);
        self.exit((exit as Exit).reason);
      },
      { trapExit: true },
    );
    const exit = rt.awaitExit(pid);
    await rt.shutdown({ timeout: 10_000 });
    expect(await cleaned.promise).toBe(true);
    expect(await exit).toBe('shutdown');
  });

  it("kills what is still alive after the timeout with 'killed'", async () => {
    const rt = makeRuntime();
    const stubborn = rt.spawn(
      async (self) => {
        for (;;) await self.receive();
      },
      { trapExit: true },
    );
    const exit = rt.awaitExit(stubborn);
    await rt.shutdown({ timeout: 30 });
    expect(await exit).toBe('killed');
    expect(rt.processes()).toEqual([]);
  });

  it('waits as long as it takes with timeout: Infinity', async () => {
    const rt = makeRuntime();
    const pid = rt.spawn(
      async (self) => {
        await self.receive({ match: (m) => m instanceof Exit });
        // Some cleanup that takes a while, beyond what Node.js does with an overflowing timer.
        rt.sendAfter(self.pid, 'cleaned up', 20);
        await self.receive({ match: (m) => m === 'cleaned up' });
        self.exit('clean exit');
      },
      { trapExit: true },
    );
    const exit = rt.awaitExit(pid);
    await rt.shutdown({ timeout: Number.POSITIVE_INFINITY });
    expect(await exit).toBe('clean exit');
  });

  it('clears every timer: sendAfter, receive timeouts', async () => {
    const rt = makeRuntime();
    const p = probe(rt);
    rt.spawn(async (self) => {
      await self.receive({ timeout: 60_000 });
    });
    rt.sendAfter(p.pid, 'never', 60_000);
    rt.sendAfter('nobody', 'never', 10);
    await expect(rt.awaitExit(rt.spawn(() => {}))).resolves.toBe('normal');
    expect(rt.stats.timers).toBe(3);
    await rt.shutdown();
    expect(rt.stats).toEqual({ processes: 0, names: 0, timers: 0, runQueue: 0 });
    // Timers set afterwards are refused too.
    rt.sendAfter(p.pid, 'x', 10);
    expect(rt.stats.timers).toBe(0);
  });

  it('is idempotent: a second call gets the same promise and resolves', async () => {
    const rt = makeRuntime();
    rt.spawn(idle);
    const first = rt.shutdown();
    const second = rt.shutdown();
    expect(second).toBe(first);
    await first;
    await expect(rt.shutdown()).resolves.toBeUndefined();
    expect(rt.processes()).toEqual([]);
  });

  it('lets a script exit by itself, without process.exit', async () => {
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const script = `
      import { Runtime } from './src/index.ts';
      const rt = new Runtime({ logger: false });
      const pid = rt.spawn(async (self) => { await self.receive({ timeout: 600000 }); });
      rt.spawn(async (self) => { self.trapExit(true); for (;;) await self.receive(); });
      rt.sendAfter(pid, 'tick', 600000);
      await rt.shutdown({ timeout: 50 });
      console.log('processes left:', rt.processes().length);
    `;
    const result = await new Promise<{ code: number | null; stdout: string; signal: unknown }>(
      (resolve) => {
        const child = execFile(
          process.execPath,
          ['--import', 'tsx', '--input-type=module', '-e', script],
          { cwd: root, timeout: 15_000 },
          (_error, stdout) => resolve({ code: child.exitCode, stdout, signal: child.signalCode }),
        );
      },
    );
    expect(result).toEqual({ code: 0, stdout: 'processes left: 0\n', signal: null });
  });
});

describe('Runtime at scale', () => {
  it('leaves no process, name, monitor, timer or queued run behind after 100,000 processes', async () => {
    const rt = makeRuntime();
    const count = 100_000;
    const started = deferred();
    const downs = deferred<number>();
    const observer = rt.spawn(async (self) => {
      await self.receive({ match: (m) => m === 'watch' });
      const pids = rt.processes().filter((p) => p !== self.pid);
      for (const pid of pids) self.monitor(pid);
      started.resolve();
      let n = 0;
      while (n < pids.length) {
        const msg = await self.receive();
        if (msg instanceof Down && msg.reason === 'normal') n++;
      }
      downs.resolve(n);
    });
    const pids: Pid[] = [];
    for (let i = 0; i < count; i++) {
      pids.push(
        rt.spawn(
          async (self) => {
            const msg = await self.receive({ timeout: 60_000 });
            if (msg === Timeout) throw new Error('no message came');
          },
          { name: `worker-${i}` },
        ),
      );
    }
    rt.send(observer, 'watch');
    await started.promise;
    expect(rt.stats).toMatchObject({ processes: count + 1, names: count });
    for (const pid of pids) rt.send(pid, 'go');
    expect(await downs.promise).toBe(count);
    expect(await rt.awaitExit(observer)).toBe('normal');
    expect(rt.processes()).toEqual([]);
    expect(rt.registered()).toEqual([]);
    expect(rt.stats).toEqual({ processes: 0, names: 0, timers: 0, runQueue: 0 });
    expect(rt.log.text('error')).toBe('');
  });
});

describe('Runtime mailbox warning', () => {
  it("emits 'mailbox_overflow' and warns once when a mailbox reaches mailboxWarning", async () => {
    const rt = makeRuntime({ mailboxWarning: 10 });
    const events: unknown[][] = [];
    rt.on('mailbox_overflow', (pid, len) => events.push([pid, len]));
    const pid = rt.spawn(async (self) => void (await self.receive({ match: () => false })));
    for (let i = 0; i < 25; i++) rt.send(pid, i);
    expect(events).toEqual([[pid, 10]]);
    expect(rt.log.text('warn')).toBe(`process ${pid} has 10 messages in its mailbox`);
  });
});
