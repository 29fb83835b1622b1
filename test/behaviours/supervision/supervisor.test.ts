import { describe, expect, it } from 'vitest';
import { RestartIntensity } from '../../../src/behaviours/supervision/intensity.js';
import {
  type ChildSpec,
  type ExitReason,
  type From,
  GenServer,
  InvalidChildSpecError,
  ignore,
  NoProcError,
  Pid,
  type Runtime,
  reply,
  StartError,
  Supervisor,
  SupervisorError,
  type SupervisorSpec,
  Sys,
} from '../../../src/index.js';
import type { TestRuntime } from '../../../src/testing/index.js';
import { deferred, makeRuntime, makeTestRuntime, type Probe, probe } from '../../helpers.js';

/** The error reports a TestRuntime logged, as one text. */
function errors(rt: TestRuntime): string {
  return rt.logs
    .filter((entry) => entry.level === 'error')
    .map((entry) => entry.message)
    .join('\n');
}

// ── A worker that reports its life to a probe ────────────────────────────────

interface WorkerArg {
  id: string;
  /** Where `{ event: 'start' | 'stop', id, reason }` go. */
  log?: Pid;
  /** Trap exits, so that terminate runs when the supervisor stops it. */
  trap?: boolean;
  /** init throws this. */
  fail?: unknown;
  /** init throws while this returns true. */
  failIf?: () => boolean;
  /** init returns ignore(). */
  ignore?: boolean;
  /** terminate waits for this before it returns. */
  gate?: Promise<void>;
  /** Called as terminate begins. */
  onTerminate?: () => void;
}

interface WorkerState {
  arg: WorkerArg;
  count: number;
}

interface LifeEvent {
  event: 'start' | 'stop';
  id: string;
  reason?: ExitReason;
}

class Worker extends GenServer<WorkerState, 'count' | 'arg', 'inc' | 'crash'> {
  override init(arg: WorkerArg | undefined) {
    const a = arg ?? { id: 'Worker' };
    if (a.fail !== undefined) throw a.fail;
    if (a.failIf?.() === true) throw new Error(`${a.id} refuses to start`);
    if (a.ignore === true) return ignore();
    if (a.trap === true) this.self.trapExit(true);
    if (a.log !== undefined)
      this.self.send(a.log, { event: 'start', id: a.id } satisfies LifeEvent);
    return { arg: a, count: 0 };
  }

  override handleCall(request: 'count' | 'arg', _from: From, state: WorkerState) {
    return reply(request === 'count' ? state.count : state.arg, state);
  }

  override handleCast(request: 'inc' | 'crash', state: WorkerState): WorkerState {
    if (request === 'crash') throw new Error(`${state.arg.id} crashed`);
    return { ...state, count: state.count + 1 };
  }

  override async terminate(reason: ExitReason, state: WorkerState): Promise<void> {
    const { log, id, gate, onTerminate } = state.arg;
    onTerminate?.();
    if (log !== undefined) this.self.send(log, { event: 'stop', id, reason } satisfies LifeEvent);
    if (gate !== undefined) await gate;
  }
}

/** A child spec for a Worker with id `id`, registered under `id` unless `name` is false. */
function worker(
  id: string,
  arg: Omit<WorkerArg, 'id'> = {},
  extra: Partial<ChildSpec> & { name?: false } = {},
): ChildSpec {
  const { name, ...rest } = extra;
  return {
    id,
    start: [Worker, { id, ...arg }, name === false ? undefined : { name: id }],
    ...rest,
  };
}

type RestartArgs = [
  supervisor: Pid,
  id: unknown,
  reason: ExitReason,
  oldPid: Pid | undefined,
  newPid: Pid | undefined,
];

/** Resolves with the next `n` 'restart' events of `rt`. */
function nextRestarts(rt: Runtime, n = 1): Promise<RestartArgs[]> {
  return new Promise((resolve) => {
    const got: RestartArgs[] = [];
    const listener = (...args: RestartArgs): void => {
      got.push(args);
      if (got.length === n) {
        rt.off('restart', listener);
        resolve(got);
      }
    };
    rt.on('restart', listener);
  });
}

/** Counts every 'restart' event from now on. */
function countRestarts(rt: Runtime): { readonly count: number } {
  const counter = { count: 0 };
  rt.on('restart', () => {
    counter.count++;
  });
  return counter;
}

const END = Symbol('end of log');

/** Every message the probe holds now, as 'start A' / 'stop A' lines. */
async function drain(rt: Runtime, p: Probe): Promise<string[]> {
  rt.send(p.pid, END);
  const lines: string[] = [];
  for (;;) {
    const message = await p.expectMessage();
    if (message === END) return lines;
    const e = message as LifeEvent;
    lines.push(`${e.event} ${e.id}`);
  }
}

async function pidOf(rt: Runtime, sup: Pid | string, id: unknown): Promise<Pid> {
  const child = (await Supervisor.whichChildren(rt, sup)).find((c) => c.id === id);
  if (!(child?.pid instanceof Pid)) throw new Error(`child ${String(id)} is not running`);
  return child.pid;
}

/** Kills `pid` and waits until its supervisor has restarted it. */
async function killAndAwaitRestart(rt: Runtime, pid: Pid): Promise<RestartArgs> {
  const restarted = nextRestarts(rt);
  rt.exit(pid, 'kill');
  return (await restarted)[0]!;
}

/** What the promise has settled to so far, without waiting. */
function watch<T>(promise: Promise<T>): { settled: boolean } {
  const state = { settled: false };
  promise.then(
    () => {
      state.settled = true;
    },
    () => {
      state.settled = true;
    },
  );
  return state;
}

// ── Starting ─────────────────────────────────────────────────────────────────

