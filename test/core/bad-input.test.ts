import { describe, expect, it } from 'vitest';
import {
  AlreadyRegisteredError,
  NoProcError,
  type Pid,
  type Ref,
  Runtime,
  type RuntimeOptions,
  type Self,
} from '../../src/index.js';
import { makeRuntime, probe } from '../helpers.js';

type Rt = ReturnType<typeof makeRuntime>;

/** What a bad call gave: its error, whether thrown, rejected or caught inside a process. */
async function outcome(call: () => unknown): Promise<unknown> {
  try {
    await call();
  } catch (error) {
    return error;
  }
  return undefined;
}

/**
 * Runs `fn` inside a fresh process and waits for the process to end; rejects with
 * what `fn` threw or rejected with.
 */
async function inProcess(rt: Rt, fn: (self: Self) => unknown): Promise<void> {
  let error: unknown;
  const pid = rt.spawn(async (self) => {
    error = await outcome(() => fn(self));
  });
  await rt.awaitExit(pid);
  if (error !== undefined) throw error;
}

/** A process that waits for one message. */
const idle = async (self: Self): Promise<void> => void (await self.receive());

async function deadPid(rt: Rt): Promise<Pid> {
  const pid = rt.spawn(() => {});
  await rt.awaitExit(pid);
  return pid;
}

const notAFunction = 42 as unknown as () => void;
const asPid = (value: unknown): Pid => value as Pid;
const asDest = (value: unknown): string => value as string;
const asNumber = (value: unknown): number => value as number;

interface Case {
  what: string;
  call: (rt: Rt) => unknown;
  error: new (...args: never[]) => Error;
  message: RegExp;
}

