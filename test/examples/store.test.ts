import { execFile } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { fileURLToPath } from 'node:url';
import {
  AlreadyStartedError,
  CallError,
  CallTimeoutError,
  type CrashReport,
  Down,
  type ExitReason,
  GenServer,
  NoProcError,
  Pid,
  type Runtime,
  Supervisor,
  Sys,
  Timeout,
  Tuple,
} from 'otp-ts';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  type Application,
  type SignalSource,
  startApplication,
} from '../../examples/store/application.js';
import { CoreStore } from '../../examples/store/core-store.js';
import * as Management from '../../examples/store/management.js';
import { Store } from '../../examples/store/store.js';
import { StoreSupervisor } from '../../examples/store/store-supervisor.js';
import { type Deferred, deferred, makeRuntime, rejection } from '../helpers.js';

// ── Helpers ──────────────────────────────────────────────────────────────────

type RestartArgs = [
  supervisor: Pid,
  id: unknown,
  reason: ExitReason,
  oldPid: Pid | undefined,
  newPid: Pid | undefined,
];

/** Resolves with the next 'restart' event for child `id`. Set it up before the crash. */
function nextRestart(rt: Runtime, id: string): Promise<RestartArgs> {
  return new Promise((resolve) => {
    const listener = (...args: RestartArgs): void => {
      if (args[1] !== id) return;
      rt.off('restart', listener);
      resolve(args);
    };
    rt.on('restart', listener);
  });
}

/** Resolves with the next crash report of the process registered as `name`. */
function nextCrash(rt: Runtime, name: string): Promise<CrashReport> {
  return new Promise((resolve) => {
    const listener = (report: CrashReport): void => {
      if (report.name !== name) return;
      rt.off('crash', listener);
      resolve(report);
    };
    rt.on('crash', listener);
  });
}

/**
 * Monitors `pid` from a process of its own; resolves, once the monitor is set, with
 * the promise of the reason its `Down` message carries.
 */