describe('rt.start(Supervisor, ...)', () => {
  it('starts children given as child specs, in order, linked to the supervisor', async () => {
    const rt = makeRuntime();
    const p = probe(rt);
    const sup = await rt.start(
      Supervisor,
      { children: [worker('A', { log: p.pid }), worker('B', { log: p.pid })] },
      { name: 'sup' },
    );
    expect(await drain(rt, p)).toEqual(['start A', 'start B']);
    const a = rt.whereis('A')!;
    const b = rt.whereis('B')!;
    expect(rt.info(a)?.links).toEqual([sup]);
    expect(rt.info(b)?.links).toEqual([sup]);
    expect(rt.info(sup)?.behaviour).toBe('Supervisor');
    expect(rt.whereis('sup')).toBe(sup);
    expect(await Supervisor.whichChildren(rt, 'sup')).toEqual([
      { id: 'A', pid: a, type: 'worker' },
      { id: 'B', pid: b, type: 'worker' },
    ]);
  });

  it('starts a child given as a class through its static childSpec, with the class name as id', async () => {
    const rt = makeRuntime();
    const sup = await rt.start(Supervisor, { children: [Worker] });
    const [child] = await Supervisor.whichChildren(rt, sup);
    expect(child).toMatchObject({ id: 'Worker', type: 'worker' });
    expect(await GenServer.call(rt, child!.pid as Pid, 'arg')).toEqual({ id: 'Worker' });
  });

  it('starts a child given as [Class, arg] through static childSpec(arg)', async () => {
    const rt = makeRuntime();
    const sup = await rt.start(Supervisor, { children: [[Worker, { id: 'from-tuple' }]] });
    const [child] = await Supervisor.whichChildren(rt, sup);
    expect(child?.id).toBe('Worker');
    expect(await GenServer.call(rt, child!.pid as Pid, 'arg')).toEqual({ id: 'from-tuple' });
  });

  it('uses an overridden static childSpec for the id and other defaults', async () => {
    class Cache extends Worker {
      static override childSpec(arg?: unknown): ChildSpec {
        return { id: 'cache', start: [Cache, arg], restart: 'transient' };
      }
    }
    const rt = makeRuntime();
    const sup = await rt.start(Supervisor, { children: [[Cache, { id: 'c' }]] });
    expect(await Supervisor.whichChildren(rt, sup)).toMatchObject([{ id: 'cache' }]);
    expect(await Sys.getState(rt, sup)).toMatchObject({
      children: [{ id: 'cache', restart: 'transient' }],
    });
  });

  it('starts a child through a start function given the supervisor’s self', async () => {
    const rt = makeRuntime();
    let given: Pid | undefined;
    const sup = await rt.start(Supervisor, {
      children: [
        {
          id: 'fn',
          start: (self) => {
            given = self.pid;
            return GenServer.startLink(self, Worker, { id: 'fn' }, { name: 'fn' });
          },
        },
      ],
    });
    expect(given).toBe(sup);
    expect(await pidOf(rt, sup, 'fn')).toBe(rt.whereis('fn'));
    expect(rt.info(rt.whereis('fn')!)?.links).toEqual([sup]);
  });

  it('links a child that a start function forgot to link', async () => {
    const rt = makeRuntime();
    const sup = await rt.start(Supervisor, {
      children: [
        { id: 'loose', start: (self) => Promise.resolve(self.spawn(() => new Promise(() => {}))) },
      ],
    });
    const pid = await pidOf(rt, sup, 'loose');
    expect(rt.info(pid)?.links).toEqual([sup]);
  });

  it('stops the children already started in reverse order when one fails, and rejects with its StartError', async () => {
    const rt = makeRuntime();
    const p = probe(rt);
    const boom = new Error('C cannot start');
    const started = rt.start(Supervisor, {
      children: [
        worker('A', { log: p.pid, trap: true }),
        worker('B', { log: p.pid, trap: true }),
        worker('C', { log: p.pid, fail: boom }),
        worker('D', { log: p.pid }),
      ],
    });
    const error = await started.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StartError);
    expect(error).toMatchObject({ childId: 'C', reason: boom });
    expect((error as StartError).message).toMatch(/child "C"/);
    expect((error as StartError).message).toMatch(/C cannot start/);
    expect(await drain(rt, p)).toEqual(['start A', 'start B', 'stop B', 'stop A']);
    expect(rt.whereis('A')).toBeUndefined();
    expect(rt.whereis('B')).toBeUndefined();
    expect(rt.processes()).toEqual([p.pid]);
  });

  it('rejects with a StartError naming the child when a start function resolves with something other than a pid', async () => {
    const rt = makeRuntime();
    const error = await rt
      .start(Supervisor, {
        children: [{ id: 'bad', start: () => Promise.resolve('not a pid' as unknown as Pid) }],
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StartError);
    expect(error).toMatchObject({ childId: 'bad' });
    expect((error as StartError).reason).toBeInstanceOf(TypeError);
    expect((error as StartError).message).toMatch(/"not a pid", not a live pid/);
  });

  it('rejects with a StartError when a start function resolves with a dead pid', async () => {
    const rt = makeRuntime();
    const dead = rt.spawn(() => {});
    await rt.awaitExit(dead);
    const error = await rt
      .start(Supervisor, { children: [{ id: 'dead', start: () => Promise.resolve(dead) }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StartError);
    expect(error).toMatchObject({ childId: 'dead' });
    expect((error as StartError).message).toMatch(/not a live pid/);
  });

  it('rejects with a StartError carrying the error a start function throws', async () => {
    const rt = makeRuntime();
    const boom = new Error('no way');
    const error = await rt
      .start(Supervisor, {
        children: [
          {
            id: 'thrower',
            start: () => {
              throw boom;
            },
          },
        ],
      })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'StartError', childId: 'thrower', reason: boom });
  });

  it('keeps a child whose init returns ignore() in the list, not running', async () => {
    const rt = makeRuntime();
    const sup = await rt.start(Supervisor, {
      children: [worker('A'), worker('quiet', { ignore: true }), worker('C')],
    });
    const children = await Supervisor.whichChildren(rt, sup);
    expect(children.map((c) => [c.id, c.pid === undefined])).toEqual([
      ['A', false],
      ['quiet', true],
      ['C', false],
    ]);
    expect(await Supervisor.countChildren(rt, sup)).toEqual({
      specs: 3,
      active: 2,
      supervisors: 0,
      workers: 3,
    });
  });

  it('drops a temporary child whose init returns ignore(), as OTP does', async () => {
    const rt = makeRuntime();
    const sup = await rt.start(Supervisor, {
      children: [worker('A'), worker('quiet', { ignore: true }, { restart: 'temporary' })],
    });
    expect((await Supervisor.whichChildren(rt, sup)).map((c) => c.id)).toEqual(['A']);
  });

  it('rejects with AlreadyStartedError when its own name is taken', async () => {
    const rt = makeRuntime();
    const first = await rt.start(Supervisor, { children: [] }, { name: 'sup' });
    await expect(rt.start(Supervisor, { children: [] }, { name: 'sup' })).rejects.toMatchObject({
      name: 'AlreadyStartedError',
      pid: first,
    });
  });

  it('starts with no children', async () => {
    const rt = makeRuntime();
    const sup = await rt.start(Supervisor, { children: [] });
    expect(await Supervisor.whichChildren(rt, sup)).toEqual([]);
    expect(await Supervisor.countChildren(rt, sup)).toEqual({
      specs: 0,
      active: 0,
      supervisors: 0,
      workers: 0,
    });
  });
});

describe('Supervisor subclass init', () => {
  it('takes its children and flags from init', async () => {
    class AppSupervisor extends Supervisor {
      // A subclass declares its own init argument, and rt.start checks it.
      override init(log: Pid): SupervisorSpec {
        return {
          children: [worker('A', { log }), worker('B', { log })],
          strategy: 'one_for_all',
          maxRestarts: 7,
          maxSeconds: 2,
        };
      }
    }
    const rt = makeRuntime();
    const p = probe(rt);
    const sup = await rt.start(AppSupervisor, p.pid, { name: 'app' });
    expect(await drain(rt, p)).toEqual(['start A', 'start B']);
    expect(await Sys.getState(rt, sup)).toMatchObject({
      strategy: 'one_for_all',
      maxRestarts: 7,
      maxSeconds: 2,
    });
    expect((await Sys.getStatus(rt, sup)).module).toBe('AppSupervisor');
  });

  it('may be async', async () => {
    class AsyncSupervisor extends Supervisor {
      override async init(): Promise<SupervisorSpec> {
        await Promise.resolve();
        return { children: [worker('A')] };
      }
    }
    const rt = makeRuntime();
    const sup = await rt.start(AsyncSupervisor, undefined as never);
    expect((await Supervisor.whichChildren(rt, sup)).map((c) => c.id)).toEqual(['A']);
  });

  it('rejects the start with reason ignore when init returns ignore()', async () => {
    class Off extends Supervisor {
      override init() {
        return ignore();
      }
    }
    const rt = makeRuntime();
    await expect(rt.start(Off, undefined as never)).rejects.toMatchObject({
      name: 'StartError',
      reason: 'ignore',
    });
  });

  it('rejects with a TypeError when init returns something other than flags', async () => {
    class Wrong extends Supervisor {
      override init() {
        return 42 as unknown as SupervisorSpec;
      }
    }
    const rt = makeRuntime();
    await expect(rt.start(Wrong, undefined as never)).rejects.toThrow(TypeError);
    await expect(rt.start(Wrong, undefined as never)).rejects.toThrow(/init: expected .*got 42$/);
  });
});

describe('Supervisor.init', () => {
  it('builds the spec an init returns, its children in order and its flags kept', async () => {
    class Checked extends Supervisor {
      override init(log: Pid) {
        return Supervisor.init(
          [
            { id: 'A', start: [Worker, { id: 'A', log }, { name: 'A' }] },
            [Worker, { id: 'B', log }],
          ],
          { strategy: 'rest_for_one', maxRestarts: 4 },
        );
      }
    }
    const rt = makeRuntime();
    const p = probe(rt);
    const sup = await rt.start(Checked, p.pid);
    expect(await drain(rt, p)).toEqual(['start A', 'start B']);
    expect((await Supervisor.whichChildren(rt, sup)).map((c) => c.id)).toEqual(['A', 'Worker']);
    expect(await Sys.getState(rt, sup)).toMatchObject({ strategy: 'rest_for_one', maxRestarts: 4 });
  });

  it('gives a spec rt.start(Supervisor, ...) takes, with the default flags when none are given', async () => {
    const spec = Supervisor.init([worker('A')]);
    expect(spec).toEqual({ children: [worker('A')] });
    const rt = makeRuntime();
    const sup = await rt.start(Supervisor, spec);
    expect(await Sys.getState(rt, sup)).toMatchObject({ strategy: 'one_for_one', maxRestarts: 3 });
  });

  it('throws a TypeError naming children or flags when they are not an array and an object', () => {
    expect(() => Supervisor.init('A' as never)).toThrow(
      new TypeError('Supervisor.init: expected `children` to be an array, got "A"'),
    );
    expect(() => Supervisor.init([], null as never)).toThrow(
      new TypeError('Supervisor.init: expected `flags` to be an object, got null'),
    );
    expect(() => Supervisor.init([], [] as never)).toThrow(/`flags` to be an object, got \[\]/);
  });
});

