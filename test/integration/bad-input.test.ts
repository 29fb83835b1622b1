import { describe, expect, it } from 'vitest';
import {
  AlreadyRegisteredError,
  AlreadyStartedError,
  CallError,
  CallTimeoutError,
  type ChildSpec,
  Down,
  DynamicSupervisor,
  Exit,
  type From,
  formatCrashReport,
  GenServer,
  InvalidChildSpecError,
  ignore,
  isNormalExit,
  MaxChildrenError,
  NoProcError,
  noreply,
  OtpError,
  ok,
  type Pid,
  Registry,
  reply,
  type Self,
  StartError,
  Supervisor,
  SupervisorError,
  Sys,
  stop,
} from '../../src/index.js';
import { deferred, makeRuntime } from '../helpers.js';

// Every public function of the behaviours layer (and the Runtime and Self members the
// core suite in test/core/bad-input.test.ts leaves out), called with wrong types,
// missing arguments, dead pids, unknown names, bad timeouts, and huge, circular or
// hostile values: each gives a clear typed error naming the argument, or its
// documented silent result, and the runtime keeps working.

type Rt = ReturnType<typeof makeRuntime>;
type ErrorClass = abstract new (...args: never[]) => Error;

// ── Hostile values ───────────────────────────────────────────────────────────

/** A Proxy that throws on every trap: reading it in any way throws. */
function hostileProxy(): object {
  const handler = new Proxy(
    {},
    {
      get: (_target, trap) => (): never => {
        throw new Error(`hostile trap ${String(trap)}`);
      },
    },
  );
  return new Proxy({}, handler);
}

/** The values whose inspection throws, each with a name. */
const hostiles = (): Array<[string, unknown]> => [
  [
    'a getter that throws',
    {
      get boom(): never {
        throw new Error('getter');
      },
    },
  ],
  [
    'a toString that throws',
    {
      toString(): never {
        throw new Error('toString');
      },
    },
  ],
  ['a Proxy that throws on every trap', hostileProxy()],
];

function circular(): object {
  const a: Record<string, unknown> = { name: 'a' };
  a.self = a;
  a.list = [a, { back: a }];
  return a;
}

const HUGE_STRING = 'x'.repeat(5_000_000);
const hugeArray = (): number[] => Array.from({ length: 1_000_000 }, (_, i) => i);

// ── The servers the cases work on ──────────────────────────────────────────

type EchoCall =
  | { type: 'echo'; value: unknown; extra?: unknown }
  | { type: 'call_self' }
  | { type: 'reply_twice' }
  | { type: 'state'; value: unknown };
type EchoCast =
  | { type: 'set'; value: unknown }
  | { type: 'crash'; reason: unknown; payload?: unknown };

/** Answers calls with what they carry; keeps what casts set; crashes when told. */
class Echo extends GenServer<unknown, EchoCall, EchoCast> {
  override init(state: unknown) {
    return ok(state);
  }

  override async handleCall(request: EchoCall, from: From, state: unknown) {
    switch (request.type) {
      case 'echo':
        return reply(request.value, state);
      case 'call_self':
        return reply(
          await GenServer.call(this, this.pid, { type: 'echo', value: 1 }).catch((e) => e),
          state,
        );
      case 'reply_twice':
        GenServer.reply(from, 'first');
        GenServer.reply(from, 'second');
        return noreply(state);
      case 'state':
        // reply/noreply carry any state, however hostile, without reading it.
        return reply('ok', request.value);
    }
  }

  override handleCast(request: EchoCast, _state: unknown) {
    if (request.type === 'crash') throw request.reason;
    return noreply(request.value);
  }
}

/** A server with none of the optional callbacks. */
class Bare extends GenServer {}

/** A server whose callbacks return what the test asks them to: for bad results. */
class Returns extends GenServer<number, () => unknown, () => unknown, () => unknown> {
  override init(make: (() => unknown) | undefined) {
    return make === undefined ? 0 : (make() as number);
  }
  override handleCall(make: () => unknown) {
    return make() as never;
  }
  override handleCast(make: () => unknown) {
    return make() as never;
  }
  override handleInfo(make: unknown) {
    return typeof make === 'function' ? (make() as never) : noreply(0);
  }
}

// ── The world every case runs in ─────────────────────────────────────────────

interface Ctx {
  rt: Rt;
  /** An Echo server named 'echo'. */
  echo: Pid;
  /** A raw process named 'raw' that never answers anything. */
  raw: Pid;
  /** A process that has exited. */
  dead: Pid;
  /** A Supervisor named 'sup' with one child 'w' (an Echo named 'w'). */
  sup: Pid;
  /** A DynamicSupervisor named 'dsup' with no children. */
  dsup: Pid;
  /** A unique Registry named 'reg', where a process holds the key 'taken'. */
  reg: Pid;
  /** A duplicate-keys Registry named 'dups'. */
  dups: Pid;
  /** Runs `fn` in a new process: resolves with what it returns, rejects with what it throws. */
  inProcess<T>(fn: (self: Self) => T): Promise<Awaited<T>>;
}

const never = async (self: Self): Promise<void> => {
  await self.receive({ match: () => false });
};

async function world(rt: Rt): Promise<Ctx> {
  const echo = await rt.start(Echo, 'initial', { name: 'echo' });
  const raw = rt.spawn(never, { name: 'raw' });
  const dead = rt.spawn(() => {});
  await rt.awaitExit(dead);
  const sup = await rt.start(
    Supervisor,
    { children: [{ id: 'w', start: [Echo, 'w', { name: 'w' }] }] },
    { name: 'sup' },
  );
  const dsup = await rt.start(DynamicSupervisor, {}, { name: 'dsup' });
  const reg = await rt.start(Registry, { keys: 'unique' }, { name: 'reg' });
  const dups = await rt.start(Registry, { keys: 'duplicate' }, { name: 'dups' });
  const holding = deferred();
  rt.spawn(async (self) => {
    Registry.register(self, 'reg', 'taken', 'value');
    holding.resolve();
    await never(self);
  });
  await holding.promise;
  const inProcess = <T>(fn: (self: Self) => T): Promise<Awaited<T>> => {
    const done = deferred<Awaited<T>>();
    rt.spawn(async (self) => {
      try {
        done.resolve(await fn(self));
      } catch (error) {
        done.reject(error);
      }
    });
    return done.promise;
  };
  return { rt, echo, raw, dead, sup, dsup, reg, dups, inProcess };
}

/** Shows the runtime still does its job: calls, casts, processes, supervision, the registry, timers. */
async function stillWorks(ctx: Ctx): Promise<void> {
  const { rt } = ctx;
  const echo = rt.whereis('echo') ?? (await rt.start(Echo, 'again'));
  expect(await GenServer.call(rt, echo, { type: 'echo', value: 'ping' })).toBe('ping');
  GenServer.cast(rt, echo, { type: 'set', value: 'cast' });
  expect(await Sys.getState(rt, echo)).toBe('cast');
  const got = deferred<unknown>();
  const pid = rt.spawn(async (self) => got.resolve(await self.receive()));
  rt.sendAfter(pid, 'tick', 1);
  expect(await got.promise).toBe('tick');
  // Supervision still restarts.
  const [w] = await Supervisor.whichChildren(rt, 'sup');
  const restarted = new Promise((resolve) => rt.once('restart', resolve));
  rt.exit(w!.pid as Pid, 'kill');
  await restarted;
  const [w2] = await Supervisor.whichChildren(rt, 'sup');
  expect(rt.isAlive(w2!.pid as Pid)).toBe(true);
  expect(await GenServer.call(rt, 'w', { type: 'echo', value: 2 })).toBe(2);
  // The registry too.
  expect(Registry.lookup(rt, 'reg', 'taken')).toHaveLength(1);
  const child = await DynamicSupervisor.startChild(rt, 'dsup', { id: 'x', start: [Echo, 1] });
  await DynamicSupervisor.terminateChild(rt, 'dsup', child!);
}

/** What a call gave: the error it threw or rejected with, or what it returned. */
async function outcome(
  call: () => unknown,
): Promise<{ error: unknown; threw: boolean; value?: unknown }> {
  try {
    return { error: undefined, threw: false, value: await call() };
  } catch (error) {
    return { error, threw: true };
  }
}

interface Case {
  what: string;
  call: (ctx: Ctx) => unknown;
  /** The error expected: its exact class and a pattern its message matches. */
  error?: ErrorClass;
  message?: RegExp;
  /** Further checks on the error, or on the value of a call that must succeed. */
  check?: (result: unknown, ctx: Ctx) => void | Promise<void>;
}