const cases: Case[] = [
  {
    what: 'spawn of a non-function',
    call: (rt) => rt.spawn(notAFunction),
    error: TypeError,
    message: /^spawn: expected `body` to be a function, got 42$/,
  },
  {
    what: 'spawn with options that are not an object',
    call: (rt) => rt.spawn(idle, 'fast' as never),
    error: TypeError,
    message: /^spawn: expected options to be an object, got "fast"$/,
  },
  {
    what: 'spawn with an empty name',
    call: (rt) => rt.spawn(idle, { name: '' }),
    error: TypeError,
    message: /expected `opts.name` to be a non-empty string or \{ via, key \}, got ""/,
  },
  {
    what: 'spawn linked to something that is not a pid',
    call: (rt) => rt.spawn(idle, { link: asPid('parent') }),
    error: TypeError,
    message: /expected `opts.link` to be a pid, got "parent"/,
  },
  {
    what: 'spawn with a non-boolean trapExit',
    call: (rt) => rt.spawn(idle, { trapExit: 'yes' as never }),
    error: TypeError,
    message: /expected `opts.trapExit` to be a boolean, got "yes"/,
  },
  {
    what: 'spawn under a taken name',
    call: (rt) => {
      rt.spawn(idle, { name: 'taken' });
      rt.spawn(idle, { name: 'taken' });
    },
    error: AlreadyRegisteredError,
    message: /^spawn: "taken" is already registered to <0\.\d+\.0>$/,
  },
  ...[42, null, undefined, {}, { key: 1 }, '', Symbol('x')].map(
    (dest): Case => ({
      what: `send to ${typeof dest === 'symbol' ? 'a symbol' : JSON.stringify(dest)}`,
      call: (rt) => rt.send(asDest(dest), 'msg'),
      error: TypeError,
      message:
        /^send: expected `dest` to be a (pid, a name or \{ name, node \}|non-empty string or \{ via, key \}), got /,
    }),
  ),
  {
    what: 'send to a name nobody holds',
    call: (rt) => rt.send('nobody', 'msg'),
    error: NoProcError,
    message: /^send to "nobody" failed: no process is alive under that name \(noproc\)$/,
  },
  {
    what: 'self.send to something that is not a destination',
    call: (rt) => inProcess(rt, (self) => self.send(asDest(7), 'msg')),
    error: TypeError,
    message: /^send: expected `dest` to be a pid, a name or { name, node }, got 7$/,
  },
  ...[-1, Number.NaN].map(
    (timeout): Case => ({
      what: `receive with timeout ${timeout}`,
      call: (rt) => inProcess(rt, (self) => self.receive({ timeout })),
      error: RangeError,
      message: new RegExp(
        `^receive: expected option \`timeout\` to be a number >= 0 or Infinity, got ${timeout}$`,
      ),
    }),
  ),
  {
    what: 'receive with a timeout that is not a number',
    call: (rt) => inProcess(rt, (self) => self.receive({ timeout: asNumber('10') })),
    error: TypeError,
    message: /expected option `timeout` to be a number >= 0 or Infinity, got string/,
  },
  {
    what: 'receive with a match that is not a function',
    call: (rt) => inProcess(rt, (self) => self.receive({ match: notAFunction as never })),
    error: TypeError,
    message: /expected option `match` to be a function, got number/,
  },
  {
    what: 'receive with options that are not an object',
    call: (rt) => inProcess(rt, (self) => self.receive(5 as never)),
    error: TypeError,
    message: /expected options \{ match\?, timeout\? \}, got number/,
  },
  ...[-1, Number.NaN, Number.POSITIVE_INFINITY].map(
    (ms): Case => ({
      what: `sendAfter with ${ms} ms`,
      call: (rt) => rt.sendAfter(rt.spawn(idle), 'msg', ms),
      error: RangeError,
      message: new RegExp(`^sendAfter: expected \`ms\` to be a finite number >= 0, got ${ms}$`),
    }),
  ),
  {
    what: 'sendAfter with ms that is not a number',
    call: (rt) => rt.sendAfter(rt.spawn(idle), 'msg', asNumber('10')),
    error: TypeError,
    message: /expected `ms` to be a finite number >= 0, got "10"/,
  },
  {
    what: 'sendAfter to something that is not a destination',
    call: (rt) => rt.sendAfter(asDest(42), 'msg', 10),
    error: TypeError,
    message: /^sendAfter: expected `dest` to be a pid, a name or { name, node }, got 42$/,
  },
  {
    what: 'cancelTimer of something that is not a ref',
    call: (rt) => rt.cancelTimer('ref' as unknown as Ref),
    error: TypeError,
    message: /^cancelTimer: expected `ref` to be a ref from sendAfter, got "ref"$/,
  },
  {
    what: 'register of a taken name',
    call: (rt) => {
      rt.register('db', rt.spawn(idle));
      rt.register('db', rt.spawn(idle));
    },
    error: AlreadyRegisteredError,
    message: /^register: "db" is already registered to <0\.\d+\.0>$/,
  },
  {
    what: 'register of a dead pid',
    call: async (rt) => rt.register('ghost', await deadPid(rt)),
    error: NoProcError,
    message: /^register of "ghost" to <0\.\d+\.0> failed: no process is alive with that pid/,
  },
  {
    what: 'register of an empty name',
    call: (rt) => rt.register('', rt.spawn(idle)),
    error: TypeError,
    message: /^register: expected `name` to be a non-empty string or \{ via, key \}, got ""$/,
  },
  {
    what: 'register of something that is not a pid',
    call: (rt) => rt.register('name', asPid('pid')),
    error: TypeError,
    message: /^register: expected `pid` to be a pid, got "pid"$/,
  },
  {
    what: 'whereis of something that is not a name',
    call: (rt) => rt.whereis(asDest(42)),
    error: TypeError,
    message: /^whereis: expected `name` to be a non-empty string or \{ via, key \}, got 42$/,
  },
  {
    what: 'unregister of something that is not a name',
    call: (rt) => rt.unregister(asDest(null)),
    error: TypeError,
    message: /^unregister: expected `name` to be a non-empty string or \{ via, key \}, got null$/,
  },
  {
    what: 'exit of something that is not a pid',
    call: (rt) => rt.exit(asPid('x'), 'kill'),
    error: TypeError,
    message: /^exit: expected `pid` to be a pid, got "x"$/,
  },
  {
    what: 'self.exit with something that is not a pid',
    call: (rt) => inProcess(rt, (self) => self.exit(asPid({}), 'kill')),
    error: TypeError,
    message: /^exit: expected `pid` to be a pid, got \{\}$/,
  },
  {
    what: 'awaitExit of something that is not a pid',
    call: (rt) => rt.awaitExit(asPid(1)),
    error: TypeError,
    message: /^awaitExit: expected `pid` to be a pid, got 1$/,
  },
  {
    what: 'link to a name (link takes a pid, as in Erlang)',
    call: (rt) => inProcess(rt, (self) => self.link('nobody' as never)),
    error: TypeError,
    message: /^link: expected `pid` to be a pid, got "nobody"$/,
  },
  {
    what: 'link to something that is not a destination',
    call: (rt) => inProcess(rt, (self) => self.link(asDest(3) as never)),
    error: TypeError,
    message: /^link: expected `pid` to be a pid, got 3$/,
  },
  {
    what: 'monitor of something that is not a destination',
    call: (rt) => inProcess(rt, (self) => self.monitor(asDest(false))),
    error: TypeError,
    message: /^monitor: expected `dest` to be a pid, a name or { name, node }, got false$/,
  },
  {
    what: 'trapExit with a non-boolean',
    call: (rt) => inProcess(rt, (self) => self.trapExit(1 as unknown as boolean)),
    error: TypeError,
    message: /^trapExit: expected a boolean, got number$/,
  },
  {
    what: 'shutdown with a negative timeout',
    call: (rt) => rt.shutdown({ timeout: -5 }),
    error: RangeError,
    message: /^shutdown: expected `timeout` to be a number >= 0, got -5$/,
  },
];