describe('Supervisor.childSpec', () => {
  it("gives type 'supervisor' and shutdown 'infinity', with the class name as id", () => {
    class StoreSupervisor extends Supervisor {}
    expect(Supervisor.childSpec({ children: [] })).toEqual({
      id: 'Supervisor',
      start: [Supervisor, { children: [] }],
      type: 'supervisor',
      shutdown: 'infinity',
    });
    expect(StoreSupervisor.childSpec()).toMatchObject({
      id: 'StoreSupervisor',
      start: [StoreSupervisor, undefined],
      type: 'supervisor',
      shutdown: 'infinity',
    });
  });

  it('lets a supervisor class be a child as [Class, arg]', async () => {
    const rt = makeRuntime();
    const sup = await rt.start(Supervisor, {
      children: [[Supervisor, { children: [worker('leaf')] }]],
    });
    const [child] = await Supervisor.whichChildren(rt, sup);
    expect(child).toMatchObject({ id: 'Supervisor', type: 'supervisor' });
    expect(await Supervisor.countChildren(rt, sup)).toEqual({
      specs: 1,
      active: 1,
      supervisors: 1,
      workers: 0,
    });
    expect(await pidOf(rt, child!.pid as Pid, 'leaf')).toBe(rt.whereis('leaf'));
  });
});

// ── Management ───────────────────────────────────────────────────────────────

describe('Supervisor.whichChildren', () => {
  it('lists children in start order, including those added later', async () => {
    const rt = makeRuntime();
    const sup = await rt.start(Supervisor, { children: [worker('A'), worker('B')] });
    await Supervisor.startChild(rt, sup, worker('C'));
    await Supervisor.terminateChild(rt, sup, 'A');
    expect(await Supervisor.whichChildren(rt, sup)).toEqual([
      { id: 'A', pid: undefined, type: 'worker' },
      { id: 'B', pid: rt.whereis('B'), type: 'worker' },
      { id: 'C', pid: rt.whereis('C'), type: 'worker' },
    ]);
  });

  it('rejects with NoProcError for a supervisor that is not there', async () => {
    const rt = makeRuntime();
    await expect(Supervisor.whichChildren(rt, 'nobody')).rejects.toBeInstanceOf(NoProcError);
  });

  it('rejects with a TypeError when the destination is not a supervisor', async () => {
    class Echo extends GenServer<null, unknown> {
      override handleCall(request: unknown, _from: From, state: null) {
        return reply(request, state);
      }
    }
    const rt = makeRuntime();
    const echo = await rt.start(Echo, null);
    await expect(Supervisor.whichChildren(rt, echo)).rejects.toThrow(/is it a supervisor\?/);
  });
});

describe('Supervisor.countChildren', () => {
  it('counts specs, running children, supervisors and workers', async () => {
    const rt = makeRuntime();
    const sup = await rt.start(Supervisor, {
      children: [
        worker('A'),
        worker('B'),
        { id: 'inner', start: [Supervisor, { children: [] }], type: 'supervisor' },
      ],
    });
    await Supervisor.terminateChild(rt, sup, 'B');
    expect(await Supervisor.countChildren(rt, sup)).toEqual({
      specs: 3,
      active: 2,
      supervisors: 1,
      workers: 2,
    });
  });
});

describe('Supervisor.startChild', () => {
  it('starts a new child after the others and resolves with its pid', async () => {
    const rt = makeRuntime();
    const sup = await rt.start(Supervisor, { children: [worker('A')] });
    const pid = await Supervisor.startChild(rt, sup, worker('B'));
    expect(pid).toBeInstanceOf(Pid);
    expect(rt.whereis('B')).toBe(pid);
    expect(rt.info(pid!)?.links).toEqual([sup]);
    expect((await Supervisor.whichChildren(rt, sup)).map((c) => c.id)).toEqual(['A', 'B']);
  });

  it('accepts a class and [Class, arg]', async () => {
    const rt = makeRuntime();
    const sup = await rt.start(Supervisor, { children: [] });
    await Supervisor.startChild(rt, sup, Worker);
    await Supervisor.startChild(rt, sup, [Supervisor, { children: [] }]);
    expect(await Supervisor.whichChildren(rt, sup)).toMatchObject([
      { id: 'Worker', type: 'worker' },
      { id: 'Supervisor', type: 'supervisor' },
    ]);
  });

  it('restarts a child it added like the others', async () => {
    const rt = makeRuntime();
    const sup = await rt.start(Supervisor, { children: [] });
    const pid = (await Supervisor.startChild(rt, sup, worker('late')))!;
    const [, id, , oldPid, newPid] = await killAndAwaitRestart(rt, pid);
    expect([id, oldPid]).toEqual(['late', pid]);
    expect(rt.whereis('late')).toBe(newPid);
  });

  it('resolves with undefined for a child whose init returns ignore(), keeping its spec', async () => {
    const rt = makeRuntime();
    const sup = await rt.start(Supervisor, { children: [] });
    expect(await Supervisor.startChild(rt, sup, worker('quiet', { ignore: true }))).toBeUndefined();
    expect(await Supervisor.whichChildren(rt, sup)).toEqual([
      { id: 'quiet', pid: undefined, type: 'worker' },
    ]);
    expect(
      await Supervisor.startChild(
        rt,
        sup,
        worker('tmp', { ignore: true }, { restart: 'temporary' }),
      ),
    ).toBeUndefined();
    expect((await Supervisor.whichChildren(rt, sup)).map((c) => c.id)).toEqual(['quiet']);
  });

  it("rejects with SupervisorError 'already_started' (with .pid) for the id of a running child", async () => {
    const rt = makeRuntime();
    const sup = await rt.start(Supervisor, { children: [worker('A')] });
    const error = await Supervisor.startChild(rt, sup, worker('A', {}, { name: false })).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SupervisorError);
    expect(error).toMatchObject({ reason: 'already_started', pid: rt.whereis('A') });
    expect((error as Error).message).toMatch(
      /Supervisor\.startChild .* for "A": .*already_started/,
    );
  });

  it("rejects with SupervisorError 'already_present' for the id of a child not running", async () => {
    const rt = makeRuntime();
    const sup = await rt.start(Supervisor, { children: [worker('A')] });
    await Supervisor.terminateChild(rt, sup, 'A');
    const error = await Supervisor.startChild(rt, sup, worker('A')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SupervisorError);
    expect(error).toMatchObject({ reason: 'already_present', pid: undefined });
    expect((error as Error).message).toMatch(/for "A": .*restart or delete it.*already_present/);
  });

  it('rejects with a StartError naming the child when it fails to start, and does not keep it', async () => {
    const rt = makeRuntime();
    const sup = await rt.start(Supervisor, { children: [worker('A')] });
    const boom = new Error('broken');
    const error = await Supervisor.startChild(rt, sup, worker('B', { fail: boom })).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StartError);
    expect(error).toMatchObject({ childId: 'B', reason: boom });
    expect((await Supervisor.whichChildren(rt, sup)).map((c) => c.id)).toEqual(['A']);
    expect(rt.isAlive(sup)).toBe(true);
  });

  it('rejects with InvalidChildSpecError for a bad spec, before asking the supervisor', async () => {
    const rt = makeRuntime();
    const sup = await rt.start(Supervisor, { children: [] });
    const error = await Supervisor.startChild(rt, sup, {
      id: 'x',
      start: [Worker, {}],
      restart: 'sometimes',
    } as unknown as ChildSpec).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidChildSpecError);
    expect(error).toMatchObject({ field: 'restart', childId: 'x' });
    expect((error as Error).message).toMatch(/^Supervisor\.startChild: child "x".*"sometimes"/);
  });

  it('rejects with NoProcError when the supervisor is not there', async () => {
    const rt = makeRuntime();
    await expect(Supervisor.startChild(rt, 'nobody', worker('A'))).rejects.toBeInstanceOf(
      NoProcError,
    );
  });
});

describe('Supervisor.terminateChild', () => {
  it('stops a running child with shutdown and keeps its spec; it is not restarted', async () => {
    const rt = makeRuntime();
    const p = probe(rt);
    const restarts = countRestarts(rt);
    const sup = await rt.start(Supervisor, { children: [worker('A', { log: p.pid, trap: true })] });
    const pid = rt.whereis('A')!;
    await drain(rt, p);
    await Supervisor.terminateChild(rt, sup, 'A');
    expect(rt.isAlive(pid)).toBe(false);
    expect(await p.expectMessage()).toEqual({ event: 'stop', id: 'A', reason: 'shutdown' });
    expect(await Supervisor.whichChildren(rt, sup)).toEqual([
      { id: 'A', pid: undefined, type: 'worker' },
    ]);
    expect(restarts.count).toBe(0);
  });

  it('drops the spec of a temporary child', async () => {
    const rt = makeRuntime();
    const sup = await rt.start(Supervisor, {
      children: [worker('A', {}, { restart: 'temporary' }), worker('B')],
    });
    await Supervisor.terminateChild(rt, sup, 'A');
    expect((await Supervisor.whichChildren(rt, sup)).map((c) => c.id)).toEqual(['B']);
  });

  it('does nothing for a child already stopped', async () => {
    const rt = makeRuntime();
    const sup = await rt.start(Supervisor, { children: [worker('A')] });
    await Supervisor.terminateChild(rt, sup, 'A');
    await expect(Supervisor.terminateChild(rt, sup, 'A')).resolves.toBeUndefined();
  });

  it("rejects with SupervisorError 'not_found' for an unknown id", async () => {
    const rt = makeRuntime();
    const sup = await rt.start(Supervisor, { children: [] }, { name: 'sup' });
    const error = await Supervisor.terminateChild(rt, sup, 'ghost').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SupervisorError);
    expect(error).toMatchObject({ reason: 'not_found' });
    expect((error as Error).message).toMatch(
      /^Supervisor\.terminateChild on Supervisor "sup" \(<[\d.]+>\) for "ghost": no child has this id \(not_found\)$/,
    );
  });
});