const asAny = <T>(value: unknown): T => value as T;
/** A bad argument, of whatever type the parameter wants. */
const bad = (value: unknown): never => value as never;

const badCallers: Array<[string, unknown]> = [
  ['42', 42],
  ['null', null],
  ['an object without self', {}],
  ['an object whose self is not a process', { self: 1 }],
];

const callerError = (operation: string, argument = 'caller'): RegExp =>
  new RegExp(
    `^${operation}: expected \`${argument}\` to be a Runtime, a process's self, or a running GenServer, got `,
  );

const noproc = (operation: string, dest: string): RegExp =>
  new RegExp(
    `^${operation} to ${dest} failed: no process is alive (under that name|with that pid) \\(noproc\\)$`,
  );

const PID = '<0\\.\\d+\\.0>';

const validSpec: ChildSpec = { id: 'extra', start: [Echo, 'extra'] };

/** Cases for the functions whose last argument is a call timeout. */
function timeoutCases(
  operation: string,
  call: (ctx: Ctx, timeout: number) => unknown,
  validResult?: (value: unknown) => void,
): Case[] {
  return [
    ...[-1, Number.NaN, Number.NEGATIVE_INFINITY].map(
      (timeout): Case => ({
        what: `${operation} with timeout ${timeout}`,
        call: (ctx) => call(ctx, timeout),
        error: RangeError,
        message: new RegExp(
          `^${operation}: expected \`timeout\` to be a number of ms >= 0 or Infinity, got ${timeout}$`,
        ),
      }),
    ),
    {
      what: `${operation} with a timeout that is not a number`,
      call: (ctx) => call(ctx, bad('100')),
      error: TypeError,
      message: new RegExp(`^${operation}: expected \`timeout\` to be a number of ms.*got "100"$`),
    },
    {
      what: `${operation} with timeout Infinity waits as long as it takes`,
      call: (ctx) => call(ctx, Number.POSITIVE_INFINITY),
      check: (value) => validResult?.(value),
    },
  ];
}