/** Shows the runtime still does its job: spawn, send, receive, names, timers, exits. */
async function stillWorks(rt: Rt): Promise<void> {
  const before = rt.processes().length;
  const p = probe(rt);
  const echo = rt.spawn(
    async (self) => {
      for (;;) {
        const msg = await self.receive();
        self.send(p.pid, msg);
      }
    },
    { name: 'echo-after-bad-input' },
  );
  rt.send('echo-after-bad-input', 'ping');
  await expect(p.expectMessage()).resolves.toBe('ping');
  rt.sendAfter(echo, 'tick', 1);
  await expect(p.expectMessage()).resolves.toBe('tick');
  const exit = rt.awaitExit(echo);
  rt.exit(echo, 'kill');
  expect(await exit).toBe('killed');
  expect(rt.whereis('echo-after-bad-input')).toBeUndefined();
  expect(rt.processes()).toHaveLength(before + 1);
  expect(rt.stats.timers).toBe(0);
}

describe('bad input', () => {
  it.each(cases)('$what gives a clear typed error, and the runtime still works', async (c) => {
    const rt = makeRuntime();
    const error = await outcome(() => c.call(rt));
    expect(error).toBeInstanceOf(c.error);
    expect((error as Error).message).toMatch(c.message);
    await stillWorks(rt);
  });

  it('gives the holder of a taken name in AlreadyRegisteredError.pid', async () => {
    const rt = makeRuntime();
    const holder = rt.spawn(idle, { name: 'held' });
    const error = await outcome(() => rt.register('held', rt.spawn(idle)));
    expect(error).toBeInstanceOf(AlreadyRegisteredError);
    expect((error as AlreadyRegisteredError).pid).toBe(holder);
    expect((error as AlreadyRegisteredError).key).toBe('held');
  });

  it('leaves no trace of any of them in one runtime that takes them all', async () => {
    const rt = makeRuntime();
    for (const c of cases) await outcome(() => c.call(rt));
    await stillWorks(rt);
    // What the cases left running is what they spawned on purpose; their names are free or theirs.
    for (const name of rt.registered()) expect(rt.isAlive(rt.whereis(name)!)).toBe(true);
    const exits = rt.processes().map((pid) => rt.awaitExit(pid));
    await rt.shutdown();
    await Promise.all(exits);
    expect(rt.stats).toEqual({ processes: 0, names: 0, timers: 0, runQueue: 0 });
  });
});

describe('new Runtime with bad options', () => {
  const bad: Array<[string, unknown, new (...args: never[]) => Error, RegExp]> = [
    ['options that are not an object', null, TypeError, /expected options to be an object/],
    ['a name that is not a string', { name: 5 }, TypeError, /expected `name` to be a string/],
    ['a budget of 0', { budget: 0 }, RangeError, /expected `budget` to be an integer >= 1, got 0/],
    ['a fractional budget', { budget: 1.5 }, RangeError, /`budget`.*got 1\.5/],
    ['a NaN budget', { budget: Number.NaN }, RangeError, /`budget`.*got NaN/],
    ['a budget that is not a number', { budget: '10' }, TypeError, /`budget`.*got "10"/],
    ['a logger without methods', { logger: {} }, TypeError, /expected `logger` to have error/],
    ['a logger that is true', { logger: true }, TypeError, /`logger`/],
    ['a mailboxWarning of 0', { mailboxWarning: 0 }, RangeError, /`mailboxWarning`.*got 0/],
  ];

  it.each(bad)('throws for %s, naming the option', async (_, opts, error, message) => {
    expect(() => new Runtime(opts as RuntimeOptions)).toThrow(error);
    expect(() => new Runtime(opts as RuntimeOptions)).toThrow(message);
    // Other runtimes are unaffected.
    await stillWorks(makeRuntime());
  });
});