describe('Supervisor.restartChild', () => {
  it('starts a terminated child again from its spec and resolves with the new pid', async () => {
    const rt = makeRuntime();
    const sup = await rt.start(Supervisor, { children: [worker('A'), worker('B')] });
    const old = rt.whereis('A')!;
    GenServer.cast(rt, 'A', 'inc');
    expect(await GenServer.call(rt, 'A', 'count')).toBe(1);
    await Supervisor.terminateChild(rt, sup, 'A');
    const pid = await Supervisor.restartChild(rt, sup, 'A');
    expect(pid).toBeInstanceOf(Pid);
    expect(pid).not.toBe(old);
    expect(rt.whereis('A')).toBe(pid);
    expect(await GenServer.call(rt, 'A', 'count')).toBe(0);
    expect((await Supervisor.whichChildren(rt, sup)).map((c) => c.id)).toEqual(['A', 'B']);
  });

  it("rejects with SupervisorError 'running' for a running child", async () => {
    const rt = makeRuntime();
    const sup = await rt.start(Supervisor, { children: [worker('A')] });
    const error = await Supervisor.restartChild(rt, sup, 'A').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SupervisorError);
    expect(error).toMatchObject({ reason: 'running' });
    expect((error as Error).message).toMatch(
      /restartChild .* for "A": .*terminate it first \(running\)/,
    );
  });

  it("rejects with SupervisorError 'not_found' for an unknown id", async () => {
    const rt = makeRuntime();
    const sup = await rt.start(Supervisor, { children: [] });
    const error = await Supervisor.restartChild(rt, sup, 'ghost').catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'SupervisorError', reason: 'not_found' });
    expect((error as Error).message).toMatch(/for "ghost"/);
  });

  it('rejects with a StartError when the child fails to start again, leaving it stopped', async () => {
    const rt = makeRuntime();
    let broken = false;
    const sup = await rt.start(Supervisor, { children: [worker('A', { failIf: () => broken })] });
    await Supervisor.terminateChild(rt, sup, 'A');
    broken = true;
    const error = await Supervisor.restartChild(rt, sup, 'A').catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'StartError', childId: 'A' });
    expect(await Supervisor.whichChildren(rt, sup)).toEqual([
      { id: 'A', pid: undefined, type: 'worker' },
    ]);
  });
});

describe('Supervisor.deleteChild', () => {
  it('removes the spec of a stopped child, so the id can be used again', async () => {
    const rt = makeRuntime();
    const sup = await rt.start(Supervisor, { children: [worker('A'), worker('B')] });
    await Supervisor.terminateChild(rt, sup, 'A');
    await Supervisor.deleteChild(rt, sup, 'A');
    expect((await Supervisor.whichChildren(rt, sup)).map((c) => c.id)).toEqual(['B']);
    await Supervisor.startChild(rt, sup, worker('A'));
    expect((await Supervisor.whichChildren(rt, sup)).map((c) => c.id)).toEqual(['B', 'A']);
  });

  it("rejects with SupervisorError 'running' for a running child", async () => {
    const rt = makeRuntime();
    const sup = await rt.start(Supervisor, { children: [worker('A')] });
    const error = await Supervisor.deleteChild(rt, sup, 'A').catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'SupervisorError', reason: 'running' });
    expect((error as Error).message).toMatch(/deleteChild .* for "A"/);
  });

  it("rejects with SupervisorError 'not_found' for an unknown id", async () => {
    const rt = makeRuntime();
    const sup = await rt.start(Supervisor, { children: [] });
    const error = await Supervisor.deleteChild(rt, sup, 'ghost').catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'SupervisorError', reason: 'not_found' });
    expect((error as Error).message).toMatch(/for "ghost"/);
  });

  it("shows a child as 'restarting' while its restart fails, and refuses restartChild and deleteChild with 'restarting'", async () => {
    const rt = makeRuntime();
    let broken = false;
    const sup = await rt.start(Supervisor, {
      children: [worker('A', { failIf: () => broken }), worker('B')],
      maxRestarts: 1_000_000,
      maxSeconds: 3600,
    });
    const old = rt.whereis('A')!;
    broken = true;
    rt.exit(old, 'kill');
    // Each failed attempt is retried through the supervisor's mailbox, so calls get in between.
    let children = await Supervisor.whichChildren(rt, sup);
    while (children[0]?.pid !== 'restarting') children = await Supervisor.whichChildren(rt, sup);
    expect(children[0]).toEqual({ id: 'A', pid: 'restarting', type: 'worker' });
    expect((await Supervisor.countChildren(rt, sup)).active).toBe(1);
    const onRestart = await Supervisor.restartChild(rt, sup, 'A').catch((e: unknown) => e);
    expect(onRestart).toMatchObject({ name: 'SupervisorError', reason: 'restarting' });
    expect((onRestart as Error).message).toMatch(
      /for "A": the child is being restarted \(restarting\)/,
    );
    const onDelete = await Supervisor.deleteChild(rt, sup, 'A').catch((e: unknown) => e);
    expect(onDelete).toMatchObject({ name: 'SupervisorError', reason: 'restarting' });
    expect(rt.log.text('error')).toMatch(
      /could not restart child "A": .*refuses to start; trying again/,
    );
    const restarted = nextRestarts(rt);
    broken = false;
    const [[, id, reason, oldPid, newPid]] = (await restarted) as [RestartArgs];
    expect([id, reason, oldPid]).toEqual(['A', 'killed', old]);
    expect(rt.whereis('A')).toBe(newPid);
    expect(await pidOf(rt, sup, 'A')).toBe(newPid);
  });
});

// ── Restart semantics ────────────────────────────────────────────────────────