const cases: Case[] = [
  // ── rt.start ──
  ...[42, null, undefined, {}, class NotAServer {}, () => 0].map(
    (behaviour): Case => ({
      what: `rt.start of ${typeof behaviour === 'function' ? 'a function that is not a GenServer class' : String(behaviour)}`,
      call: ({ rt }) => rt.start(bad(behaviour), bad(1)),
      error: TypeError,
      message:
        /^start: expected a GenServer class \(or Supervisor, Registry\.\.\.\), got (42|null|undefined|\{\}|\[class NotAServer\]|\[Function)/,
    }),
  ),
  {
    what: 'rt.start with options that are not an object',
    call: ({ rt }) => rt.start(Echo, 1, bad('fast')),
    error: TypeError,
    message: /^start: expected options \{ name\?, timeout\? \}, got "fast"$/,
  },
  {
    what: 'rt.start with an empty name',
    call: ({ rt }) => rt.start(Echo, 1, { name: '' }),
    error: TypeError,
    message: /^start: expected `opts\.name` to be a non-empty string or \{ via, key \}, got ""$/,
  },
  ...[-1, Number.NaN].map(
    (timeout): Case => ({
      what: `rt.start with opts.timeout ${timeout}`,
      call: ({ rt }) => rt.start(Echo, 1, { timeout }),
      error: RangeError,
      message: new RegExp(
        `^start: expected \`opts.timeout\` to be a number of ms >= 0 or Infinity, got ${timeout}$`,
      ),
    }),
  ),
  {
    what: 'rt.start with opts.timeout that is not a number',
    call: ({ rt }) => rt.start(Echo, 1, { timeout: bad('1') }),
    error: TypeError,
    message: /^start: expected `opts\.timeout` to be a number of ms >= 0 or Infinity, got "1"$/,
  },
  {
    what: 'rt.start under a taken name',
    call: ({ rt }) => rt.start(Echo, 1, { name: 'echo' }),
    error: AlreadyStartedError,
    message: new RegExp(`^cannot start a process as "echo": already started as ${PID}$`),
    check: (error, { echo }) => expect((error as AlreadyStartedError).pid).toBe(echo),
  },
  {
    what: 'rt.start of a server whose init returns undefined',
    call: ({ rt }) => rt.start(Returns, () => undefined),
    error: StartError,
    message:
      /^Returns failed to start: init failed with reason TypeError: .*init returned undefined/,
    check: (error) => expect((error as StartError).reason).toBeInstanceOf(TypeError),
  },
  {
    what: 'rt.start of a server whose init returns reply()',
    call: ({ rt }) => rt.start(Returns, () => reply(1, 1)),
    error: StartError,
    message: /init returned .*; expected a state, ok\(state\), stop\(reason\) or ignore\(\)/,
  },
  {
    what: 'rt.start under a via name of a duplicate-keys Registry',
    call: ({ rt }) => rt.start(Echo, 1, { name: { via: 'dups', key: 'k' } }),
    error: TypeError,
    message:
      /^Registry "dups" \(<0\.\d+\.0>\) has duplicate keys, so it cannot be used as a via name/,
  },
  {
    what: 'rt.start with a huge, circular argument',
    call: ({ rt }) => rt.start(Echo, { huge: hugeArray(), loop: circular() }),
    check: (pid, { rt }) => expect(rt.isAlive(pid as Pid)).toBe(true),
  },

  // ── Runtime members the core suite leaves out ──
  {
    what: 'rt.isAlive of something that is not a pid',
    call: ({ rt }) => rt.isAlive(bad('echo')),
    error: TypeError,
    message: /^isAlive: expected `pid` to be a pid, got "echo"$/,
  },
  {
    what: 'rt.info of a dead pid',
    call: ({ rt, dead }) => rt.info(dead),
    check: (value) => expect(value).toBeUndefined(),
  },
  {
    what: 'rt.info of something that is not a pid',
    call: ({ rt }) => rt.info(bad({})),
    error: TypeError,
    message: /^info: expected `pid` to be a pid, got \{\}$/,
  },
  {
    what: 'rt.awaitExit of a dead pid',
    call: ({ rt, dead }) => rt.awaitExit(dead),
    check: (value) => expect(value).toBe('noproc'),
  },
  {
    what: 'rt.send to a dead pid',
    call: ({ rt, dead }) => rt.send(dead, circular()),
    check: (value) => expect(value).toBeUndefined(),
  },
  {
    what: 'rt.exit of a dead pid',
    call: ({ rt, dead }) => rt.exit(dead, 'kill'),
    check: (value) => expect(value).toBeUndefined(),
  },
  {
    what: 'rt.whereis of a via name whose registry is not running',
    call: ({ rt }) => rt.whereis({ via: 'nobody', key: 1 }),
    check: (value) => expect(value).toBeUndefined(),
  },
  {
    what: 'rt.unregister of a name nobody holds',
    call: ({ rt }) => rt.unregister('nobody'),
    check: (value) => expect(value).toBe(false),
  },
  {
    what: 'rt.register under a via name whose registry is not running',
    call: ({ rt, raw }) => {
      rt.unregister('raw');
      rt.register({ via: 'nobody', key: 1 }, raw);
    },
    error: TypeError,
    message: /^register: the Registry "nobody" of \{ via: "nobody", key: 1 \} is not running$/,
  },
  {
    what: 'rt.cancelTimer of a timer that has fired',
    call: async ({ rt }) => {
      const got = deferred<unknown>();
      const pid = rt.spawn(async (self) => got.resolve(await self.receive()));
      const ref = rt.sendAfter(pid, 'fired', 0);
      await got.promise;
      return rt.cancelTimer(ref);
    },
    check: (value) => expect(value).toBe(false),
  },
  ...[Number.NaN, -1].map(
    (timeout): Case => ({
      what: `rt.shutdown with timeout ${timeout}`,
      call: ({ rt }) => rt.shutdown({ timeout }),
      error: RangeError,
      message: new RegExp(`^shutdown: expected \`timeout\` to be a number >= 0, got ${timeout}$`),
    }),
  ),
  {
    what: 'rt.shutdown with a timeout that is not a number',
    call: ({ rt }) => rt.shutdown({ timeout: bad('1') }),
    error: TypeError,
    message: /^shutdown: expected `timeout` to be a number >= 0, got "1"$/,
  },
  {
    what: 'rt.spawn after the runtime was shut down',
    call: async () => {
      const other = makeRuntime();
      await other.shutdown();
      return other.spawn(() => {});
    },
    error: OtpError,
    message: /^spawn: runtime otp-\S+ is shut down$/,
  },

  // ── Self members the core suite leaves out ──
  {
    what: 'self.unlink of something that is not a destination',
    call: ({ inProcess }) => inProcess((self) => self.unlink(bad(42))),
    error: TypeError,
    message: /^unlink: expected `pid` to be a pid, got 42$/,
  },
  {
    what: 'self.unlink of a dead pid',
    call: ({ inProcess, dead }) =>
      inProcess((self) => {
        self.unlink(dead);
        return 'done';
      }),
    check: (value) => expect(value).toBe('done'),
  },
  {
    what: 'self.demonitor of something that is not a monitor ref',
    call: ({ inProcess }) => inProcess((self) => self.demonitor(bad('ref'), { flush: true })),
    error: TypeError,
    message: /^demonitor: expected `ref` to be a ref from monitor, got "ref"$/,
  },
  {
    what: 'self.demonitor with flush, with hostile messages in the mailbox',
    call: ({ inProcess, echo }) =>
      inProcess(async (self) => {
        const ref = self.monitor(echo);
        for (const [, value] of hostiles()) self.send(self.pid, value);
        self.send(self.pid, 'last');
        const active = self.demonitor(ref, { flush: true });
        const queued = self.runtime.info(self.pid)!.messageQueueLen;
        return { active, queued, last: await self.receive({ match: (m) => m === 'last' }) };
      }),
    check: (value) => expect(value).toEqual({ active: true, queued: 4, last: 'last' }),
  },
  {
    // A promise cannot resolve with a value whose `then` throws (the Promises/A+ rule):
    // receiving such a message rejects the receive with that error, as `await` would.
    what: 'self.receive of a Proxy that throws on every trap',
    call: ({ inProcess }) =>
      inProcess(async (self) => {
        self.send(self.pid, hostileProxy());
        self.send(self.pid, 'next');
        const error = await self.receive().catch((e: unknown) => e);
        return [error, await self.receive()];
      }),
    check: (value) => {
      const [error, next] = value as [Error, unknown];
      expect(error.message).toBe('hostile trap get');
      expect(next).toBe('next');
    },
  },
  ...['spawnLink', 'spawnMonitor'].map(
    (fn): Case => ({
      what: `self.${fn} of something that is not a function`,
      call: ({ inProcess }) =>
        inProcess((self) => (self[fn as 'spawnLink'] as (b: unknown) => unknown)(42)),
      error: TypeError,
      message: /^spawn: expected `body` to be a function, got 42$/,
    }),
  ),
  {
    what: 'self.monitor of a dead pid and of a name nobody holds',
    call: ({ inProcess, dead }) =>
      inProcess(async (self) => {
        const refs = [self.monitor(dead), self.monitor('nobody')];
        const downs: Down[] = [];
        for (const ref of refs)
          downs.push(
            (await self.receive({ match: (m) => m instanceof Down && m.ref === ref })) as Down,
          );
        return downs;
      }),
    check: (value, { dead }) => {
      const [a, b] = value as Down[];
      expect([a!.pid, a!.reason]).toEqual([dead, 'noproc']);
      expect([b!.pid, b!.reason]).toEqual(['nobody', 'noproc']);
    },
  },
  {
    what: 'self.link to a dead pid while trapping exits',
    call: ({ inProcess, dead }) =>
      inProcess(async (self) => {
        self.trapExit(true);
        self.link(dead);
        return self.receive({ match: (m) => m instanceof Exit });
      }),
    check: (value, { dead }) => {
      expect(value).toBeInstanceOf(Exit);
      expect([(value as Exit).from, (value as Exit).reason]).toEqual([dead, 'noproc']);
    },
  },
  {
    what: 'self.receive while another receive of the same process waits',
    call: ({ inProcess }) =>
      inProcess((self) => {
        void self.receive();
        return self.receive();
      }),
    error: Error,
    message: new RegExp(`^receive: ${PID} is already waiting in another receive$`),
  },

  // ── GenServer.call ──
  ...badCallers.map(
    ([name, caller]): Case => ({
      what: `GenServer.call with ${name} as caller`,
      call: () => GenServer.call(bad(caller), 'echo', { type: 'echo', value: 1 }),
      error: TypeError,
      message: callerError('GenServer.call'),
    }),
  ),
  {
    what: 'GenServer.call with a GenServer instance that is not running as caller',
    call: () => GenServer.call(new Echo(), 'echo', { type: 'echo', value: 1 }),
    error: TypeError,
    message:
      /^GenServer\.call: `caller` is a GenServer that is not running \(\w+ is not running: it has no self before rt\.start\)$/,
  },
  ...[42, null, undefined, '', { key: 1 }, { via: '', key: 1 }].map(
    (dest): Case => ({
      what: `GenServer.call to ${JSON.stringify(dest) ?? 'undefined'}`,
      call: ({ rt }) => GenServer.call(rt, bad(dest), 'x'),
      error: TypeError,
      message: /^GenServer\.call: expected `dest(\.via)?` to be a/,
    }),
  ),
  {
    // A pid names a process and cannot act as it: only its own self (or the Runtime) calls.
    what: 'GenServer.call with a pid as caller',
    call: ({ echo }) => GenServer.call(bad(echo), echo, 'x'),
    error: TypeError,
    message: callerError('GenServer.call'),
  },
  {
    what: 'GenServer.cast with a pid as caller',
    call: ({ echo }) => GenServer.cast(bad(echo), echo, 'x'),
    error: TypeError,
    message: callerError('GenServer.cast'),
  },
  {
    what: 'GenServer.call with no arguments but the caller',
    call: ({ rt }) => asAny<(rt: unknown) => unknown>(GenServer.call)(rt),
    error: TypeError,
    message:
      /^GenServer\.call: expected `dest` to be a pid, a name or { name, node }, got undefined$/,
  },
  {
    what: 'GenServer.call to a name nobody holds',
    call: ({ rt }) => GenServer.call(rt, 'nobody', 'x'),
    error: NoProcError,
    message: noproc('GenServer.call', '"nobody"'),
    check: (error) => {
      expect((error as NoProcError).reason).toBe('noproc');
      expect((error as NoProcError).dest).toBe('nobody');
    },
  },
  {
    what: 'GenServer.call to a dead pid',
    call: ({ rt, dead }) => GenServer.call(rt, dead, 'x'),
    error: NoProcError,
    message: noproc('GenServer.call', PID),
    check: (error, { dead }) => expect((error as NoProcError).dest).toBe(dead),
  },
  {
    what: 'GenServer.call to a via name whose registry is not running',
    call: ({ rt }) => GenServer.call(rt, { via: 'nobody', key: 1 }, 'x'),
    error: NoProcError,
    message: noproc('GenServer.call', '\\{ via: "nobody", key: 1 \\}'),
  },
  {
    what: 'GenServer.call to a via name whose via is not a Registry',
    call: ({ rt }) => GenServer.call(rt, { via: 'echo', key: 1 }, 'x'),
    error: TypeError,
    message: /"echo" is <0\.\d+\.0>, which is not a Registry$/,
  },
  {
    what: 'GenServer.call to a via name of a duplicate-keys Registry',
    call: ({ rt }) => GenServer.call(rt, { via: 'dups', key: 1 }, 'x'),
    error: TypeError,
    message: /has duplicate keys, so it cannot be used as a via name/,
  },
  ...timeoutCases(
    'GenServer.call',
    ({ rt }, timeout) => GenServer.call(rt, 'echo', { type: 'echo', value: 'ok' }, timeout),
    (value) => expect(value).toBe('ok'),
  ),
  {
    what: 'GenServer.call to a process that never answers',
    call: ({ rt }) => GenServer.call(rt, 'raw', 'x', 20),
    error: CallTimeoutError,
    message: /^GenServer\.call to "raw" timed out after 20 ms$/,
    check: (error) => {
      expect((error as CallTimeoutError).reason).toBe('timeout');
      expect((error as CallTimeoutError).timeout).toBe(20);
    },
  },
  {
    what: 'GenServer.call from a server to itself',
    call: ({ rt }) => GenServer.call(rt, 'echo', { type: 'call_self' }),
    check: (error) => {
      expect(error).toBeInstanceOf(CallError);
      expect((error as CallError).reason).toBe('calling_self');
      expect((error as CallError).message).toMatch(/a process cannot call itself/);
    },
  },
  {
    what: 'GenServer.call with huge and circular requests and replies',
    call: async ({ rt }) => {
      const values = [HUGE_STRING, hugeArray(), circular()];
      const replies = [];
      for (const value of values)
        replies.push(await GenServer.call(rt, 'echo', { type: 'echo', value }));
      return [values, replies];
    },
    check: (value) => {
      const [sent, got] = value as [unknown[], unknown[]];
      for (const [i, v] of sent.entries()) expect(got[i]).toBe(v);
    },
  },
  ...hostiles().map(
    ([name, value]): Case => ({
      what: `GenServer.call with ${name} in its request`,
      call: ({ rt }) => GenServer.call(rt, 'echo', { type: 'echo', value: 'got it', extra: value }),
      check: (reply) => expect(reply).toBe('got it'),
    }),
  ),
  ...hostiles()
    .slice(0, 2)
    .map(
      ([name, value]): Case => ({
        what: `GenServer.call with ${name} as reply`,
        call: ({ rt }) => GenServer.call(rt, 'echo', { type: 'echo', value }),
        check: (reply) => expect(reply).toBe(value),
      }),
    ),
  {
    // A promise cannot resolve with a value whose `then` throws: it rejects with that
    // error instead (the Promises/A+ rule), as with any promise-based API.
    what: 'GenServer.call with a Proxy that throws on every trap as reply',
    call: ({ rt }) => GenServer.call(rt, 'echo', { type: 'echo', value: hostileProxy() }),
    error: Error,
    message: /^hostile trap get$/,
  },
  ...hostiles().map(
    ([name, value]): Case => ({
      what: `GenServer.call with ${name} as request to a server without handleCall`,
      call: async ({ rt }) => GenServer.call(rt, await rt.start(Bare, 0), value),
      error: CallError,
      message: new RegExp(
        `^GenServer.call to ${PID} failed: the server exited with reason Error: `,
      ),
      check: (error) => {
        const reason = (error as CallError).reason as Error;
        expect(reason.message).toMatch(
          /^GenServer Bare <0\.\d+\.0> received an unexpected call .*, but Bare does not implement handleCall$/,
        );
      },
    }),
  ),

  // ── GenServer.cast ──
  ...badCallers.map(
    ([name, caller]): Case => ({
      what: `GenServer.cast with ${name} as caller`,
      call: () => GenServer.cast(bad(caller), 'echo', 'x'),
      error: TypeError,
      message: callerError('GenServer.cast'),
    }),
  ),
  ...[42, null, undefined, ''].map(
    (dest): Case => ({
      what: `GenServer.cast to ${JSON.stringify(dest) ?? 'undefined'}`,
      call: ({ rt }) => GenServer.cast(rt, bad(dest), 'x'),
      error: TypeError,
      message:
        /^GenServer\.cast: expected `dest` to be a (pid, a name or \{ name, node \}|non-empty string)/,
    }),
  ),
  {
    what: 'GenServer.cast to a dead pid, a name nobody holds, and a via name of no registry',
    call: ({ rt, dead }) => {
      GenServer.cast(rt, dead, 'x');
      GenServer.cast(rt, 'nobody', 'x');
      GenServer.cast(rt, { via: 'nobody', key: 1 }, 'x');
      return 'silent';
    },
    check: (value) => expect(value).toBe('silent'),
  },
  ...[...hostiles(), ['a circular value', circular()] as [string, unknown]].map(
    ([name, value]): Case => ({
      what: `GenServer.cast of ${name}, kept as state`,
      call: async ({ rt }) => {
        GenServer.cast(rt, 'echo', { type: 'set', value });
        // getStatus, not getState: a promise cannot resolve with a hostile Proxy itself.
        return [value, (await Sys.getStatus(rt, 'echo')).state];
      },
      check: (pair) => {
        const [sent, state] = pair as [unknown, unknown];
        expect(state).toBe(sent);
      },
    }),
  ),

  // ── GenServer.reply ──
  ...[42, undefined, {}].map(
    (from): Case => ({
      what: `GenServer.reply to ${JSON.stringify(from) ?? 'undefined'}`,
      call: () => GenServer.reply(bad(from), 1),
      error: TypeError,
      message: /^GenServer\.reply: expected `from` to be the From of a call, got /,
    }),
  ),
  {
    what: 'GenServer.reply twice to the same call',
    call: ({ rt }) => GenServer.call(rt, 'echo', { type: 'reply_twice' }),
    check: (value) => expect(value).toBe('first'),
  },

  // ── GenServer.stop ──
  {
    what: 'GenServer.stop of a name nobody holds',
    call: ({ rt }) => GenServer.stop(rt, 'nobody'),
    error: NoProcError,
    message: noproc('GenServer.stop', '"nobody"'),
  },
  {
    what: 'GenServer.stop of a dead pid',
    call: ({ rt, dead }) => GenServer.stop(rt, dead),
    error: NoProcError,
    message: noproc('GenServer.stop', PID),
  },
  ...badCallers.slice(0, 1).map(
    ([name, caller]): Case => ({
      what: `GenServer.stop with ${name} as caller`,
      call: () => GenServer.stop(bad(caller), 'echo'),
      error: TypeError,
      message: callerError('GenServer.stop'),
    }),
  ),
  ...timeoutCases('GenServer.stop', ({ rt }, timeout) =>
    GenServer.stop(rt, 'echo', 'normal', timeout),
  ),
  {
    what: 'GenServer.stop of a process that is not a GenServer',
    call: ({ rt }) => GenServer.stop(rt, 'raw', 'normal', 20),
    error: CallTimeoutError,
    message: /^GenServer\.stop to "raw" timed out after 20 ms$/,
  },

  // ── GenServer.startLink ──
  {
    what: 'GenServer.startLink with the Runtime as self',
    call: ({ rt }) => GenServer.startLink(bad(rt), Echo, 1),
    error: TypeError,
    message: /^GenServer\.startLink: expected `self` to be a process, got the Runtime$/,
  },
  {
    what: 'GenServer.startLink with 42 as self',
    call: () => GenServer.startLink(bad(42), Echo, 1),
    error: TypeError,
    message: callerError('GenServer.startLink', 'self'),
  },
  {
    what: 'GenServer.startLink of something that is not a GenServer class',
    call: ({ inProcess }) => inProcess((self) => GenServer.startLink(self, bad(Object), bad(1))),
    error: TypeError,
    message: /^GenServer\.startLink: expected a GenServer class/,
  },
  {
    what: 'GenServer.startLink with opts.timeout NaN',
    call: ({ inProcess }) =>
      inProcess((self) => GenServer.startLink(self, Echo, 1, { timeout: Number.NaN })),
    error: RangeError,
    message:
      /^GenServer\.startLink: expected `opts\.timeout` to be a number of ms >= 0 or Infinity, got NaN$/,
  },

  // ── GenServer.ref ──
  {
    what: 'GenServer.ref with 42 as caller',
    call: () => GenServer.ref(bad(42), 'echo'),
    error: TypeError,
    message: callerError('GenServer.ref'),
  },
  {
    what: 'GenServer.ref to something that is not a destination',
    call: ({ rt }) => GenServer.ref(rt, bad(42)),
    error: TypeError,
    message: /^GenServer\.ref: expected `dest` to be a pid, a name or { name, node }, got 42$/,
  },
  {
    what: 'GenServer.ref to a name nobody holds, then call',
    call: ({ rt }) => GenServer.ref<typeof Echo>(rt, 'nobody').call({ type: 'echo', value: 1 }),
    error: NoProcError,
    message: noproc('GenServer.call', '"nobody"'),
  },

  // ── Callback results: the documented outcome of a wrong one ──
  ...(
    [
      ['undefined', () => undefined, /handleCall returned undefined; expected reply/],
      ['a bare state', () => 5, /handleCall returned 5; expected reply\(value, state\)/],
      ['ok()', () => ok(1), /handleCall returned .*; expected reply/],
    ] as const
  ).map(
    ([what, make, message]): Case => ({
      what: `handleCall returning ${what}`,
      call: async ({ rt }) => GenServer.call(rt, await rt.start(Returns, undefined), make),
      error: CallError,
      message: new RegExp(
        `^GenServer.call to ${PID} failed: the server exited with reason TypeError: `,
      ),
      check: (error) => {
        const reason = (error as CallError).reason as Error;
        expect(reason).toBeInstanceOf(TypeError);
        expect(reason.message).toMatch(message);
      },
    }),
  ),
  {
    what: 'handleCall building reply() with a timeout of -1',
    call: async ({ rt }) => {
      const pid = await rt.start(Returns, undefined);
      const exit = rt.awaitExit(pid);
      // The helper checks its options where it is built: handleCall throws, the server ends.
      const answer = await GenServer.call(rt, pid, () => reply(1, 1, { timeout: -1 })).catch(
        (error: unknown) => error,
      );
      return [answer, await exit];
    },
    check: (value) => {
      const [answer, reason] = value as [CallError, Error];
      expect(answer).toBeInstanceOf(CallError);
      expect(answer.reason).toBe(reason);
      expect(reason).toBeInstanceOf(RangeError);
      expect(reason.message).toBe(
        'reply: expected option `timeout` to be a number of ms >= 0 or Infinity, got -1',
      );
    },
  },
  ...(
    [
      [
        'handleCast',
        'undefined',
        () => undefined,
        TypeError,
        /handleCast returned undefined; expected a new state/,
      ],
      [
        'handleCast',
        'reply()',
        () => reply(1, 1),
        TypeError,
        /handleCast returned .*; expected a new state, noreply\(state\) or stop\(reason, state\)/,
      ],
      [
        'handleCast',
        'ignore()',
        () => ignore(),
        TypeError,
        /handleCast returned .*; expected a new state/,
      ],
      [
        'handleCast',
        'a NaN timeout',
        () => noreply(1, { timeout: Number.NaN }),
        RangeError,
        /^noreply: expected option `timeout` to be a number of ms >= 0 or Infinity, got NaN$/,
      ],
      [
        'handleInfo',
        'ok()',
        () => ok(1),
        TypeError,
        /handleInfo returned .*; expected a new state/,
      ],
    ] as const
  ).map(
    ([callback, what, make, error, message]): Case => ({
      what: `${callback} returning ${what}`,
      call: async ({ rt }) => {
        const pid = await rt.start(Returns, undefined);
        const exit = rt.awaitExit(pid);
        if (callback === 'handleCast') GenServer.cast(rt, pid, make);
        else rt.send(pid, make);
        return exit;
      },
      check: (reason, { rt }) => {
        expect(reason).toBeInstanceOf(error);
        expect((reason as Error).message).toMatch(message);
        expect(rt.log.text('error')).toContain((reason as Error).message.slice(0, 40));
      },
    }),
  ),

  // ── Supervisor ──
  ...(['whichChildren', 'countChildren'] as const).flatMap((fn): Case[] => [
    {
      what: `Supervisor.${fn} of a name nobody holds`,
      call: ({ rt }) => Supervisor[fn](rt, 'nobody'),
      error: NoProcError,
      message: noproc(`Supervisor.${fn}`, '"nobody"'),
    },
    {
      what: `Supervisor.${fn} of a dead pid`,
      call: ({ rt, dead }) => Supervisor[fn](rt, dead),
      error: NoProcError,
      message: noproc(`Supervisor.${fn}`, PID),
    },
    {
      what: `Supervisor.${fn} with 42 as caller`,
      call: () => Supervisor[fn](bad(42), 'sup'),
      error: TypeError,
      message: callerError(`Supervisor.${fn}`),
    },
    {
      what: `Supervisor.${fn} of something that is not a destination`,
      call: ({ rt }) => Supervisor[fn](rt, bad(42)),
      error: TypeError,
      message: new RegExp(
        `^Supervisor.${fn}: expected \`dest\` to be a pid, a name or { name, node }, got 42$`,
      ),
    },
  ]),
  ...(
    [
      ['42', 42, 'spec'],
      ['undefined', undefined, 'spec'],
      ['a spec without id', { start: [Echo] }, 'id'],
      ['a spec without start', { id: 'x' }, 'start'],
      ['a start tuple whose class is not a GenServer', { id: 'x', start: [Object] }, 'start'],
      ['a restart of "sometimes"', { id: 'x', start: [Echo], restart: 'sometimes' }, 'restart'],
      ['a shutdown of -1', { id: 'x', start: [Echo], shutdown: -1 }, 'shutdown'],
      ['a shutdown of NaN', { id: 'x', start: [Echo], shutdown: Number.NaN }, 'shutdown'],
      ['a type of "boss"', { id: 'x', start: [Echo], type: 'boss' }, 'type'],
    ] as const
  ).flatMap(([what, spec, field]): Case[] =>
    (['Supervisor', 'DynamicSupervisor'] as const).map((kind) => ({
      what: `${kind}.startChild of ${what}`,
      call: ({ rt }) =>
        kind === 'Supervisor'
          ? Supervisor.startChild(rt, 'sup', bad(spec))
          : DynamicSupervisor.startChild(rt, 'dsup', bad(spec)),
      error: InvalidChildSpecError,
      message: new RegExp(`^${kind}\\.startChild: .*\`?${field === 'spec' ? 'child spec' : field}`),
      check: (error) => expect((error as InvalidChildSpecError).field).toBe(field),
    })),
  ),
  {
    what: 'Supervisor.startChild on a name nobody holds',
    call: ({ rt }) => Supervisor.startChild(rt, 'nobody', validSpec),
    error: NoProcError,
    message: noproc('Supervisor.startChild', '"nobody"'),
  },
  {
    what: 'Supervisor.startChild with the id of a running child',
    call: ({ rt }) => Supervisor.startChild(rt, 'sup', { id: 'w', start: [Echo, 1] }),
    error: SupervisorError,
    message:
      /^Supervisor\.startChild on Supervisor "sup" \(<0\.\d+\.0>\) for "w": a child with this id is already running as <0\.\d+\.0> \(already_started\)$/,
    check: (error, { rt }) => {
      expect((error as SupervisorError).reason).toBe('already_started');
      expect((error as SupervisorError).pid).toBe(rt.whereis('w'));
    },
  },
  ...(
    [
      ['terminateChild', 'nope', 'not_found', /no child has this id \(not_found\)$/],
      ['terminateChild', undefined, 'not_found', /for undefined: no child has this id/],
      ['restartChild', 'w', 'running', /the child is running; terminate it first \(running\)$/],
      ['restartChild', 'nope', 'not_found', /\(not_found\)$/],
      ['deleteChild', 'w', 'running', /\(running\)$/],
      ['deleteChild', hostileProxy(), 'not_found', /for \{\}: no child has this id \(not_found\)$/],
    ] as const
  ).map(
    ([fn, id, reason, message]): Case => ({
      what: `Supervisor.${fn} of ${typeof id === 'object' ? 'a hostile Proxy' : (JSON.stringify(id) ?? 'undefined')}`,
      call: ({ rt }) => Supervisor[fn](rt, 'sup', id),
      error: SupervisorError,
      message: new RegExp(`^Supervisor\\.${fn} on Supervisor "sup" .*${message.source}`),
      check: (error) => expect((error as SupervisorError).reason).toBe(reason),
    }),
  ),
  ...(['terminateChild', 'restartChild', 'deleteChild'] as const).map(
    (fn): Case => ({
      what: `Supervisor.${fn} on a dead pid`,
      call: ({ rt, dead }) => Supervisor[fn](rt, dead, 'w'),
      error: NoProcError,
      message: noproc(`Supervisor.${fn}`, PID),
    }),
  ),
  ...(
    [
      ['flags of 42', 42, 'spec'],
      ['no flags', undefined, 'spec'],
      ['children that are not an array', { children: 'w' }, 'children'],
      ['a strategy of "one_for_none"', { children: [], strategy: 'one_for_none' }, 'strategy'],
      ['maxRestarts of -1', { children: [], maxRestarts: -1 }, 'maxRestarts'],
      ['maxRestarts of 1.5', { children: [], maxRestarts: 1.5 }, 'maxRestarts'],
      ['maxSeconds of 0', { children: [], maxSeconds: 0 }, 'maxSeconds'],
      ['maxSeconds of NaN', { children: [], maxSeconds: Number.NaN }, 'maxSeconds'],
      [
        'maxSeconds of Infinity',
        { children: [], maxSeconds: Number.POSITIVE_INFINITY },
        'maxSeconds',
      ],
      ['two children with one id', { children: [validSpec, validSpec] }, 'id'],
    ] as const
  ).map(
    ([what, flags, field]): Case => ({
      what: `rt.start(Supervisor) with ${what}`,
      call: ({ rt }) => rt.start(Supervisor, bad(flags)),
      // The supervisor's own flags give a TypeError or RangeError naming the flag;
      // InvalidChildSpecError is for the child specs.
      error:
        field === 'children' || field === 'id'
          ? InvalidChildSpecError
          : field === 'spec' || field === 'strategy'
            ? TypeError
            : RangeError,
      message: new RegExp(
        `^Supervisor <0\\.\\d+\\.0> init: ${field === 'spec' ? 'expected \\{ children' : field === 'id' ? 'two children have the id "extra"' : `expected \`${field}\``}`,
      ),
      check: (error) => {
        if (field === 'children' || field === 'id') {
          expect((error as InvalidChildSpecError).field).toBe(field);
        }
      },
    }),
  ),

  // ── DynamicSupervisor ──
  {
    what: 'DynamicSupervisor.startChild on a dead pid',
    call: ({ rt, dead }) => DynamicSupervisor.startChild(rt, dead, validSpec),
    error: NoProcError,
    message: noproc('DynamicSupervisor.startChild', PID),
  },
  {
    what: 'DynamicSupervisor.startChild past maxChildren',
    call: async ({ rt }) =>
      DynamicSupervisor.startChild(
        rt,
        await rt.start(DynamicSupervisor, { maxChildren: 0 }),
        validSpec,
      ),
    error: MaxChildrenError,
    message:
      /^DynamicSupervisor\.startChild on <0\.\d+\.0> refused: it already runs maxChildren \(0\) children$/,
    check: (error) => expect((error as MaxChildrenError).maxChildren).toBe(0),
  },
  ...(
    [
      ['a dead pid', (ctx: Ctx) => ctx.dead],
      ['a pid that is not its child', (ctx: Ctx) => ctx.echo],
      ['something that is not a pid', () => asAny<Pid>('x')],
      ['nothing', () => asAny<Pid>(undefined)],
    ] as const
  ).map(
    ([what, pid]): Case => ({
      what: `DynamicSupervisor.terminateChild of ${what}`,
      call: (ctx) => DynamicSupervisor.terminateChild(ctx.rt, 'dsup', pid(ctx)),
      error: SupervisorError,
      message:
        /^DynamicSupervisor\.terminateChild on DynamicSupervisor "dsup" \(<0\.\d+\.0>\): .* is not one of its children \(not_found\)$/,
      check: (error) => expect((error as SupervisorError).reason).toBe('not_found'),
    }),
  ),
  ...(['whichChildren', 'countChildren'] as const).flatMap((fn): Case[] => [
    {
      what: `DynamicSupervisor.${fn} of a name nobody holds`,
      call: ({ rt }) => DynamicSupervisor[fn](rt, 'nobody'),
      error: NoProcError,
      message: noproc(`DynamicSupervisor.${fn}`, '"nobody"'),
    },
    {
      what: `DynamicSupervisor.${fn} with null as caller`,
      call: () => DynamicSupervisor[fn](bad(null), 'dsup'),
      error: TypeError,
      message: callerError(`DynamicSupervisor.${fn}`),
    },
  ]),
  ...(
    [
      ['maxChildren of -1', { maxChildren: -1 }, 'maxChildren'],
      ['maxChildren of 1.5', { maxChildren: 1.5 }, 'maxChildren'],
      ['maxChildren of NaN', { maxChildren: Number.NaN }, 'maxChildren'],
      ['maxChildren of "10"', { maxChildren: '10' }, 'maxChildren'],
      ['maxRestarts of NaN', { maxRestarts: Number.NaN }, 'maxRestarts'],
      ['maxSeconds of -1', { maxSeconds: -1 }, 'maxSeconds'],
      ['flags of 42', 42, 'spec'],
    ] as const
  ).map(
    ([what, flags, field]): Case => ({
      what: `rt.start(DynamicSupervisor) with ${what}`,
      call: ({ rt }) => rt.start(DynamicSupervisor, bad(flags)),
      error: field === 'spec' || what === 'maxChildren of "10"' ? TypeError : RangeError,
      message: new RegExp(
        `^DynamicSupervisor <0\\.\\d+\\.0> init: expected ${field === 'spec' ? '\\{ maxChildren' : `\`${field}\``}`,
      ),
    }),
  ),
  {
    what: 'rt.start(DynamicSupervisor) with no flags',
    call: ({ rt }) => rt.start(DynamicSupervisor, bad(undefined)),
    check: (pid, { rt }) => expect(rt.isAlive(pid as Pid)).toBe(true),
  },

  // ── Registry ──
  ...(['register', 'unregister', 'updateValue'] as const).map(
    (fn): Case => ({
      what: `Registry.${fn} from outside any process`,
      call: ({ rt }) =>
        asAny<(...args: unknown[]) => unknown>(Registry[fn])(rt, 'reg', 'k', () => 1),
      error: TypeError,
      message: new RegExp(
        `^Registry\\.${fn} registers the calling process, so it must be called with a process's self \\(or a GenServer\\), not the Runtime$`,
      ),
    }),
  ),
  ...(['lookup', 'count', 'keys', 'dispatch'] as const).flatMap((fn): Case[] => [
    {
      what: `Registry.${fn} on a name nobody holds`,
      call: ({ rt }) =>
        asAny<(...args: unknown[]) => unknown>(Registry[fn])(rt, 'nobody', 'k', () => {}),
      error: NoProcError,
      message: noproc(`Registry.${fn}`, '"nobody"'),
    },
    {
      what: `Registry.${fn} on a process that is not a Registry`,
      call: ({ rt }) =>
        asAny<(...args: unknown[]) => unknown>(Registry[fn])(rt, 'echo', 'k', () => {}),
      error: TypeError,
      message: new RegExp(`^Registry\\.${fn}: "echo" is ${PID}, which is not a Registry$`),
    },
    {
      what: `Registry.${fn} with 42 as caller`,
      call: () => asAny<(...args: unknown[]) => unknown>(Registry[fn])(42, 'reg', 'k', () => {}),
      error: TypeError,
      message: callerError(`Registry.${fn}`),
    },
    {
      what: `Registry.${fn} on something that is not a destination`,
      call: ({ rt }) => asAny<(...args: unknown[]) => unknown>(Registry[fn])(rt, 42, 'k', () => {}),
      error: TypeError,
      message: new RegExp(
        `^Registry\\.${fn}: expected \`registry\` to be a pid, a name or { name, node }, got 42$`,
      ),
    },
  ]),
  {
    what: 'Registry.register on a name nobody holds',
    call: ({ inProcess }) => inProcess((self) => Registry.register(self, 'nobody', 'k')),
    error: NoProcError,
    message: noproc('Registry.register', '"nobody"'),
  },
  {
    what: 'Registry.register of a taken unique key',
    call: ({ inProcess }) => inProcess((self) => Registry.register(self, 'reg', 'taken')),
    error: AlreadyRegisteredError,
    message: new RegExp(
      `^Registry\\.register in Registry "reg" .*: "taken" is already registered to ${PID}$`,
    ),
    check: (error, { rt }) =>
      expect((error as AlreadyRegisteredError).pid).toBe(
        Registry.lookup(rt, 'reg', 'taken')[0]![0],
      ),
  },
  ...[...hostiles(), ['a circular value', circular()] as [string, unknown]].map(
    ([name, value]): Case => ({
      what: `Registry.register with ${name} as value`,
      call: ({ inProcess, rt }) =>
        inProcess((self) => {
          Registry.register(self, 'reg', `key: ${name}`, value);
          Registry.register(self, 'dups', `key: ${name}`, value);
          return [
            Registry.lookup(rt, 'reg', `key: ${name}`),
            Registry.lookup(rt, 'dups', `key: ${name}`),
          ];
        }),
      check: (got) => {
        const [unique, dup] = got as [unknown[][], unknown[][]];
        expect(unique[0]![1]).toBe(value);
        expect(dup[0]![1]).toBe(value);
      },
    }),
  ),
  ...[...hostiles(), ['a circular value', circular()] as [string, unknown]].map(
    ([name, value]): Case => ({
      what: `Registry.register with ${name} as key`,
      call: ({ inProcess }) => inProcess((self) => Registry.register(self, 'reg', value, 1)),
      error: TypeError,
      message: /^Registry\.register: (the key could not be read|expected `key.*` to be)/,
      check: (_error, ctx) => expect(Registry.count(ctx.rt, 'reg')).toBeGreaterThanOrEqual(0),
    }),
  ),
  {
    what: 'Registry.unregister of a key the process does not hold',
    call: ({ inProcess }) =>
      inProcess((self) => {
        Registry.unregister(self, 'reg', 'taken');
        Registry.unregister(self, 'reg', 'unknown');
        return 'silent';
      }),
    check: (value, { rt }) => {
      expect(value).toBe('silent');
      expect(Registry.lookup(rt, 'reg', 'taken')).toHaveLength(1);
    },
  },
  {
    what: 'Registry.lookup of an unknown key, and keys of a dead pid',
    call: ({ rt, dead }) => [Registry.lookup(rt, 'reg', 'unknown'), Registry.keys(rt, 'reg', dead)],
    check: (value) => expect(value).toEqual([[], []]),
  },
  {
    what: 'Registry.keys of something that is not a pid',
    call: ({ rt }) => Registry.keys(rt, 'reg', bad('x')),
    error: TypeError,
    message: /^Registry\.keys: expected `pid` to be a pid, got "x"$/,
  },
  {
    what: 'Registry.dispatch with a fn that is not a function',
    call: ({ rt }) => Registry.dispatch(rt, 'reg', 'taken', bad(42)),
    error: TypeError,
    message: /^Registry\.dispatch: expected `fn` to be a function, got number$/,
  },
  {
    what: 'Registry.dispatch of a key nobody holds',
    call: ({ rt }) => {
      let called = false;
      Registry.dispatch(rt, 'reg', 'unknown', () => (called = true));
      return called;
    },
    check: (value) => expect(value).toBe(false),
  },
  {
    what: 'Registry.updateValue with a fn that is not a function',
    call: ({ inProcess }) => inProcess((self) => Registry.updateValue(self, 'reg', 'k', bad(42))),
    error: TypeError,
    message: /^Registry\.updateValue: expected `fn` to be a function, got number$/,
  },
  {
    what: 'Registry.updateValue on a duplicate-keys registry',
    call: ({ inProcess }) => inProcess((self) => Registry.updateValue(self, 'dups', 'k', (v) => v)),
    error: TypeError,
    message:
      /^Registry\.updateValue: Registry "dups" .* has duplicate keys; updateValue works on unique keys only$/,
  },
  {
    what: 'Registry.updateValue of a key the caller does not own',
    call: ({ inProcess }) =>
      inProcess((self) => Registry.updateValue(self, 'reg', 'taken', () => 1)),
    check: (value) => expect(value).toBeUndefined(),
  },
  ...(
    [
      ['keys of "many"', { keys: 'many' }],
      ['no options', undefined],
    ] as const
  ).map(
    ([what, spec]): Case => ({
      what: `rt.start(Registry) with ${what}`,
      call: ({ rt }) => rt.start(Registry, bad(spec)),
      error: TypeError,
      message: /^Registry <0\.\d+\.0> init: expected `keys` to be 'unique' or 'duplicate', got /,
    }),
  ),

  // ── Sys ──
  ...(['getState', 'getStatus', 'suspend', 'resume'] as const).flatMap((fn): Case[] => [
    {
      what: `Sys.${fn} of a name nobody holds`,
      call: ({ rt }) => Sys[fn](rt, 'nobody'),
      error: NoProcError,
      message: noproc(`Sys.${fn}`, '"nobody"'),
    },
    {
      what: `Sys.${fn} of a dead pid`,
      call: ({ rt, dead }) => Sys[fn](rt, dead),
      error: NoProcError,
      message: noproc(`Sys.${fn}`, PID),
    },
    {
      what: `Sys.${fn} with 42 as caller`,
      call: () => Sys[fn](bad(42), 'echo'),
      error: TypeError,
      message: callerError(`Sys.${fn}`),
    },
    {
      what: `Sys.${fn} of a process that is not a GenServer`,
      call: ({ rt }) => Sys[fn](rt, 'raw', 20),
      error: CallTimeoutError,
      message: new RegExp(`^Sys\\.${fn} to "raw" timed out after 20 ms$`),
    },
    ...timeoutCases(`Sys.${fn}`, ({ rt }, timeout) =>
      fn === 'suspend'
        ? Sys.suspend(rt, 'echo', timeout).then(() => Sys.resume(rt, 'echo'))
        : Sys[fn](rt, 'echo', timeout),
    ),
  ]),
  {
    what: 'Sys.replaceState with a fn that is not a function',
    call: ({ rt }) => Sys.replaceState(rt, 'echo', bad(42)),
    error: TypeError,
    message: /^Sys\.replaceState: expected `fn` to be a function, got number$/,
  },
  {
    what: 'Sys.replaceState with a fn that throws',
    call: async ({ rt }) => {
      const error = await Sys.replaceState(rt, 'echo', () => {
        throw new RangeError('no new state');
      }).catch((e: unknown) => e);
      return [error, await Sys.getState(rt, 'echo')];
    },
    check: (value) => {
      const [error, state] = value as [Error, unknown];
      expect(error).toBeInstanceOf(RangeError);
      expect(error.message).toBe('no new state');
      expect(state).toBe('initial');
    },
  },
  ...hostiles().map(
    ([name, value]): Case => ({
      what: `Sys.replaceState to ${name}, then getStatus`,
      call: async ({ rt }) => {
        // It resolves with the new state: for the Proxy, that rejects with the trap's error.
        await Sys.replaceState(rt, 'echo', () => value).catch(() => undefined);
        return [value, (await Sys.getStatus(rt, 'echo')).state];
      },
      check: (pair) => {
        const [sent, state] = pair as [unknown, unknown];
        expect(state).toBe(sent);
      },
    }),
  ),
  {
    what: 'Sys.resume of a server that is not suspended',
    call: ({ rt }) => Sys.resume(rt, 'echo'),
    check: (value) => expect(value).toBeUndefined(),
  },
  {
    what: 'Sys.terminate of a name nobody holds',
    call: ({ rt }) => Sys.terminate(rt, 'nobody', 'x'),
    error: NoProcError,
    message: noproc('Sys.terminate', '"nobody"'),
  },
  ...timeoutCases('Sys.terminate', ({ rt }, timeout) =>
    Sys.terminate(rt, 'echo', 'normal', timeout),
  ),

  // ── isNormalExit and formatCrashReport never throw ──
  ...[...hostiles(), ['a circular value', circular()] as [string, unknown]].map(
    ([name, value]): Case => ({
      what: `isNormalExit and formatCrashReport of ${name}`,
      call: ({ echo }) => [
        isNormalExit(value),
        formatCrashReport({
          pid: echo,
          name: { via: 'reg', key: value },
          reason: value,
          behaviour: 'GenServer',
          lastMessage: value,
          state: value,
        }),
      ],
      check: (got) => {
        const [normal, text] = got as [boolean, string];
        expect(normal).toBe(false);
        expect(text).toMatch(
          /^GenServer \{ via: "reg", key: .* \(<0\.\d+\.0>\) terminating\n\*\* \(reason\) /,
        );
        expect(text).toContain('Last message: ');
        expect(text).toContain('State: ');
      },
    }),
  ),
];

describe('bad input', () => {
  it.each(cases)('$what', async (c) => {
    const rt = makeRuntime();
    const ctx = await world(rt);
    const { error, threw, value } = await outcome(() => c.call(ctx));
    if (c.error !== undefined) {
      expect(threw, 'it throws or rejects').toBe(true);
      expect(error).toBeInstanceOf(c.error);
      expect((error as Error).name).toBe(c.error.name);
      expect((error as Error).message).toMatch(c.message!);
      await c.check?.(error, ctx);
    } else {
      if (threw) throw error;
      await c.check?.(value, ctx);
    }
    await stillWorks(ctx);
  });

  it('throws synchronously only from the synchronous functions; the async ones reject', async () => {
    const rt = makeRuntime();
    await world(rt);
    const asyncCalls: Array<() => Promise<unknown>> = [
      () => GenServer.call(bad(42), bad(42), 1, -1),
      () => GenServer.stop(bad(42), bad(42)),
      () => GenServer.startLink(bad(42), bad(42), bad(1)),
      () => rt.start(bad(42), bad(1), bad(42)),
      () => rt.awaitExit(bad(42)),
      () => rt.shutdown(bad({ timeout: 'x' })),
      () => Supervisor.whichChildren(bad(42), bad(42)),
      () => Supervisor.startChild(rt, 'sup', bad(42)),
      () => DynamicSupervisor.startChild(rt, 'dsup', bad(42)),
      () => DynamicSupervisor.terminateChild(bad(42), bad(42), bad(42)),
      () => Sys.getState(bad(42), bad(42)),
      () => Sys.replaceState(rt, 'echo', bad(42)),
      () => Sys.terminate(bad(42), bad(42), 'x', -1),
    ];
    for (const call of asyncCalls) {
      let promise: Promise<unknown> | undefined;
      expect(() => {
        promise = call();
      }).not.toThrow();
      await expect(promise).rejects.toBeInstanceOf(Error);
    }
  });
});

// ── Crash reports, whatever the state, the message or the reason hold ───────

describe('crash reports', () => {
  const values = (): Array<[string, unknown]> => [
    ...hostiles(),
    ['a circular value', circular()],
    ['a huge string', HUGE_STRING],
    ['a huge array', hugeArray()],
  ];

  it.each(values())('are written when the state is %s', async (_, value) => {
    const rt = makeRuntime();
    const pid = await rt.start(Echo, undefined);
    await GenServer.call(rt, pid, { type: 'state', value });
    const reports: unknown[] = [];
    rt.on('crash', (report) => reports.push(report));
    const exit = rt.awaitExit(pid);
    GenServer.cast(rt, pid, { type: 'crash', reason: new Error('crashed with a strange state') });
    expect(await exit).toBeInstanceOf(Error);
    expect(reports).toHaveLength(1);
    expect((reports[0] as { state: unknown }).state).toBe(value);
    const text = rt.log.text('error');
    expect(text).toMatch(
      /^GenServer <0\.\d+\.0> terminating\n\*\* \(reason\) Error: crashed with a strange state/,
    );
    expect(text).toMatch(/\nState: /);
    // Truncated: a huge state does not make a huge report.
    expect(text.length).toBeLessThan(5_000);
  });

  it.each(values())('are written when the last message is %s', async (_, value) => {
    const rt = makeRuntime();
    const pid = await rt.start(Echo, 'state');
    const exit = rt.awaitExit(pid);
    GenServer.cast(rt, pid, { type: 'crash', reason: 'boom', payload: value });
    expect(await exit).toBe('boom');
    const text = rt.log.text('error');
    expect(text).toMatch(/^GenServer <0\.\d+\.0> terminating\n\*\* \(reason\) boom\n/);
    expect(text).toMatch(/\nLast message: \{\s+type: 'crash',\s+reason: 'boom',\s+payload: /);
    expect(text).toMatch(/\nState: "state"$/);
    expect(text.length).toBeLessThan(5_000);
  });

  it.each(values())(
    'are written, and links and monitors see the reason, when a process exits with %s',
    async (_, value) => {
      const rt = makeRuntime();
      const seen = deferred<{ exit: Exit; down: Down }>();
      const observer = rt.spawn(async (self) => {
        self.trapExit(true);
        const child = self.spawnLink(async (c) => {
          await c.receive();
          throw value;
        });
        const ref = self.monitor(child);
        self.send(child, 'go');
        const exit = (await self.receive({ match: (m) => m instanceof Exit })) as Exit;
        const down = (await self.receive({
          match: (m) => m instanceof Down && m.ref === ref,
        })) as Down;
        seen.resolve({ exit, down });
      });
      const { exit, down } = await seen.promise;
      expect(exit.reason).toBe(value);
      expect(down.reason).toBe(value);
      expect(rt.isAlive(observer)).toBe(true);
      expect(rt.log.text('error')).toMatch(/^process <0\.\d+\.0> terminating\n\*\* \(reason\) /);
    },
  );

  it.each(hostiles())(
    'are written when a server stops with %s as its reason, and its caller gets a CallError',
    async (_, value) => {
      const rt = makeRuntime();
      const pid = await rt.start(Returns, undefined);
      // Not awaitExit: a promise cannot resolve with a hostile Proxy itself.
      const reasons: unknown[] = [];
      rt.on('exit', (who, reason) => who === pid && reasons.push(reason));
      const error = await GenServer.call(rt, pid, () => stop(value, 0)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CallError);
      expect((error as CallError).reason).toBe(value);
      expect(reasons).toHaveLength(1);
      expect(reasons[0]).toBe(value);
      expect(rt.isAlive(pid)).toBe(false);
      expect(rt.log.text('error')).toMatch(/^GenServer <0\.\d+\.0> terminating\n\*\* \(reason\) /);
    },
  );

  it.each(hostiles())(
    'keep %s as the state when handleCast returns it bare, and as the message handleInfo gets',
    async (_, value) => {
      const rt = makeRuntime();
      const pid = await rt.start(Returns, undefined);
      // Telling a result from a bare state reads the value: a throwing trap makes it a state.
      GenServer.cast(rt, pid, () => value);
      expect((await Sys.getStatus(rt, pid)).state).toBe(value);
      rt.send(pid, () => value);
      expect((await Sys.getStatus(rt, pid)).state).toBe(value);
      expect(rt.isAlive(pid)).toBe(true);
    },
  );

  it.each(hostiles())(
    'leave a server alive when it is sent %s as a plain message',
    async (_, value) => {
      const rt = makeRuntime();
      const pid = await rt.start(Echo, 'state');
      rt.send(pid, value);
      expect(await GenServer.call(rt, pid, { type: 'echo', value: 'still here' })).toBe(
        'still here',
      );
      expect(rt.log.text('warn')).toMatch(/received an unexpected message in handleInfo: /);
    },
  );

  it.each(hostiles())(
    'leave a supervisor running, its children untouched, when it is sent %s',
    async (_, value) => {
      const rt = makeRuntime();
      const ctx = await world(rt);
      const before = await Supervisor.whichChildren(rt, ctx.sup);
      rt.send(ctx.sup, value);
      rt.send(ctx.dsup, value);
      expect(await Supervisor.whichChildren(rt, ctx.sup)).toEqual(before);
      expect(await DynamicSupervisor.countChildren(rt, ctx.dsup)).toMatchObject({ active: 0 });
      await stillWorks(ctx);
    },
  );

  it.each(hostiles())(
    'restart a transient child that exits with %s, which is not a normal reason',
    async (_, value) => {
      const rt = makeRuntime();
      const sup = await rt.start(Supervisor, {
        children: [{ id: 'e', start: [Echo, 'e', { name: 'e' }], restart: 'transient' }],
      });
      const restarted = new Promise<unknown[]>((resolve) =>
        rt.once('restart', (...args) => resolve(args)),
      );
      GenServer.cast(rt, 'e', { type: 'crash', reason: value });
      const [, id, reason] = await restarted;
      expect(id).toBe('e');
      expect(reason).toBe(value);
      expect(rt.isAlive(sup)).toBe(true);
      expect(await GenServer.call(rt, 'e', { type: 'echo', value: 1 })).toBe(1);
    },
  );

  it('never throw from a logger that throws: the process still exits and its links see it', async () => {
    const throwing = {
      error: () => {
        throw new Error('logger down');
      },
      warn: () => {
        throw new Error('logger down');
      },
      info: () => {
        throw new Error('logger down');
      },
      debug: () => {},
    };
    const rt = makeRuntime({ logger: throwing });
    const pid = await rt.start(Echo, hostileProxy());
    const exit = rt.awaitExit(pid);
    GenServer.cast(rt, pid, { type: 'crash', reason: new Error('boom') });
    expect(await exit).toBeInstanceOf(Error);
    expect(rt.isAlive(pid)).toBe(false);
  });
});

describe('a logger that throws', () => {
  const throwing = {
    error: () => {
      throw new Error('logger down');
    },
    warn: () => {
      throw new Error('logger down');
    },
    info: () => {
      throw new Error('logger down');
    },
    debug: () => {},
  };

  it('cannot keep a server whose terminate throws from exiting with its reason', async () => {
    class BadTerminate extends GenServer<number, never, 'crash'> {
      override handleCast(): number {
        throw new Error('crash');
      }
      override terminate(): void {
        throw new Error('terminate failed too');
      }
    }
    const rt = makeRuntime({ logger: throwing });
    const pid = await rt.start(BadTerminate, 0);
    const exit = rt.awaitExit(pid);
    GenServer.cast(rt, pid, 'crash');
    expect(((await exit) as Error).message).toBe('crash');
    expect(rt.isAlive(pid)).toBe(false);
    expect(rt.stats.processes).toBe(0);
  });
});

describe('bad input, all in one runtime', () => {
  it('leaves nothing behind after shutdown', async () => {
    const rt = makeRuntime();
    const ctx = await world(rt);
    for (const c of cases) await outcome(() => c.call(ctx));
    expect(rt.isAlive(ctx.sup)).toBe(true);
    await stillWorks(ctx);
    await rt.shutdown();
    expect(rt.processes()).toEqual([]);
    expect(rt.registered()).toEqual([]);
    expect(rt.stats).toEqual({ processes: 0, names: 0, timers: 0, runQueue: 0 });
  });
});