async function monitor(rt: Runtime, pid: Pid): Promise<{ down: Promise<ExitReason> }> {
  const ready = deferred();
  const down = deferred<ExitReason>();
  rt.spawn(async (self) => {
    const ref = self.monitor(pid);
    ready.resolve();
    const message = await self.receive({ match: (m) => m instanceof Down && m.ref === ref });
    down.resolve((message as Down).reason);
  });
  await ready.promise;
  return { down: down.promise };
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

/** A stand-in for `process` as a signal source, so tests never send real signals. */
function fakeSignals(): EventEmitter & SignalSource {
  return new EventEmitter() as EventEmitter & SignalSource;
}

/** Starts the application in a fresh runtime, listening to a fake signal source. */
async function startApp(): Promise<{
  rt: ReturnType<typeof makeRuntime>;
  app: Application;
  signals: EventEmitter & SignalSource;
}> {
  const rt = makeRuntime();
  const signals = fakeSignals();
  const app = await startApplication(rt, { signalSource: signals });
  return { rt, app, signals };
}

const test1 = (): Store => new Store({ name: 'Test1', employees: 2 });
const test2 = (): Store => new Store({ name: 'Test2', employees: 2 });

/** Kills `name` with an untrappable exit signal and waits for its supervisor to restart it. */
async function killAndAwaitRestart(rt: Runtime, name: string): Promise<RestartArgs> {
  const restarted = nextRestart(rt, name);
  rt.exit(rt.whereis(name)!, 'kill');
  return restarted;
}

// ── Store ────────────────────────────────────────────────────────────────────

describe('Store', () => {
  it('is a frozen record of a name and a number of employees', () => {
    const store = new Store({ name: 'test1', employees: 2 });
    expect(store).toMatchObject({ name: 'test1', employees: 2 });
    expect(Object.isFrozen(store)).toBe(true);
    expect(new Store({ ...store, employees: 6 })).toEqual(
      new Store({ name: 'test1', employees: 6 }),
    );
  });

  it.each([
    [{ employees: 2 }, /`name`.*got nothing \(the key is missing\)/],
    [{ name: '', employees: 2 }, /`name` must be a non-empty string, got ''/],
    [{ name: 7, employees: 2 }, /`name` must be a non-empty string, got 7/],
  ])('throws a TypeError naming `name` for %o', (fields, message) => {
    const error = thrown(() => new Store(fields as never));
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(message);
  });

  it.each([
    [{ name: 'x' }, /`employees`.*got nothing \(the key is missing\)/],
    [{ name: 'x', employees: -1 }, /`employees` must be an integer >= 0, got -1/],
    [{ name: 'x', employees: 1.5 }, /`employees` must be an integer >= 0, got 1.5/],
    [{ name: 'x', employees: '2' }, /`employees` must be an integer >= 0, got '2'/],
    [{ name: 'x', employees: Number.NaN }, /`employees` must be an integer >= 0, got NaN/],
  ])('throws a TypeError naming `employees` for %o', (fields, message) => {
    const error = thrown(() => new Store(fields as never));
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(message);
  });

  it('throws a TypeError for no fields at all', () => {
    expect(() => new Store(undefined as never)).toThrow(TypeError);
  });
});

// ── CoreStore ────────────────────────────────────────────────────────────────

describe('CoreStore', () => {
  it("keeps the store as its state and replies it to the call 'store'", async () => {
    const rt = makeRuntime();
    const store = new Store({ name: 'test1', employees: 2 });
    const pid = await rt.start(CoreStore, store, { name: 'test1' });
    expect(rt.whereis('test1')).toBe(pid);
    await expect(GenServer.call(rt, 'test1', 'store')).resolves.toBe(store);
    const reply = GenServer.ref<typeof CoreStore>(rt, 'test1').call('store');
    expectTypeOf(reply).toEqualTypeOf<Promise<Store>>();
  });

  it("answers Elixir's terms: :store with a %Store.Struct{} map, :pid with its pid, {:add_employees, n} as a cast", async () => {
    const rt = makeRuntime();
    const pid = await rt.start(CoreStore, new Store({ name: 'Test1', employees: 2 }), {
      name: 'Test1',
    });
    GenServer.cast(rt, 'Test1', new Tuple(Symbol.for('add_employees'), 4));
    expect(await GenServer.call(rt, 'Test1', Symbol.for('store'))).toEqual(
      new Map<symbol, unknown>([
        [Symbol.for('__struct__'), Symbol.for('Elixir.Store.Struct')],
        [Symbol.for('name'), 'Test1'],
        [Symbol.for('employees'), 6],
      ]),
    );
    expect(await GenServer.call(rt, 'Test1', Symbol.for('pid'))).toBe(pid);
    const crash = nextCrash(rt, 'Test1');
    GenServer.cast(rt, 'Test1', new Tuple(Symbol.for('remove_employees'), 1));
    expect(((await crash).reason as Error).message).toBe(
      'store "Test1" got an unknown cast Tuple { elements: [ Symbol(remove_employees), 1 ] }; it takes {:add_employees, amount}',
    );
  });

  it('applies a cast before a call that follows it from the same caller', async () => {
    const rt = makeRuntime();
    await rt.start(CoreStore, new Store({ name: 'test1', employees: 2 }), { name: 'test1' });
    expect(GenServer.cast(rt, 'test1', { type: 'addEmployees', amount: 4 })).toBeUndefined();
    await expect(GenServer.call(rt, 'test1', 'store')).resolves.toEqual(
      new Store({ name: 'test1', employees: 6 }),
    );

    // The same from inside a process.
    const seen = deferred<unknown>();
    rt.spawn(async (self) => {
      for (let i = 0; i < 10; i++)
        GenServer.cast(self, 'test1', { type: 'addEmployees', amount: 1 });
      seen.resolve(await GenServer.call(self, 'test1', 'store'));
    });
    expect(await seen.promise).toEqual(new Store({ name: 'test1', employees: 16 }));
  });

  it('refuses a second store under a taken name with AlreadyStartedError, leaving the first untouched', async () => {
    const rt = makeRuntime();
    const pid = await rt.start(CoreStore, new Store({ name: 'test1', employees: 2 }), {
      name: 'test1',
    });
    GenServer.cast(rt, 'test1', { type: 'addEmployees', amount: 4 });
    const error = await rejection(
      rt.start(CoreStore, new Store({ name: 'test1', employees: 9 }), { name: 'test1' }),
    );
    expect(error).toBeInstanceOf(AlreadyStartedError);
    expect((error as AlreadyStartedError).pid).toBe(pid);
    expect((error as Error).message).toContain(String(pid));
    expect(rt.whereis('test1')).toBe(pid);
    await expect(GenServer.call(rt, 'test1', 'store')).resolves.toEqual(
      new Store({ name: 'test1', employees: 6 }),
    );
    expect(rt.log.text('error')).toBe('');
  });

  it('logs an unexpected plain message and keeps its pid and state', async () => {
    const { rt } = await startApp();
    const pid = rt.whereis('Test1')!;
    Management.addEmployees(rt, test1(), 3);
    rt.send('Test1', { type: 'hello' });
    // The call is handled after the message (same sender, same order), by the same process.
    await expect(Management.getStore(rt, test1())).resolves.toEqual(
      new Store({ name: 'Test1', employees: 5 }),
    );
    expect(rt.whereis('Test1')).toBe(pid);
    expect(rt.log.text('warn')).toMatch(/"Test1".*unexpected message.*type: 'hello'/);
    expect(rt.log.text('error')).toBe('');
  });

  it('rejects a call to a missing name or a dead pid with NoProcError naming it; a cast to either is dropped', async () => {
    const rt = makeRuntime();
    const missing = await rejection(GenServer.call(rt, 'Nobody', 'store'));
    expect(missing).toBeInstanceOf(NoProcError);
    expect(missing).toMatchObject({ reason: 'noproc', dest: 'Nobody' });
    expect((missing as Error).message).toContain('"Nobody"');

    const pid = await rt.start(CoreStore, new Store({ name: 'test1', employees: 2 }), {
      name: 'test1',
    });
    await GenServer.stop(rt, pid);
    const dead = await rejection(GenServer.call(rt, pid, 'store'));
    expect(dead).toBeInstanceOf(NoProcError);
    expect(dead).toMatchObject({ reason: 'noproc', dest: pid });
    expect((dead as Error).message).toContain(String(pid));

    expect(() => GenServer.cast(rt, 'Nobody', { type: 'addEmployees', amount: 1 })).not.toThrow();
    expect(() => GenServer.cast(rt, pid, { type: 'addEmployees', amount: 1 })).not.toThrow();
    expect(rt.log.text('error')).toBe('');
  });

  it('rejects a call with a 100 ms timeout to a store busy in a slow handler with CallTimeoutError; the late reply never reaches the caller', async () => {
    /** A store whose handler of `{ type: 'work' }` takes as long as the test wants. */
    class SlowStore extends CoreStore {
      static gate: Deferred<void>;
      override async handleInfo(message: unknown, store: Store): Promise<Store> {
        if (typeof message === 'object' && message !== null && 'type' in message)
          await SlowStore.gate.promise;
        return store;
      }
    }
    SlowStore.gate = deferred();
    const rt = makeRuntime();
    const store = new Store({ name: 'slow', employees: 2 });
    const pid = await rt.start(SlowStore, store, { name: 'slow' });
    rt.send('slow', { type: 'work' });

    const timedOut = deferred<unknown>();
    const after = deferred<{ second: unknown; mailbox: unknown; queue: number | undefined }>();
    const caller = rt.spawn(async (self) => {
      timedOut.resolve(await rejection(GenServer.call(self, 'slow', 'store', 100)));
      // Once the store is free again it answers the late call first, then this one:
      // by then the late reply would have come, if it ever could.
      const second = await GenServer.call(self, 'slow', 'store');
      const queue = rt.info(self.pid)?.messageQueueLen;
      after.resolve({ second, mailbox: await self.receive({ timeout: 0 }), queue });
    });

    const error = await timedOut.promise;
    expect(error).toBeInstanceOf(CallTimeoutError);
    expect(error).toMatchObject({ reason: 'timeout', dest: 'slow', timeout: 100 });
    expect((error as Error).message).toMatch(/"slow" timed out after 100 ms/);
    SlowStore.gate.resolve();

    const { second, mailbox, queue } = await after.promise;
    expect(second).toBe(store);
    expect(mailbox).toBe(Timeout);
    expect(queue).toBe(0);
    expect(rt.isAlive(caller)).toBe(true);
    expect(rt.whereis('slow')).toBe(pid);
    expect(rt.log.text('error')).toBe('');
  });
});

// ── Management ───────────────────────────────────────────────────────────────

describe('Management.open', () => {
  it('starts a store registered under its name, unsupervised', async () => {
    const rt = makeRuntime();
    const pid = await Management.open(rt, new Store({ name: 'test2', employees: 3 }));
    expect(rt.whereis('test2')).toBe(pid);
    expect(rt.info(pid)?.links).toEqual([]);
  });

  it('rejects with AlreadyStartedError carrying the running pid for a taken name', async () => {
    const rt = makeRuntime();
    const store = new Store({ name: 'test2', employees: 3 });
    const pid = await Management.open(rt, store);
    Management.addEmployees(rt, store, 4);
    const error = await rejection(Management.open(rt, new Store({ name: 'test2', employees: 1 })));
    expect(error).toBeInstanceOf(AlreadyStartedError);
    expect((error as AlreadyStartedError).pid).toBe(pid);
    await expect(Management.getStore(rt, store)).resolves.toEqual(
      new Store({ name: 'test2', employees: 7 }),
    );
  });

  it('rejects (never throws) with a TypeError for something that is not a Store', async () => {
    const rt = makeRuntime();
    const result = Management.open(rt, { name: 'test2', employees: 3 } as Store);
    await expect(result).rejects.toThrow(TypeError);
    await expect(result).rejects.toThrow(/Management.open: expected `store` to be a Store/);
    expect(rt.whereis('test2')).toBeUndefined();
  });
});

describe('Management.getStore', () => {
  it('reads the store its process holds now', async () => {
    const rt = makeRuntime();
    const store = new Store({ name: 'test2', employees: 3 });
    await Management.open(rt, store);
    Management.addEmployees(rt, store, 4);
    await expect(Management.getStore(rt, store)).resolves.toEqual(
      new Store({ name: 'test2', employees: 7 }),
    );
  });

  it('rejects with NoProcError naming a store that is not running', async () => {
    const rt = makeRuntime();
    const error = await rejection(
      Management.getStore(rt, new Store({ name: 'Nowhere', employees: 0 })),
    );
    expect(error).toBeInstanceOf(NoProcError);
    expect(error).toMatchObject({ dest: 'Nowhere' });
    expect((error as Error).message).toContain('"Nowhere"');
  });

  it('rejects (never throws) with a TypeError for something that is not a Store', async () => {
    const rt = makeRuntime();
    await expect(Management.getStore(rt, 'Test1' as unknown as Store)).rejects.toThrow(TypeError);
  });
});

describe('Management.addEmployees', () => {
  it.each([
    ['four', TypeError, /expected `amount` to be an integer >= 0, got string 'four'/],
    [undefined, TypeError, /got undefined/],
    [4n, TypeError, /got bigint 4n/],
    [1.5, RangeError, /got 1.5/],
    [-1, RangeError, /got -1/],
    [Number.NaN, RangeError, /got NaN/],
    [Number.POSITIVE_INFINITY, RangeError, /got Infinity/],
  ])(
    'throws before casting for the amount %o, so the store neither sees it nor crashes',
    async (amount, ErrorClass, message) => {
      const { rt } = await startApp();
      const pid = rt.whereis('Test1')!;
      const error = thrown(() => Management.addEmployees(rt, test1(), amount as number));
      expect(error).toBeInstanceOf(ErrorClass);
      expect((error as Error).message).toMatch(/^Management.addEmployees: /);
      expect((error as Error).message).toMatch(message);
      await expect(Management.getStore(rt, test1())).resolves.toEqual(test1());
      expect(rt.whereis('Test1')).toBe(pid);
      expect(rt.log.text('error')).toBe('');
    },
  );

  it('throws a TypeError for something that is not a Store', () => {
    const rt = makeRuntime();
    expect(() => Management.addEmployees(rt, null as unknown as Store, 1)).toThrow(TypeError);
  });

  it('drops the cast, as any cast, when the store is not running', () => {
    const rt = makeRuntime();
    expect(() =>
      Management.addEmployees(rt, new Store({ name: 'Nowhere', employees: 0 }), 1),
    ).not.toThrow();
    expect(rt.log.entries).toEqual([]);
  });
});

// ── StoreSupervisor under the application ────────────────────────────────────

describe('StoreSupervisor', () => {
  it('runs Test1 and Test2 with 2 employees each; the root runs the store supervisor', async () => {
    const { rt, app } = await startApp();
    expect(rt.registered().sort()).toEqual(
      ['OtpTest.Supervisor', 'Store.Supervisor', 'Test1', 'Test2'].sort(),
    );
    expect(rt.whereis('OtpTest.Supervisor')).toBe(app.pid);
    await expect(Management.getStore(rt, test1())).resolves.toEqual(test1());
    await expect(Management.getStore(rt, test2())).resolves.toEqual(test2());

    expect(await Supervisor.whichChildren(rt, 'Store.Supervisor')).toEqual([
      { id: 'Test1', pid: rt.whereis('Test1'), type: 'worker' },
      { id: 'Test2', pid: rt.whereis('Test2'), type: 'worker' },
    ]);
    expect(await Supervisor.countChildren(rt, 'Store.Supervisor')).toEqual({
      specs: 2,
      active: 2,
      supervisors: 0,
      workers: 2,
    });
    expect(await Supervisor.whichChildren(rt, 'OtpTest.Supervisor')).toEqual([
      { id: 'Store.Supervisor', pid: rt.whereis('Store.Supervisor'), type: 'supervisor' },
    ]);
    expect(await Supervisor.countChildren(rt, 'OtpTest.Supervisor')).toEqual({
      specs: 1,
      active: 1,
      supervisors: 1,
      workers: 0,
    });
    expect((await Sys.getState<{ strategy: string }>(rt, 'Store.Supervisor')).strategy).toBe(
      'one_for_one',
    );
  });

  it('restarts a killed store under its name with a new pid, in its place, back to 2 employees; its sibling keeps its state', async () => {
    const { rt } = await startApp();
    Management.addEmployees(rt, test1(), 3);
    Management.addEmployees(rt, test2(), 5);
    await Management.getStore(rt, test2());
    const old = rt.whereis('Test1')!;
    const sibling = rt.whereis('Test2')!;

    const [sup, id, reason, oldPid, newPid] = await killAndAwaitRestart(rt, 'Test1');
    expect(sup).toBe(rt.whereis('Store.Supervisor'));
    expect([id, reason, oldPid]).toEqual(['Test1', 'killed', old]);
    expect(newPid).toBeInstanceOf(Pid);
    expect(newPid).not.toBe(old);
    expect(rt.whereis('Test1')).toBe(newPid);

    expect(await Supervisor.whichChildren(rt, 'Store.Supervisor')).toEqual([
      { id: 'Test1', pid: newPid, type: 'worker' },
      { id: 'Test2', pid: sibling, type: 'worker' },
    ]);
    expect((await Supervisor.countChildren(rt, 'Store.Supervisor')).active).toBe(2);
    await expect(Management.getStore(rt, test1())).resolves.toEqual(test1());
    await expect(Management.getStore(rt, test2())).resolves.toEqual(
      new Store({ name: 'Test2', employees: 7 }),
    );
  });

  it("Sys.terminate('Test1', 'kill') runs terminate, logs a crash report and a monitor sees 'kill'; the store is restarted", async () => {
    const { rt } = await startApp();
    Management.addEmployees(rt, test1(), 3);
    const old = rt.whereis('Test1')!;
    const { down } = await monitor(rt, old);
    const crash = nextCrash(rt, 'Test1');
    const restarted = nextRestart(rt, 'Test1');

    await Sys.terminate(rt, 'Test1', 'kill');
    expect(await down).toBe('kill');
    const report = await crash;
    expect(report).toMatchObject({
      pid: old,
      name: 'Test1',
      reason: 'kill',
      behaviour: 'GenServer',
      lastMessage: { sys: 'terminate', reason: 'kill' },
      state: new Store({ name: 'Test1', employees: 5 }),
    });
    const logged = rt.log.text('error');
    expect(logged).toContain(`GenServer "Test1" (${old}) terminating`);
    expect(logged).toContain('** (reason) kill');
    expect(logged).toContain("Last message: { sys: 'terminate', reason: 'kill' }");
    expect(logged).toContain("State: Store { name: 'Test1', employees: 5 }");
    expect(rt.log.text('info')).toContain(
      'store "Test1" terminating (reason: kill) with 5 employees',
    );

    const [, , reason, oldPid, newPid] = await restarted;
    expect([reason, oldPid]).toEqual(['kill', old]);
    expect(rt.whereis('Test1')).toBe(newPid);
    await expect(Management.getStore(rt, test1())).resolves.toEqual(test1());
  });

  it("rt.exit(pid, 'kill') runs no terminate and logs no crash report; a monitor sees 'killed'; the store is restarted", async () => {
    const { rt } = await startApp();
    const old = rt.whereis('Test1')!;
    const { down } = await monitor(rt, old);
    const crashes: CrashReport[] = [];
    rt.on('crash', (report) => crashes.push(report));

    const [, , reason, oldPid, newPid] = await killAndAwaitRestart(rt, 'Test1');
    expect(await down).toBe('killed');
    expect([reason, oldPid]).toEqual(['killed', old]);
    expect(rt.whereis('Test1')).toBe(newPid);
    expect(crashes).toEqual([]);
    expect(rt.log.text('error')).toBe('');
    expect(rt.log.text('info')).not.toContain('terminating');
    await expect(Management.getStore(rt, test1())).resolves.toEqual(test1());
  });

  it('survives an exception in its cast handler: the sender goes on, a crash report shows the stack, last message and state, and it restarts at 2', async () => {
    const { rt } = await startApp();
    Management.addEmployees(rt, test1(), 3);
    const old = rt.whereis('Test1')!;
    const crash = nextCrash(rt, 'Test1');
    const restarted = nextRestart(rt, 'Test1');

    // A raw cast skips the facade's check: `2 + 3 + 'four'` is no number of employees.
    const after = deferred<string>();
    const sender = rt.spawn(async (self) => {
      GenServer.cast(self, 'Test1', { type: 'addEmployees', amount: 'four' as unknown as number });
      after.resolve('the sender went on');
      await self.receive(); // Stays alive until the runtime shuts down.
    });
    expect(await after.promise).toBe('the sender went on');

    const report = await crash;
    expect(report.reason).toBeInstanceOf(TypeError);
    expect((report.reason as Error).message).toMatch(/`employees` must be an integer >= 0/);
    expect(report).toMatchObject({
      pid: old,
      name: 'Test1',
      lastMessage: { type: 'addEmployees', amount: 'four' },
      state: new Store({ name: 'Test1', employees: 5 }),
    });
    const logged = rt.log.text('error');
    expect(logged).toContain(`GenServer "Test1" (${old}) terminating`);
    expect(logged).toMatch(/\*\* \(reason\) TypeError: new Store: the key `employees`/);
    expect(logged).toMatch(/\n\s+at .*core-store\.ts/); // The stack, down to the handler.
    expect(logged).toContain("Last message: { type: 'addEmployees', amount: 'four' }");
    expect(logged).toContain("State: Store { name: 'Test1', employees: 5 }");

    const [, , reason, , newPid] = await restarted;
    expect(reason).toBe(report.reason);
    expect(rt.whereis('Test1')).toBe(newPid);
    expect(rt.isAlive(sender)).toBe(true);
    await expect(Management.getStore(rt, test1())).resolves.toEqual(test1());
  });

  it("ends on an unknown call, which rejects with the store's reason; the store is restarted", async () => {
    const { rt } = await startApp();
    const old = rt.whereis('Test1')!;
    const crash = nextCrash(rt, 'Test1');
    const restarted = nextRestart(rt, 'Test1');

    const error = await rejection(GenServer.call(rt, 'Test1', 'employees'));
    expect(error).toBeInstanceOf(CallError);
    expect(error).not.toBeInstanceOf(NoProcError);
    expect(error).not.toBeInstanceOf(CallTimeoutError);
    const reason = (error as CallError).reason;
    expect(reason).toBeInstanceOf(Error);
    expect((reason as Error).message).toBe(
      `store "Test1" got an unknown call 'employees'; it answers 'store'`,
    );
    expect((error as Error).message).toContain('unknown call');

    const report = await crash;
    expect(report).toMatchObject({ pid: old, reason, lastMessage: 'employees' });
    expect(rt.log.text('error')).toContain('** (reason) Error: store "Test1" got an unknown call');

    const [, , restartReason, , newPid] = await restarted;
    expect(restartReason).toBe(reason);
    expect(newPid).not.toBe(old);
    await expect(Management.getStore(rt, test1())).resolves.toEqual(test1());
  });

  it.each([
    ['Test1 four times', ['Test1', 'Test1', 'Test1', 'Test1']],
    ['Test1 and Test2 in turn', ['Test1', 'Test2', 'Test1', 'Test2']],
  ])(
    'gives up after four store crashes within five seconds (%s): the root starts a fresh store supervisor with fresh stores',
    async (_, victims) => {
      const { rt } = await startApp();
      Management.addEmployees(rt, test2(), 5); // Test2, even if it never crashes, starts again at 2.
      await expect(Management.getStore(rt, test2())).resolves.toEqual(
        new Store({ name: 'Test2', employees: 7 }),
      );
      const oldSup = rt.whereis('Store.Supervisor')!;
      const oldTest2 = rt.whereis('Test2')!;
      const supExit = rt.awaitExit(oldSup);

      for (const name of victims.slice(0, 3)) await killAndAwaitRestart(rt, name);
      const rootRestart = nextRestart(rt, 'Store.Supervisor');
      rt.exit(rt.whereis(victims[3]!)!, 'kill'); // The fourth.

      expect(await supExit).toBe('shutdown');
      const [root, id, reason, oldPid, newSup] = await rootRestart;
      expect(root).toBe(rt.whereis('OtpTest.Supervisor'));
      expect([id, reason, oldPid]).toEqual(['Store.Supervisor', 'shutdown', oldSup]);
      expect(newSup).not.toBe(oldSup);
      expect(rt.whereis('Store.Supervisor')).toBe(newSup);
      expect(rt.isAlive(oldTest2)).toBe(false);
      expect(rt.log.text('error')).toMatch(/"Store.Supervisor".*maximum restart intensity/);

      expect(await Supervisor.whichChildren(rt, 'Store.Supervisor')).toEqual([
        { id: 'Test1', pid: rt.whereis('Test1'), type: 'worker' },
        { id: 'Test2', pid: rt.whereis('Test2'), type: 'worker' },
      ]);
      await expect(Management.getStore(rt, test1())).resolves.toEqual(test1());
      await expect(Management.getStore(rt, test2())).resolves.toEqual(test2());
    },
  );

  it('has the child spec the root needs: id and name Store.Supervisor, a supervisor', () => {
    expect(StoreSupervisor.childSpec()).toEqual({
      id: 'Store.Supervisor',
      start: [StoreSupervisor, undefined, { name: 'Store.Supervisor' }],
      type: 'supervisor',
      shutdown: 'infinity',
    });
    expect(CoreStore.childSpec(test1())).toEqual({
      id: 'Test1',
      start: [CoreStore, test1(), { name: 'Test1' }],
    });
    expect(() => CoreStore.childSpec({ name: 'Test1' } as Store)).toThrow(TypeError);
  });
});

// ── The application ──────────────────────────────────────────────────────────

describe('startApplication', () => {
  it('stops cleanly on app.stop(): every process exits, no crash report, names freed; stop again is harmless', async () => {
    const { rt, app, signals } = await startApp();
    const pids = ['OtpTest.Supervisor', 'Store.Supervisor', 'Test1', 'Test2'].map(
      (name) => rt.whereis(name)!,
    );
    expect(app.status).toBe('running');
    expect(signals.listenerCount('SIGINT')).toBe(1);
    expect(signals.listenerCount('SIGTERM')).toBe(1);

    await expect(app.stop()).resolves.toEqual({ reason: 'shutdown', cause: 'stop' });
    await expect(app.stopped).resolves.toEqual({ reason: 'shutdown', cause: 'stop' });
    expect(app.status).toBe('stopped');
    for (const pid of pids) expect(rt.isAlive(pid)).toBe(false);
    expect(rt.registered()).toEqual([]);
    expect(rt.log.text('error')).toBe('');
    expect(signals.listenerCount('SIGINT')).toBe(0);
    expect(signals.listenerCount('SIGTERM')).toBe(0);
    await expect(app.stop()).resolves.toEqual({ reason: 'shutdown', cause: 'stop' });
  });

  it.each(['SIGINT', 'SIGTERM'] as const)(
    'stops cleanly on %s and removes its signal listeners',
    async (signal) => {
      const { rt, app, signals } = await startApp();
      const test1Pid = rt.whereis('Test1')!;
      signals.emit(signal);
      expect(signals.listenerCount('SIGINT')).toBe(0); // At once: a second signal is Node's again.
      expect(signals.listenerCount('SIGTERM')).toBe(0);
      signals.emit(signal); // Harmless.
      await expect(app.stopped).resolves.toEqual({ reason: 'shutdown', cause: 'signal', signal });
      expect(rt.isAlive(test1Pid)).toBe(false);
      expect(rt.registered()).toEqual([]);
      expect(rt.log.text('error')).toBe('');
    },
  );

  it('listens on process by default and removes its listeners once stopped', async () => {
    const rt = makeRuntime();
    const before = [process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')];
    const app = await startApplication(rt);
    expect([process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')]).toEqual([
      before[0]! + 1,
      before[1]! + 1,
    ]);
    await app.stop();
    expect([process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')]).toEqual(before);
  });

  it('listens to no signal with `signals: []`', async () => {
    const rt = makeRuntime();
    const signals = fakeSignals();
    const app = await startApplication(rt, { signals: [], signalSource: signals });
    expect(signals.eventNames()).toEqual([]);
    await app.stop();
  });

  it('rejects with AlreadyStartedError while it runs', async () => {
    const { rt, app } = await startApp();
    const error = await rejection(startApplication(rt, { signals: [] }));
    expect(error).toBeInstanceOf(AlreadyStartedError);
    expect((error as AlreadyStartedError).pid).toBe(app.pid);
  });

  it('stops after four store-supervisor deaths within five seconds; Node.js stays up and it can start again', async () => {
    const { rt, app, signals } = await startApp();
    for (let i = 0; i < 3; i++) await killAndAwaitRestart(rt, 'Store.Supervisor');
    rt.exit(rt.whereis('Store.Supervisor')!, 'kill'); // The fourth.

    await expect(app.stopped).resolves.toEqual({ reason: 'shutdown', cause: 'exit' });
    expect(app.status).toBe('stopped');
    expect(rt.registered()).toEqual([]);
    expect(signals.eventNames()).toEqual([]);
    expect(rt.log.text('error')).toMatch(/"OtpTest.Supervisor".*maximum restart intensity/);
    expect(rt.log.text('info')).toContain('application otp_test exited: shutdown');
    await expect(app.stop()).resolves.toEqual({ reason: 'shutdown', cause: 'exit' });

    const again = await startApplication(rt, { signalSource: signals });
    expect(again.pid).not.toBe(app.pid);
    await expect(Management.getStore(rt, test1())).resolves.toEqual(test1());
    await again.stop();
  });
});

// ── The demo ─────────────────────────────────────────────────────────────────

describe('npm start (examples/store/main.ts)', () => {
  it('prints the whole transcript and exits by itself with code 0', async () => {
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const tsx = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));
    const { code, stdout, stderr } = await new Promise<{
      code: number | null;
      stdout: string;
      stderr: string;
    }>((resolve) => {
      const child = execFile(
        tsx,
        ['examples/store/main.ts'],
        { cwd: root, timeout: 90_000, env: { ...process.env, NO_COLOR: '1' } },
        (_error, stdout, stderr) => resolve({ code: child.exitCode, stdout, stderr }),
      );
    });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const lines = [
      "Store { name: 'test1', employees: 6 }",
      'AlreadyStartedError: cannot start a process as "test1"',
      "Store { name: 'test2', employees: 7 }",
      'RangeError: Management.addEmployees: expected `amount` to be an integer >= 0, got 1.5',
      "{ id: 'Test1', pid: <0.",
      "{ id: 'Test2', pid: <0.",
      '{ specs: 2, active: 2, supervisors: 0, workers: 2 }',
      "[ { id: 'Store.Supervisor', pid: <0.",
      '{ specs: 1, active: 1, supervisors: 1, workers: 0 }',
      "Store { name: 'Test1', employees: 5 }",
      "> await Sys.terminate(rt, 'Test1', 'kill')",
      '[error] GenServer "Test1"',
      '** (reason) kill',
      "Last message: { sys: 'terminate', reason: 'kill' }",
      'restarted child "Test1" (reason: kill)',
      'a new pid (was <0.',
      "Store { name: 'Test1', employees: 2 }",
      "Store { name: 'Test2', employees: 7 }",
      "{ reason: 'shutdown', cause: 'stop' }",
      'Done: nothing is left running',
    ];
    let from = 0;
    for (const line of lines) {
      const at = stdout.indexOf(line, from);
      expect(at, `transcript line ${JSON.stringify(line)}, in order`).toBeGreaterThanOrEqual(0);
      from = at + line.length;
    }
    // whereis('Test1') before and after the kill: two different pids.
    const pids = [...stdout.matchAll(/> rt\.whereis\('Test1'\)\n\s+(<[\d.]+>)/g)].map((m) => m[1]);
    expect(pids).toHaveLength(2);
    expect(pids[0]).not.toBe(pids[1]);
  }, 120_000);
});

// ── With messages copied ─────────────────────────────────────────────────────

describe("the store demo with messages: 'copy'", () => {
  it("runs the tutorial: a Store comes back as a Store, a copy of the server's", async () => {
    const rt = makeRuntime({ messages: 'copy' });
    // The application starts Test1 and Test2 under its supervisors, with 2 employees each.
    const app = await startApplication(rt, { signalSource: fakeSignals() });
    Management.addEmployees(rt, test1(), 4);
    const store = await Management.getStore(rt, test1());
    expect(store).toBeInstanceOf(Store);
    expect(store).toEqual(new Store({ name: 'Test1', employees: 6 }));
    // A copy: changing it changes nothing in the server.
    (store as { employees: number }).employees = 1_000;
    expect((await Management.getStore(rt, test1())).employees).toBe(6);
    const before = rt.whereis('Test1');
    const restarted = await killAndAwaitRestart(rt, 'Test1');
    expect(restarted[4]).not.toBe(before);
    expect(await Management.getStore(rt, test1())).toEqual(
      new Store({ name: 'Test1', employees: 2 }),
    );
    await app.stop();
  });
});