describe('strategies', () => {
  async function startThree(rt: Runtime, strategy: SupervisorSpec['strategy'], p: Probe) {
    const sup = await rt.start(Supervisor, {
      children: ['A', 'B', 'C', 'D'].map((id) => worker(id, { log: p.pid, trap: true })),
      strategy,
    });
    expect(await drain(rt, p)).toEqual(['start A', 'start B', 'start C', 'start D']);
    const pids = Object.fromEntries(['A', 'B', 'C', 'D'].map((id) => [id, rt.whereis(id)!]));
    return { sup, pids };
  }

  it('one_for_one restarts only the child that died', async () => {
    const rt = makeRuntime();
    const p = probe(rt);
    const { sup, pids } = await startThree(rt, 'one_for_one', p);
    const events = await (async () => {
      const restarted = nextRestarts(rt, 1);
      rt.exit(pids.B!, 'kill');
      return restarted;
    })();
    expect(events.map((e) => e[1])).toEqual(['B']);
    expect(await drain(rt, p)).toEqual(['start B']);
    expect(rt.whereis('A')).toBe(pids.A);
    expect(rt.whereis('B')).not.toBe(pids.B);
    expect(rt.whereis('C')).toBe(pids.C);
    expect(rt.whereis('D')).toBe(pids.D);
    expect((await Supervisor.whichChildren(rt, sup)).map((c) => c.id)).toEqual([
      'A',
      'B',
      'C',
      'D',
    ]);
  });

  it('one_for_all stops the others in reverse start order, then restarts all in start order', async () => {
    const rt = makeRuntime();
    const p = probe(rt);
    const { sup, pids } = await startThree(rt, 'one_for_all', p);
    const restarted = nextRestarts(rt, 4);
    rt.exit(pids.B!, 'kill');
    const events = await restarted;
    expect(await drain(rt, p)).toEqual([
      'stop D',
      'stop C',
      'stop A',
      'start A',
      'start B',
      'start C',
      'start D',
    ]);
    expect(
      events.map(([s, id, reason, oldPid, newPid]) => [s, id, reason, oldPid, newPid]),
    ).toEqual([
      [sup, 'A', 'shutdown', pids.A, rt.whereis('A')],
      [sup, 'B', 'killed', pids.B, rt.whereis('B')],
      [sup, 'C', 'shutdown', pids.C, rt.whereis('C')],
      [sup, 'D', 'shutdown', pids.D, rt.whereis('D')],
    ]);
    for (const id of ['A', 'B', 'C', 'D']) expect(rt.whereis(id)).not.toBe(pids[id]);
  });

  it('rest_for_one stops the children started after the dead one in reverse order, then restarts them in order', async () => {
    const rt = makeRuntime();
    const p = probe(rt);
    const { pids } = await startThree(rt, 'rest_for_one', p);
    const restarted = nextRestarts(rt, 3);
    rt.exit(pids.B!, 'kill');
    const events = await restarted;
    expect(await drain(rt, p)).toEqual(['stop D', 'stop C', 'start B', 'start C', 'start D']);
    expect(events.map((e) => e[1])).toEqual(['B', 'C', 'D']);
    expect(rt.whereis('A')).toBe(pids.A);
    for (const id of ['B', 'C', 'D']) expect(rt.whereis(id)).not.toBe(pids[id]);
  });

  it('rest_for_one restarts just the last child when the last one dies', async () => {
    const rt = makeRuntime();
    const p = probe(rt);
    const { pids } = await startThree(rt, 'rest_for_one', p);
    await killAndAwaitRestart(rt, pids.D!);
    expect(await drain(rt, p)).toEqual(['start D']);
    for (const id of ['A', 'B', 'C']) expect(rt.whereis(id)).toBe(pids[id]);
  });

  it('one_for_all also starts a child that had been terminated, as OTP does', async () => {
    const rt = makeRuntime();
    const p = probe(rt);
    const { sup, pids } = await startThree(rt, 'one_for_all', p);
    await Supervisor.terminateChild(rt, sup, 'C');
    expect(await drain(rt, p)).toEqual(['stop C']);
    const restarted = nextRestarts(rt, 4);
    rt.exit(pids.A!, 'kill');
    const events = await restarted;
    expect(await drain(rt, p)).toEqual([
      'stop D',
      'stop B',
      'start A',
      'start B',
      'start C',
      'start D',
    ]);
    const c = events.find((e) => e[1] === 'C')!;
    expect([c[2], c[3], c[4]]).toEqual(['noproc', undefined, rt.whereis('C')]);
    expect((await Supervisor.countChildren(rt, sup)).active).toBe(4);
  });

  it('one_for_all drops a temporary sibling instead of restarting it', async () => {
    const rt = makeRuntime();
    const p = probe(rt);
    const sup = await rt.start(Supervisor, {
      children: [
        worker('A', { log: p.pid, trap: true }),
        worker('T', { log: p.pid, trap: true }, { restart: 'temporary' }),
        worker('C', { log: p.pid, trap: true }),
      ],
      strategy: 'one_for_all',
    });
    await drain(rt, p);
    const restarted = nextRestarts(rt, 2);
    rt.exit(rt.whereis('A')!, 'kill');
    await restarted;
    expect(await drain(rt, p)).toEqual(['stop C', 'stop T', 'start A', 'start C']);
    expect((await Supervisor.whichChildren(rt, sup)).map((c) => c.id)).toEqual(['A', 'C']);
  });

  it('retries a restart that failed and then starts the rest of the group, in order', async () => {
    const rt = makeRuntime();
    const p = probe(rt);
    let broken = false;
    await rt.start(Supervisor, {
      children: [
        worker('A', { log: p.pid, trap: true }),
        worker('B', { log: p.pid, trap: true, failIf: () => broken }),
        worker('C', { log: p.pid, trap: true }),
      ],
      strategy: 'rest_for_one',
      maxRestarts: 1_000_000,
      maxSeconds: 3600,
    });
    await drain(rt, p);
    const a = rt.whereis('A')!;
    const oldB = rt.whereis('B')!;
    const c = rt.whereis('C')!;
    broken = true;
    rt.exit(oldB, 'kill');
    // B's start fails until it is fixed; C must wait for it.
    await new Promise<void>((resolve) => {
      const listener = (): void => {
        if (rt.log.text('error').includes('could not restart child "B"')) {
          rt.off('crash', listener);
          resolve();
        }
      };
      rt.on('crash', listener);
    });
    const restarted = nextRestarts(rt, 2);
    broken = false;
    const events = await restarted;
    // The restart that finally works reports the exit that caused it.
    expect(events.map((e) => [e[1], e[2], e[3]])).toEqual([
      ['B', 'killed', oldB],
      ['C', 'shutdown', c],
    ]);
    expect(await drain(rt, p)).toEqual(['stop C', 'start B', 'start C']);
    expect(rt.whereis('A')).toBe(a);
  });

  it('one_for_one is the default', async () => {
    const rt = makeRuntime();
    const sup = await rt.start(Supervisor, { children: [] });
    expect(await Sys.getState(rt, sup)).toMatchObject({
      strategy: 'one_for_one',
      maxRestarts: 3,
      maxSeconds: 5,
    });
  });
});

describe('restart types', () => {
  async function exitWith(
    rt: Runtime,
    restart: 'permanent' | 'transient' | 'temporary',
    reason: ExitReason,
  ) {
    const restarts = countRestarts(rt);
    const sup = await rt.start(Supervisor, {
      children: [worker('A', {}, { restart }), worker('B')],
    });
    const old = rt.whereis('A')!;
    await GenServer.stop(rt, old, reason);
    // A restart, if any, is done before the supervisor answers the next call.
    const children = await Supervisor.whichChildren(rt, sup);
    return { sup, old, children, restarts: restarts.count };
  }

  it.each([['normal'], ['shutdown'], [{ shutdown: 'done' }], [new Error('boom')]])(
    'restarts a permanent child after exit reason %o',
    async (reason) => {
      const rt = makeRuntime();
      const { old, children, restarts } = await exitWith(rt, 'permanent', reason);
      expect(restarts).toBe(1);
      expect(children[0]?.pid).toBeInstanceOf(Pid);
      expect(children[0]?.pid).not.toBe(old);
    },
  );

  it.each([['normal'], ['shutdown'], [{ shutdown: 'done' }]])(
    'does not restart a transient child after the normal exit reason %o, keeping its spec',
    async (reason) => {
      const rt = makeRuntime();
      const { children, restarts } = await exitWith(rt, 'transient', reason);
      expect(restarts).toBe(0);
      expect(children[0]).toEqual({ id: 'A', pid: undefined, type: 'worker' });
    },
  );

  it.each([[new Error('boom')], ['killed'], [{ reason: 'other' }]])(
    'restarts a transient child after the abnormal exit reason %o',
    async (reason) => {
      const rt = makeRuntime();
      const { old, children, restarts } = await exitWith(rt, 'transient', reason);
      expect(restarts).toBe(1);
      expect(children[0]?.pid).toBeInstanceOf(Pid);
      expect(children[0]?.pid).not.toBe(old);
    },
  );

  it.each([['normal'], [new Error('boom')]])(
    'never restarts a temporary child and drops its spec (exit reason %o)',
    async (reason) => {
      const rt = makeRuntime();
      const { children, restarts } = await exitWith(rt, 'temporary', reason);
      expect(restarts).toBe(0);
      expect(children.map((c) => c.id)).toEqual(['B']);
    },
  );

  it('restarts a permanent child killed from outside', async () => {
    const rt = makeRuntime();
    await rt.start(Supervisor, { children: [worker('A')] });
    const old = rt.whereis('A')!;
    const [, , reason] = await killAndAwaitRestart(rt, old);
    expect(reason).toBe('killed');
  });
});

describe('restarted children', () => {
  it('get a new pid, are registered again under their name, start from their spec’s arguments and keep their place', async () => {
    const rt = makeRuntime();
    const sup = await rt.start(Supervisor, {
      children: [worker('A'), worker('B'), worker('C')],
    });
    const before = await Supervisor.whichChildren(rt, sup);
    const old = rt.whereis('B')!;
    GenServer.cast(rt, 'B', 'inc');
    GenServer.cast(rt, 'B', 'inc');
    expect(await GenServer.call(rt, 'B', 'count')).toBe(2);
    const restarted = nextRestarts(rt);
    GenServer.cast(rt, 'B', 'crash');
    const [[, , reason, , fresh]] = (await restarted) as [RestartArgs];
    expect(reason).toBeInstanceOf(Error);
    expect((reason as Error).message).toBe('B crashed');
    expect(fresh).toBeInstanceOf(Pid);
    expect(fresh).not.toBe(old);
    expect(rt.isAlive(old)).toBe(false);
    expect(rt.whereis('B')).toBe(fresh);
    expect(await GenServer.call(rt, 'B', 'count')).toBe(0);
    expect(await GenServer.call(rt, 'B', 'arg')).toEqual({ id: 'B' });
    expect(rt.info(fresh!)?.links).toEqual([sup]);
    const after = await Supervisor.whichChildren(rt, sup);
    expect(after).toEqual([before[0], { id: 'B', pid: fresh, type: 'worker' }, before[2]]);
  });

  it("emit one 'restart' event per restart with (supervisor, id, reason, oldPid, newPid), and an info report", async () => {
    const rt = makeRuntime();
    const sup = await rt.start(Supervisor, { children: [worker('A')] }, { name: 'sup' });
    const all: RestartArgs[] = [];
    rt.on('restart', (...args: RestartArgs) => all.push(args));
    const old = rt.whereis('A')!;
    const [event] = await (async () => {
      const restarted = nextRestarts(rt);
      rt.exit(old, 'kill');
      return restarted;
    })();
    await Supervisor.whichChildren(rt, sup);
    expect(all).toEqual([[sup, 'A', 'killed', old, rt.whereis('A')]]);
    expect(event).toEqual(all[0]);
    const info = rt.log.entries.filter((e) => e.level === 'info').map((e) => e.text);
    expect(info).toEqual([
      `Supervisor "sup" (${sup}) restarted child "A" (reason: killed) ${old} -> ${rt.whereis('A')}`,
    ]);
  });

  it('are restarted by a start function again', async () => {
    const rt = makeRuntime();
    let calls = 0;
    await rt.start(Supervisor, {
      children: [
        {
          id: 'fn',
          start: (self) => {
            calls++;
            return GenServer.startLink(self, Worker, { id: 'fn' }, { name: 'fn' });
          },
        },
      ],
    });
    const [, , , , fresh] = await killAndAwaitRestart(rt, rt.whereis('fn')!);
    expect(calls).toBe(2);
    expect(rt.whereis('fn')).toBe(fresh);
  });

  it('are kept, not running, when their init returns ignore() on a restart; the event has no new pid', async () => {
    const rt = makeRuntime();
    const arg: WorkerArg = { id: 'A' };
    const sup = await rt.start(Supervisor, {
      children: [{ id: 'A', start: [Worker, arg, { name: 'A' }] }],
    });
    const old = rt.whereis('A')!;
    arg.ignore = true;
    expect(await killAndAwaitRestart(rt, old)).toEqual([sup, 'A', 'killed', old, undefined]);
    expect(await Supervisor.whichChildren(rt, sup)).toEqual([
      { id: 'A', pid: undefined, type: 'worker' },
    ]);
  });
});

describe('the state Sys and crash reports show', () => {
  type Shown = { children: { id: unknown; pid: unknown }[] };

  it('is the supervisor’s as it is now, each Sys.getState a snapshot of its own', async () => {
    const rt = makeRuntime();
    const sup = await rt.start(Supervisor, { children: [worker('A')] });
    const old = rt.whereis('A')!;
    const before = await Sys.getState<Shown>(rt, sup);
    expect(before.children).toEqual([{ id: 'A', pid: old, restart: 'permanent', type: 'worker' }]);
    const [, , , , fresh] = await killAndAwaitRestart(rt, old);
    expect((await Sys.getState<Shown>(rt, sup)).children[0]?.pid).toBe(fresh);
    expect(before.children[0]?.pid).toBe(old);
  });

  it('shows in a crash report the children as they ran, before terminate stopped them', async () => {
    const rt = makeRuntime();
    const sup = await rt.start(Supervisor, { children: [worker('A')] });
    const a = rt.whereis('A')!;
    await GenServer.stop(rt, sup, 'boom');
    const state = rt.log
      .text('error')
      .split('\n')
      .find((line) => line.startsWith('State: '));
    expect(state).toContain(`pid: ${a}`);
  });
});

describe('restart intensity', () => {
  it('counts restarts in a sliding window: at most maxRestarts within maxSeconds', () => {
    const window = new RestartIntensity(3, 1);
    expect([window.add(0), window.add(100), window.add(200)]).toEqual([true, true, true]);
    expect(window.add(300)).toBe(false);

    const sliding = new RestartIntensity(3, 1);
    expect([0, 100, 200].map((t) => sliding.add(t))).toEqual([true, true, true]);
    expect(sliding.add(1100)).toBe(true); // 0 has left the window
    expect(sliding.add(1150)).toBe(true); // 100 has left
    expect(sliding.add(1200)).toBe(false); // 200 is exactly maxSeconds old: still inside, as in OTP
  });

  it('allows no restart at all with maxRestarts 0', () => {
    expect(new RestartIntensity(0, 5).add(0)).toBe(false);
  });

  it('keeps counting right over a long life', () => {
    const window = new RestartIntensity(2, 0.01);
    // Two restarts per 10 ms window, 10,000 times over: old entries must leave the window.
    let refused = 0;
    for (let i = 0; i < 10_000; i++) if (!window.add(i * 6)) refused++;
    expect(refused).toBe(0);
    expect(window.add(59_995)).toBe(false);
  });

  it("tolerates exactly maxRestarts restarts within maxSeconds; one more ends the supervisor with 'shutdown'", async () => {
    const rt = makeTestRuntime();
    const p = probe(rt);
    const sup = await rt.start(
      Supervisor,
      {
        children: [worker('A'), worker('B', { log: p.pid, trap: true })],
        maxRestarts: 3,
        maxSeconds: 5,
      },
      { name: 'sup' },
    );
    await drain(rt, p);
    for (let i = 0; i < 3; i++) {
      await killAndAwaitRestart(rt, rt.whereis('A')!);
      await rt.advance(1000);
    }
    expect(rt.isAlive(sup)).toBe(true);
    const exited = rt.awaitExit(sup);
    const a = rt.whereis('A')!;
    const b = rt.whereis('B')!;
    rt.exit(a, 'kill');
    expect(await exited).toBe('shutdown');
    expect(rt.isAlive(b)).toBe(false);
    expect(await drain(rt, p)).toEqual(['stop B']);
    expect(rt.whereis('sup')).toBeUndefined();
    expect(errors(rt)).toMatch(
      /Supervisor "sup" \(<[\d.]+>\) reached its maximum restart intensity \(more than 3 restarts in 5 s\) and shuts down/,
    );
  });

  it('tolerates restarts spread beyond the window (fractional maxSeconds)', async () => {
    const rt = makeTestRuntime();
    const sup = await rt.start(Supervisor, {
      children: [worker('A')],
      maxRestarts: 2,
      maxSeconds: 0.2,
    });
    for (let i = 0; i < 10; i++) {
      await killAndAwaitRestart(rt, rt.whereis('A')!);
      await killAndAwaitRestart(rt, rt.whereis('A')!);
      await rt.advance(201);
    }
    expect(rt.isAlive(sup)).toBe(true);
    await killAndAwaitRestart(rt, rt.whereis('A')!);
    await killAndAwaitRestart(rt, rt.whereis('A')!);
    const exited = rt.awaitExit(sup);
    rt.exit(rt.whereis('A')!, 'kill');
    expect(await exited).toBe('shutdown');
  });

  it('does not count exits that cause no restart', async () => {
    const rt = makeRuntime();
    const sup = await rt.start(Supervisor, {
      children: [worker('T', {}, { restart: 'transient' })],
      maxRestarts: 0,
    });
    for (let i = 0; i < 3; i++) {
      await GenServer.stop(rt, 'T');
      await Supervisor.restartChild(rt, sup, 'T');
    }
    expect(rt.isAlive(sup)).toBe(true);
  });

  it("counts each retry of a failed restart, answering between attempts, and gives up with 'shutdown' once it is exceeded", async () => {
    const rt = makeTestRuntime();
    let broken = false;
    let failures = 0;
    const failed = deferred();
    const failIf = (): boolean => {
      if (!broken) return false;
      failures++;
      failed.resolve();
      return true;
    };
    const sup = await rt.start(
      Supervisor,
      { children: [worker('A', { failIf }), worker('B')], maxRestarts: 2 },
      { name: 'sup' },
    );
    const exited = rt.awaitExit(sup);
    const bExited = rt.awaitExit(rt.whereis('B')!);
    broken = true;
    rt.exit(rt.whereis('A')!, 'kill');
    await failed.promise;
    // Two restarts allowed: the one the exit starts, and one retry; the next gives up.
    expect((await Supervisor.whichChildren(rt, sup))[0]?.pid).toBe('restarting');
    expect(await exited).toBe('shutdown');
    expect(await bExited).toBe('shutdown');
    expect(failures).toBe(2);
    expect(errors(rt).match(/could not restart child "A"/g)).toHaveLength(2);
    expect(errors(rt)).toMatch(
      /Supervisor "sup" \(<[\d.]+>\) reached its maximum restart intensity \(more than 2 restarts in 5 s\) and shuts down/,
    );
  });

  it('retries a failed restart when messages are copied', async () => {
    const rt = makeRuntime({ messages: 'copy' });
    let starts = 0;
    const failIf = (): boolean => ++starts === 2; // The first restart fails, the retry works.
    const sup = await rt.start(Supervisor, {
      children: [worker('A', { failIf }, { name: false })],
    });
    const old = await pidOf(rt, sup, 'A');
    const restarted = nextRestarts(rt);
    rt.exit(old as Pid, 'kill');
    const outcome = await Promise.race([restarted, rt.awaitExit(sup)]);
    expect(outcome, 'the supervisor died').toBeInstanceOf(Array);
    const [[, id, reason, oldPid]] = outcome as [RestartArgs];
    expect([id, reason, oldPid]).toEqual(['A', 'killed', old]);
    expect(rt.isAlive(sup)).toBe(true);
    expect(starts).toBe(3);
  });
});

describe('shutdown', () => {
  it("sends 'shutdown' and lets a child that traps exits run terminate", async () => {
    const rt = makeRuntime();
    const p = probe(rt);
    const sup = await rt.start(Supervisor, { children: [worker('A', { log: p.pid, trap: true })] });
    const pid = rt.whereis('A')!;
    await drain(rt, p);
    const exited = rt.awaitExit(pid);
    await Supervisor.terminateChild(rt, sup, 'A');
    expect(await exited).toBe('shutdown');
    expect(await drain(rt, p)).toEqual(['stop A']);
  });

  it("ends a child that does not trap exits with reason 'shutdown'", async () => {
    const rt = makeRuntime();
    const sup = await rt.start(Supervisor, { children: [worker('A')] });
    const exited = rt.awaitExit(rt.whereis('A')!);
    await Supervisor.terminateChild(rt, sup, 'A');
    expect(await exited).toBe('shutdown');
  });

  it('kills a child whose terminate does not return within its shutdown ms', async () => {
    const rt = makeTestRuntime();
    const began = deferred();
    const sup = await rt.start(Supervisor, {
      children: [
        worker(
          'stuck',
          { trap: true, gate: new Promise(() => {}), onTerminate: () => began.resolve() },
          { shutdown: 50 },
        ),
      ],
    });
    const pid = rt.whereis('stuck')!;
    const exited = rt.awaitExit(pid);
    const terminated = Supervisor.terminateChild(rt, sup, 'stuck');
    await began.promise;
    await rt.advance(49);
    expect(rt.isAlive(pid)).toBe(true);
    await rt.advance(1);
    expect(rt.isAlive(pid)).toBe(false);
    expect(await exited).toBe('killed');
    await terminated;
  });

  it("kills a 'brutal_kill' child at once, without running terminate", async () => {
    const rt = makeRuntime();
    const p = probe(rt);
    const sup = await rt.start(Supervisor, {
      children: [worker('A', { log: p.pid, trap: true }, { shutdown: 'brutal_kill' })],
    });
    await drain(rt, p);
    const exited = rt.awaitExit(rt.whereis('A')!);
    await Supervisor.terminateChild(rt, sup, 'A');
    expect(await exited).toBe('killed');
    expect(await drain(rt, p)).toEqual([]);
  });

  it("waits as long as it takes for an 'infinity' child", async () => {
    const rt = makeTestRuntime();
    const gate = deferred();
    const began = deferred();
    const sup = await rt.start(Supervisor, {
      children: [
        worker(
          'slow',
          { trap: true, gate: gate.promise, onTerminate: () => began.resolve() },
          { shutdown: 'infinity' },
        ),
      ],
    });
    const pid = rt.whereis('slow')!;
    const terminated = Supervisor.terminateChild(rt, sup, 'slow');
    const done = watch(terminated);
    await began.promise;
    await rt.advance(3_600_000);
    expect(done.settled).toBe(false);
    expect(rt.isAlive(pid)).toBe(true);
    gate.resolve();
    await terminated;
    expect(rt.isAlive(pid)).toBe(false);
  });

  it('takes its children down with it when it is killed', async () => {
    const rt = makeRuntime();
    const p = probe(rt);
    const sup = await rt.start(Supervisor, {
      children: [worker('A'), worker('B', { log: p.pid, trap: true })],
    });
    await drain(rt, p);
    const exits = [rt.awaitExit(rt.whereis('A')!), rt.awaitExit(rt.whereis('B')!)];
    rt.exit(sup, 'kill');
    expect(await Promise.all(exits)).toEqual(['killed', 'killed']);
    // B traps exits: the exit from its parent still ends it, through terminate.
    expect(await p.expectMessage()).toEqual({ event: 'stop', id: 'B', reason: 'killed' });
  });

  /**
   * Starts children A, B, C that trap exits and whose terminate waits on a gate the
   * test opens, and records 'begin X' (terminate started) and 'exit X' in one log.
   */
  async function startGated(rt: Runtime) {
    const ids = ['A', 'B', 'C'] as const;
    const log: string[] = [];
    const gates = { A: deferred(), B: deferred(), C: deferred() };
    const began = { A: deferred(), B: deferred(), C: deferred() };
    const sup = await rt.start(Supervisor, {
      children: ids.map((id) =>
        worker(id, {
          trap: true,
          gate: gates[id].promise,
          onTerminate: () => {
            log.push(`begin ${id}`);
            began[id].resolve();
          },
        }),
      ),
    });
    const pids = new Map(ids.map((id) => [rt.whereis(id)!, id]));
    rt.on('exit', (pid) => {
      const id = pids.get(pid);
      if (id !== undefined) log.push(`exit ${id}`);
    });
    /** Lets each child finish once it has begun, latest first. */
    const release = async (): Promise<void> => {
      for (const id of ['C', 'B', 'A'] as const) {
        await began[id].promise;
        gates[id].resolve();
      }
    };
    return { sup, log, release };
  }

  const SEQUENTIAL = ['begin C', 'exit C', 'begin B', 'exit B', 'begin A', 'exit A'];

  it('GenServer.stop on a supervisor stops its children in reverse start order, each waited for', async () => {
    const rt = makeRuntime();
    const { sup, log, release } = await startGated(rt);
    const stopped = GenServer.stop(rt, sup);
    await release();
    await stopped;
    expect(log).toEqual(SEQUENTIAL);
    expect(rt.processes()).toEqual([]);
  });

  it('rt.shutdown stops a supervisor’s children in reverse start order, each waited for', async () => {
    const rt = makeRuntime();
    const { log, release } = await startGated(rt);
    const shutdown = rt.shutdown({ timeout: 5000 });
    await release();
    await shutdown;
    expect(log).toEqual(SEQUENTIAL);
    expect(rt.processes()).toEqual([]);
  });
});

// ── Trees ────────────────────────────────────────────────────────────────────

describe('nested supervisors', () => {
  function leafSupervisor(id: string, workerId: string, maxRestarts: number): ChildSpec {
    return {
      id,
      type: 'supervisor',
      start: [
        Supervisor,
        { children: [worker(workerId)], maxRestarts, maxSeconds: 60 },
        { name: id },
      ],
    };
  }

  it("restarts a child supervisor that exceeded its intensity and died with 'shutdown', with fresh children", async () => {
    const rt = makeRuntime();
    const root = await rt.start(Supervisor, {
      children: [leafSupervisor('inner', 'W', 1), worker('X')],
    });
    const inner = rt.whereis('inner')!;
    const x = rt.whereis('X')!;
    await killAndAwaitRestart(rt, rt.whereis('W')!);
    const w = rt.whereis('W')!;
    const innerDied = rt.awaitExit(inner);
    const restarted = nextRestarts(rt);
    rt.exit(w, 'kill');
    expect(await innerDied).toBe('shutdown');
    const [[sup, id, reason, oldPid, newPid]] = (await restarted) as [RestartArgs];
    expect([sup, id, reason, oldPid]).toEqual([root, 'inner', 'shutdown', inner]);
    expect(rt.whereis('inner')).toBe(newPid);
    expect(rt.whereis('W')).toBeInstanceOf(Pid);
    expect(rt.whereis('W')).not.toBe(w);
    expect(rt.whereis('X')).toBe(x);
    expect(await pidOf(rt, newPid!, 'W')).toBe(rt.whereis('W'));
  });

  it('escalates up two levels: the grandparent restarts the branch when both lower supervisors give up', async () => {
    const rt = makeRuntime();
    const root = await rt.start(
      Supervisor,
      {
        children: [
          worker('sibling'),
          {
            id: 'mid',
            type: 'supervisor',
            start: [
              Supervisor,
              { children: [leafSupervisor('leaf', 'W', 0)], maxRestarts: 0 },
              { name: 'mid' },
            ],
          },
        ],
      },
      { name: 'root' },
    );
    const before = {
      mid: rt.whereis('mid')!,
      leaf: rt.whereis('leaf')!,
      W: rt.whereis('W')!,
      sibling: rt.whereis('sibling')!,
    };
    const leafDied = rt.awaitExit(before.leaf);
    const midDied = rt.awaitExit(before.mid);
    const restarted = nextRestarts(rt);
    rt.exit(before.W, 'kill');
    expect(await leafDied).toBe('shutdown');
    expect(await midDied).toBe('shutdown');
    const [[sup, id, reason, oldPid]] = (await restarted) as [RestartArgs];
    expect([sup, id, reason, oldPid]).toEqual([root, 'mid', 'shutdown', before.mid]);
    for (const name of ['mid', 'leaf', 'W'] as const) {
      expect(rt.whereis(name)).toBeInstanceOf(Pid);
      expect(rt.whereis(name)).not.toBe(before[name]);
    }
    expect(rt.whereis('sibling')).toBe(before.sibling);
    expect(rt.whereis('root')).toBe(root);
    expect(rt.log.text('error').match(/reached its maximum restart intensity/g)).toHaveLength(2);
  });

  it('ends the whole tree when the top supervisor gives up too', async () => {
    const rt = makeRuntime();
    const root = await rt.start(Supervisor, {
      children: [leafSupervisor('leaf', 'W', 0), worker('other')],
      maxRestarts: 0,
    });
    const other = rt.whereis('other')!;
    const rootDied = rt.awaitExit(root);
    rt.exit(rt.whereis('W')!, 'kill');
    expect(await rootDied).toBe('shutdown');
    expect(rt.isAlive(other)).toBe(false);
    expect(rt.processes()).toEqual([]);
  });

  it('restarts a tree of 1,000 workers: 100 random kills, each restarted under its name, the rest untouched', async () => {
    const rt = makeRuntime();
    const name = (i: number, j: number, k: number) => `w-${i}-${j}-${k}`;
    const t0 = performance.now();
    const branch = (id: string, children: ChildSpec[], maxRestarts = 3): ChildSpec => ({
      id,
      type: 'supervisor',
      start: [Supervisor, { children, maxRestarts }],
    });
    const tens = <T>(make: (n: number) => T): T[] => Array.from({ length: 10 }, (_, n) => make(n));
    const root = await rt.start(Supervisor, {
      children: tens((i) =>
        branch(
          `mid-${i}`,
          // A leaf may lose all ten workers at once: let it restart them all.
          tens((j) =>
            branch(
              `leaf-${i}-${j}`,
              tens((k) => worker(name(i, j, k))),
              10,
            ),
          ),
        ),
      ),
    });
    const names: string[] = [];
    for (let i = 0; i < 10; i++)
      for (let j = 0; j < 10; j++) for (let k = 0; k < 10; k++) names.push(name(i, j, k));
    const before = new Map(names.map((n) => [n, rt.whereis(n)!]));
    expect(new Set(before.values()).size).toBe(1000);
    const supervisorsBefore = rt
      .processes()
      .filter((pid) => rt.info(pid)?.behaviour === 'Supervisor');
    expect(supervisorsBefore).toHaveLength(111);

    // A fixed-seed shuffle, so a failure can be replayed.
    let seed = 42;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    const shuffled = [...names];
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
    }
    const victims = new Set(shuffled.slice(0, 100));

    const restarted = nextRestarts(rt, 100);
    for (const victim of victims) rt.exit(before.get(victim)!, 'kill');
    const events = await restarted;

    expect(new Set(events.map((e) => e[3]))).toEqual(
      new Set([...victims].map((v) => before.get(v))),
    );
    for (const [, , reason, oldPid, newPid] of events) {
      expect(reason).toBe('killed');
      const victim = [...victims].find((v) => before.get(v) === oldPid)!;
      expect(rt.whereis(victim)).toBe(newPid);
    }
    for (const n of names) {
      const now = rt.whereis(n);
      if (victims.has(n)) {
        expect(now).toBeInstanceOf(Pid);
        expect(now).not.toBe(before.get(n));
      } else {
        expect(now).toBe(before.get(n));
      }
    }
    expect(rt.processes().filter((pid) => rt.info(pid)?.behaviour === 'Supervisor')).toEqual(
      supervisorsBefore,
    );
    expect(rt.isAlive(root)).toBe(true);
    expect(performance.now() - t0).toBeLessThan(5000);
  });
});

// ── Bad input ────────────────────────────────────────────────────────────────

describe('invalid child specs and flags', () => {
  const cases: Array<[string, unknown, string, RegExp]> = [
    ['a missing id', { children: [{ start: [Worker, {}] }] }, 'id', /has no `id`/],
    [
      'a duplicate id',
      { children: [worker('twin'), worker('twin', {}, { name: false })] },
      'id',
      /two children have the id "twin"/,
    ],

    [
      'an unknown restart type',
      { children: [{ id: 'r', start: [Worker, {}], restart: 'sometimes' }] },
      'restart',
      /child "r": expected `restart` .*"sometimes"/,
    ],
    [
      'a negative shutdown',
      { children: [{ id: 's', start: [Worker, {}], shutdown: -1 }] },
      'shutdown',
      /child "s": expected `shutdown`.* -1/,
    ],
    [
      'a shutdown word OTP does not know',
      { children: [{ id: 's', start: [Worker, {}], shutdown: 'later' }] },
      'shutdown',
      /"later"/,
    ],
    [
      'an unknown type',
      { children: [{ id: 't', start: [Worker, {}], type: 'manager' }] },
      'type',
      /"manager"/,
    ],
    [
      'a start that is neither a tuple nor a function',
      { children: [{ id: 'n', start: 42 }] },
      'start',
      /child "n": expected `start` to be \[Class, arg, opts\?\] or a function .* got 42/,
    ],
    [
      'a start tuple without a class',
      { children: [{ id: 'n', start: ['Worker', {}] }] },
      'start',
      /not a GenServer class/,
    ],
    ['a child that is not a spec', { children: [42] }, 'spec', /got 42/],
    ['children that are not an array', { children: 'A' }, 'children', /"A"/],
  ];

  // The supervisor's own flags: a TypeError or RangeError naming the flag, as for any
  // argument of the wrong type or range (InvalidChildSpecError is for child specs).
  it.each([
    [
      'an unknown strategy',
      { children: [], strategy: 'all_for_one' },
      TypeError,
      /`strategy`.*"all_for_one"/,
    ],
    ['a negative maxRestarts', { children: [], maxRestarts: -1 }, RangeError, /`maxRestarts`.*-1/],
    [
      'a non-integer maxRestarts',
      { children: [], maxRestarts: 1.5 },
      RangeError,
      /`maxRestarts`.*1\.5/,
    ],
    ['a zero maxSeconds', { children: [], maxSeconds: 0 }, RangeError, /`maxSeconds`.*> 0, got 0/],
    ['a negative maxSeconds', { children: [], maxSeconds: -2 }, RangeError, /`maxSeconds`.*-2/],
  ] as const)(
    'makes rt.start reject with a %s error naming the flag',
    async (_, flags, ErrorClass, message) => {
      const rt = makeRuntime();
      const p = probe(rt);
      const error = await rt
        .start(Supervisor, flags as unknown as SupervisorSpec, { name: 'sup' })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ErrorClass);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).toMatch(/^Supervisor "sup" \(<[\d.]+>\) init/);
      expect(rt.processes()).toEqual([p.pid]);
      expect(rt.whereis('sup')).toBeUndefined();
    },
  );

  it.each(cases)(
    'makes rt.start reject with InvalidChildSpecError for %s',
    async (_, flags, field, message) => {
      const rt = makeRuntime();
      const p = probe(rt);
      const error = await rt
        .start(Supervisor, flags as SupervisorSpec, { name: 'sup' })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidChildSpecError);
      expect((error as InvalidChildSpecError).field).toBe(field);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).toMatch(/^Supervisor "sup" \(<[\d.]+>\) init/);
      // Nothing was started, and the name is free again.
      expect(rt.processes()).toEqual([p.pid]);
      expect(rt.whereis('sup')).toBeUndefined();
    },
  );

  it('names the child in InvalidChildSpecError.childId', async () => {
    const rt = makeRuntime();
    const error = await rt
      .start(Supervisor, { children: [{ id: 'r', start: [Worker, {}], restart: 'x' }] } as never)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ childId: 'r', field: 'restart' });
  });

  it('checks every spec before starting any child', async () => {
    const rt = makeRuntime();
    const p = probe(rt);
    await expect(
      rt.start(Supervisor, {
        children: [worker('A', { log: p.pid }), { id: 'B' } as unknown as ChildSpec],
      }),
    ).rejects.toMatchObject({ name: 'InvalidChildSpecError', field: 'start' });
    expect(await drain(rt, p)).toEqual([]);
  });

  it.each([
    ['a missing id', { start: [Worker, {}] }, 'id'],
    ['a bad start', { id: 'x', start: 'go' }, 'start'],
    ['a bad shutdown', { id: 'x', start: [Worker, {}], shutdown: 1.5 }, 'shutdown'],
  ])('makes startChild reject with InvalidChildSpecError for %s', async (_, spec, field) => {
    const rt = makeRuntime();
    const sup = await rt.start(Supervisor, { children: [] });
    const error = await Supervisor.startChild(rt, sup, spec as unknown as ChildSpec).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InvalidChildSpecError);
    expect(error).toMatchObject({ field });
    expect((error as Error).message).toMatch(/^Supervisor\.startChild: /);
  });
});
