import { describe, expect, it } from 'vitest';
import {
  type ChildSpec,
  DynamicSupervisor,
  type DynamicSupervisorSpec,
  type ExitReason,
  type From,
  GenServer,
  InvalidChildSpecError,
  ignore,
  MaxChildrenError,
  NoProcError,
  Pid,
  type Runtime,
  reply,
  StartError,
  Supervisor,
  SupervisorError,
  Sys,
} from '../../../src/index.js';
import type { TestRuntime } from '../../../src/testing/index.js';
import { type Deferred, deferred, makeRuntime, makeTestRuntime, probe } from '../../helpers.js';

/** The error reports a TestRuntime logged, as one text. */
function errors(rt: TestRuntime): string {
  return rt.logs
    .filter((entry) => entry.level === 'error')
    .map((entry) => entry.message)
    .join('\n');
}

interface WorkerArg {
  id: string;
  /** Where `{ event: 'stopping', id }` goes when terminate begins. */
  log?: Pid;
  trap?: boolean;
  fail?: unknown;
  ignore?: boolean;
  /** terminate waits for this. */
  gate?: Promise<void>;
}

interface WorkerState {
  arg: WorkerArg;
  count: number;
}

class Worker extends GenServer<WorkerState, 'count', 'inc'> {
  override init(arg: WorkerArg | undefined) {
    const a = arg ?? { id: 'Worker' };
    if (a.fail !== undefined) throw a.fail;
    if (a.ignore === true) return ignore();
    if (a.trap === true) this.self.trapExit(true);
    return { arg: a, count: 0 };
  }

  override handleCall(_request: 'count', _from: From, state: WorkerState) {
    return reply(state.count, state);
  }

  override handleCast(_request: 'inc', state: WorkerState): WorkerState {
    return { ...state, count: state.count + 1 };
  }

  override async terminate(_reason: ExitReason, state: WorkerState): Promise<void> {
    const { log, id, gate } = state.arg;
    if (log !== undefined) this.self.send(log, { event: 'stopping', id });
    if (gate !== undefined) await gate;
  }
}

function worker(
  id: string,
  arg: Omit<WorkerArg, 'id'> = {},
  extra: Partial<ChildSpec> & { name?: boolean } = {},
): ChildSpec {
  const { name, ...rest } = extra;
  return { id, start: [Worker, { id, ...arg }, name === true ? { name: id } : undefined], ...rest };
}

type RestartArgs = [
  supervisor: Pid,
  id: unknown,
  reason: ExitReason,
  oldPid: Pid | undefined,
  newPid: Pid | undefined,
];

function nextRestart(rt: Runtime): Promise<RestartArgs> {
  return new Promise((resolve) => {
    rt.once('restart', (...args: RestartArgs) => resolve(args));
  });
}

function countRestarts(rt: Runtime): { readonly count: number } {
  const counter = { count: 0 };
  rt.on('restart', () => {
    counter.count++;
  });
  return counter;
}

async function startChild(rt: Runtime, sup: Pid, spec: ChildSpec): Promise<Pid> {
  const pid = await DynamicSupervisor.startChild(rt, sup, spec);
  if (pid === undefined) throw new Error('the child did not start');
  return pid;
}

/**
 * A child whose init throws while `state.broken` is set, counting its failed starts;
 * `nextFailure()` resolves at its next failed start, from inside the child's init.
 */
function fragileChild(id: string): {
  spec: ChildSpec;
  state: { broken: boolean; failures: number };
  nextFailure(): Promise<void>;
} {
  const state = { broken: false, failures: 0 };
  let waiting: Deferred<void> | undefined;
  class Fragile extends Worker {
    override init(arg: WorkerArg | undefined) {
      if (state.broken) {
        state.failures++;
        waiting?.resolve();
        waiting = undefined;
        throw new Error(`${id} is broken`);
      }
      return super.init(arg);
    }
  }
  return {
    spec: { id, start: [Fragile, { id }] },
    state,
    nextFailure() {
      waiting = deferred();
      return waiting.promise;
    },
  };
}

/** Starts a fragile child under `sup`, breaks it, kills it, and resolves after its first failed restart. */
async function breakAndKill(
  rt: Runtime,
  sup: Pid,
  fragile: ReturnType<typeof fragileChild>,
): Promise<Pid> {
  const old = await startChild(rt, sup, fragile.spec);
  fragile.state.broken = true;
  const failed = fragile.nextFailure();
  rt.exit(old, 'kill');
  await failed;
  return old;
}

describe('rt.start(DynamicSupervisor, ...)', () => {
  it('starts with no children, with defaults for every flag', async () => {
    const rt = makeRuntime();
    const sup = await rt.start(DynamicSupervisor, {}, { name: 'dyn' });
    expect(rt.whereis('dyn')).toBe(sup);
    expect(rt.info(sup)?.behaviour).toBe('DynamicSupervisor');
    expect(await DynamicSupervisor.whichChildren(rt, sup)).toEqual([]);
    expect(await DynamicSupervisor.countChildren(rt, 'dyn')).toEqual({
      specs: 0,
      active: 0,
      supervisors: 0,
      workers: 0,
    });
  });

  it('takes its flags from a subclass init', async () => {
    class Pool extends DynamicSupervisor {
      override init(): DynamicSupervisorSpec {
        return { maxChildren: 1 };
      }
    }
    const rt = makeRuntime();
    const sup = await rt.start(Pool, undefined as never);
    await startChild(rt, sup, worker('a'));
    await expect(DynamicSupervisor.startChild(rt, sup, worker('b'))).rejects.toBeInstanceOf(
      MaxChildrenError,
    );
  });

  it.each([
    [{ maxChildren: -1 }, RangeError, '`maxChildren`'],
    [{ maxChildren: 1.5 }, RangeError, '`maxChildren`'],
    [{ maxChildren: '3' }, TypeError, '`maxChildren`'],
    [{ maxRestarts: -1 }, RangeError, '`maxRestarts`'],
    [{ maxRestarts: 0.5 }, RangeError, '`maxRestarts`'],
    [{ maxSeconds: 0 }, RangeError, '`maxSeconds`'],
    ['flags', TypeError, '{ maxChildren?'],
  ])('rejects the flags %o with a %o naming %s', async (flags, ErrorClass, named) => {
    const rt = makeRuntime();
    const error = await rt
      .start(DynamicSupervisor, flags as DynamicSupervisorSpec)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ErrorClass);
    expect((error as Error).message).toMatch(/^DynamicSupervisor <[\d.]+> init: expected/);
    expect((error as Error).message).toContain(named);
  });

  it('quotes flags that are not an object up to 200 characters, as Supervisor does', async () => {
    const rt = makeRuntime();
    const flags = 'x'.repeat(150);
    for (const Behaviour of [DynamicSupervisor, Supervisor]) {
      const error = await rt.start(Behaviour, flags as never).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message).toMatch(new RegExp(`, got "${flags}"$`));
    }
  });

  it('accepts maxChildren Infinity and 0', async () => {
    const rt = makeRuntime();
    await rt.start(DynamicSupervisor, { maxChildren: Number.POSITIVE_INFINITY });
    const none = await rt.start(DynamicSupervisor, { maxChildren: 0 });
    await expect(DynamicSupervisor.startChild(rt, none, worker('a'))).rejects.toBeInstanceOf(
      MaxChildrenError,
    );
  });
});

describe('DynamicSupervisor.childSpec', () => {
  it("gives type 'supervisor' and shutdown 'infinity'", () => {
    expect(DynamicSupervisor.childSpec({ maxChildren: 3 })).toEqual({
      id: 'DynamicSupervisor',
      start: [DynamicSupervisor, { maxChildren: 3 }],
      type: 'supervisor',
      shutdown: 'infinity',
    });
  });

  it('lets a Supervisor run a DynamicSupervisor', async () => {
    const rt = makeRuntime();
    const root = await rt.start(Supervisor, {
      children: [
        { ...DynamicSupervisor.childSpec({}), start: [DynamicSupervisor, {}, { name: 'dyn' }] },
      ],
    });
    expect(await Supervisor.countChildren(rt, root)).toMatchObject({ supervisors: 1, active: 1 });
    const child = await startChild(rt, rt.whereis('dyn')!, worker('a'));
    expect(rt.isAlive(child)).toBe(true);
  });
});

describe('DynamicSupervisor.startChild', () => {
  it('starts a child linked to the supervisor and resolves with its pid', async () => {
    const rt = makeRuntime();
    const sup = await rt.start(DynamicSupervisor, {});
    const pid = await startChild(rt, sup, worker('a', {}, { name: true }));
    expect(pid).toBeInstanceOf(Pid);
    expect(rt.whereis('a')).toBe(pid);
    expect(rt.info(pid)?.links).toEqual([sup]);
  });

  it('accepts a class, [Class, arg] and a start function', async () => {
    const rt = makeRuntime();
    const sup = await rt.start(DynamicSupervisor, {});
    await DynamicSupervisor.startChild(rt, sup, Worker);
    await DynamicSupervisor.startChild(rt, sup, [Worker, { id: 'x' }]);
    await DynamicSupervisor.startChild(rt, sup, {
      id: 'fn',
      start: (self) => GenServer.startLink(self, Worker, { id: 'fn' }),
    });
    expect(await DynamicSupervisor.countChildren(rt, sup)).toMatchObject({ active: 3, workers: 3 });
  });

  it('resolves with undefined and keeps nothing for a child whose init returns ignore()', async () => {
    const rt = makeRuntime();
    const sup = await rt.start(DynamicSupervisor, {});
    expect(
      await DynamicSupervisor.startChild(rt, sup, worker('a', { ignore: true })),
    ).toBeUndefined();
    expect(await DynamicSupervisor.whichChildren(rt, sup)).toEqual([]);
  });

  it('rejects with a StartError naming the child when it fails to start', async () => {
    const rt = makeRuntime();
    const sup = await rt.start(DynamicSupervisor, {});
    const boom = new Error('cannot');
    const error = await DynamicSupervisor.startChild(rt, sup, worker('bad', { fail: boom })).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StartError);
    expect(error).toMatchObject({ childId: 'bad', reason: boom });
    // It names the child and its class.
    expect((error as Error).message).toMatch(
      /failed to start child "bad" \(Worker\): Error: cannot/,
    );
    expect(rt.isAlive(sup)).toBe(true);
  });

  it('rejects with a StartError when a start function resolves with something other than a live pid', async () => {
    const rt = makeRuntime();
    const sup = await rt.start(DynamicSupervisor, {});
    const error = await DynamicSupervisor.startChild(rt, sup, {
      id: 'fn',
      start: () => Promise.resolve(undefined as unknown as Pid),
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'StartError', childId: 'fn' });
    expect((error as Error).message).toMatch(/resolved with undefined, not a live pid/);
  });

  it('rejects with InvalidChildSpecError for a bad spec', async () => {
    const rt = makeRuntime();
    const sup = await rt.start(DynamicSupervisor, {});
    const error = await DynamicSupervisor.startChild(rt, sup, {
      id: 'x',
      start: [Worker, {}],
      shutdown: 'never',
    } as unknown as ChildSpec).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidChildSpecError);
    expect(error).toMatchObject({ field: 'shutdown', childId: 'x' });
    expect((error as Error).message).toMatch(/^DynamicSupervisor\.startChild: child "x"/);
  });

  it('rejects with MaxChildrenError once maxChildren children run, and accepts one again after a child ends', async () => {
    const rt = makeRuntime();
    const sup = await rt.start(DynamicSupervisor, { maxChildren: 2 }, { name: 'pool' });
    const first = await startChild(rt, sup, worker('a'));
    await startChild(rt, sup, worker('b'));
    const error = await DynamicSupervisor.startChild(rt, sup, worker('c')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MaxChildrenError);
    expect(error).toMatchObject({ maxChildren: 2 });
    expect((error as Error).message).toBe(
      'DynamicSupervisor.startChild on "pool" refused: it already runs maxChildren (2) children',
    );
    await DynamicSupervisor.terminateChild(rt, sup, first);
    await expect(startChild(rt, sup, worker('c'))).resolves.toBeInstanceOf(Pid);
  });

  it('counts a child waiting to be restarted against maxChildren, as Elixir does', async () => {
    const rt = makeRuntime();
    const sup = await rt.start(DynamicSupervisor, {
      maxChildren: 1,
      maxRestarts: 1_000_000,
      maxSeconds: 3600,
    });
    const fragile = fragileChild('f');
    await breakAndKill(rt, sup, fragile);
    await expect(DynamicSupervisor.startChild(rt, sup, worker('b'))).rejects.toBeInstanceOf(
      MaxChildrenError,
    );
    const restarted = nextRestart(rt);
    fragile.state.broken = false;
    await restarted;
    expect(await DynamicSupervisor.countChildren(rt, sup)).toMatchObject({ specs: 1, active: 1 });
  });

  it('rejects with NoProcError for a supervisor that is not there', async () => {
    const rt = makeRuntime();
    await expect(DynamicSupervisor.startChild(rt, 'nobody', worker('a'))).rejects.toBeInstanceOf(
      NoProcError,
    );
  });
});

describe('DynamicSupervisor.terminateChild', () => {
  it("stops the child with 'shutdown' and forgets it; it is not restarted", async () => {
    const rt = makeRuntime();
    const restarts = countRestarts(rt);
    const sup = await rt.start(DynamicSupervisor, {});
    const a = await startChild(rt, sup, worker('a'));
    const b = await startChild(rt, sup, worker('b'));
    const exited = rt.awaitExit(a);
    await DynamicSupervisor.terminateChild(rt, sup, a);
    expect(await exited).toBe('shutdown');
    expect(await DynamicSupervisor.whichChildren(rt, sup)).toEqual([
      { id: undefined, pid: b, type: 'worker' },
    ]);
    expect(restarts.count).toBe(0);
  });

  it("kills a 'brutal_kill' child at once", async () => {
    const rt = makeRuntime();
    const p = probe(rt);
    const sup = await rt.start(DynamicSupervisor, {});
    const pid = await startChild(
      rt,
      sup,
      worker('a', { trap: true, log: p.pid }, { shutdown: 'brutal_kill' }),
    );
    const exited = rt.awaitExit(pid);
    await DynamicSupervisor.terminateChild(rt, sup, pid);
    expect(await exited).toBe('killed');
    await p.expectNoMessage(20);
  });

  it("rejects with SupervisorError 'not_found' for a pid that is not its child", async () => {
    const rt = makeRuntime();
    const sup = await rt.start(DynamicSupervisor, {}, { name: 'dyn' });
    const stranger = rt.spawn(() => new Promise(() => {}));
    const error = await DynamicSupervisor.terminateChild(rt, sup, stranger).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SupervisorError);
    expect(error).toMatchObject({ reason: 'not_found' });
    expect((error as Error).message).toBe(
      `DynamicSupervisor.terminateChild on DynamicSupervisor "dyn" (${sup}): ${stranger} is not one of its children (not_found)`,
    );
    expect(rt.isAlive(stranger)).toBe(true);
  });

  it("rejects with 'not_found' for a child already terminated", async () => {
    const rt = makeRuntime();
    const sup = await rt.start(DynamicSupervisor, {});
    const pid = await startChild(rt, sup, worker('a'));
    await DynamicSupervisor.terminateChild(rt, sup, pid);
    await expect(DynamicSupervisor.terminateChild(rt, sup, pid)).rejects.toMatchObject({
      name: 'SupervisorError',
      reason: 'not_found',
    });
  });
  it('stops retrying a child waiting to be restarted, found under the pid it exited as', async () => {
    const rt = makeRuntime();
    const restarts = countRestarts(rt);
    const sup = await rt.start(DynamicSupervisor, { maxRestarts: 1_000_000, maxSeconds: 3600 });
    const fragile = fragileChild('f');
    const old = await breakAndKill(rt, sup, fragile);
    await DynamicSupervisor.terminateChild(rt, sup, old);
    const failures = fragile.state.failures;
    // A retry already in the mailbox is dropped when its turn comes, before this call.
    expect(await DynamicSupervisor.whichChildren(rt, sup)).toEqual([]);
    expect(fragile.state.failures).toBe(failures);
    expect(restarts.count).toBe(0);
    await expect(DynamicSupervisor.terminateChild(rt, sup, old)).rejects.toMatchObject({
      name: 'SupervisorError',
      reason: 'not_found',
    });
    expect(rt.isAlive(sup)).toBe(true);
  });
});

describe('DynamicSupervisor.whichChildren', () => {
  it('lists the children in start order', async () => {
    const rt = makeRuntime();
    const sup = await rt.start(DynamicSupervisor, {});
    const pids = [];
    for (const id of ['a', 'b', 'c', 'd']) pids.push(await startChild(rt, sup, worker(id)));
    pids.push(await startChild(rt, sup, { ...DynamicSupervisor.childSpec({}), id: 'inner' }));
    expect(await DynamicSupervisor.whichChildren(rt, sup)).toEqual([
      { id: undefined, pid: pids[0], type: 'worker' },
      { id: undefined, pid: pids[1], type: 'worker' },
      { id: undefined, pid: pids[2], type: 'worker' },
      { id: undefined, pid: pids[3], type: 'worker' },
      { id: undefined, pid: pids[4], type: 'supervisor' },
    ]);
  });
  it("shows a child whose restart failed as 'restarting', answering between attempts until it starts again", async () => {
    const rt = makeRuntime();
    const sup = await rt.start(DynamicSupervisor, { maxRestarts: 1_000_000, maxSeconds: 3600 });
    const fragile = fragileChild('f');
    const old = await breakAndKill(rt, sup, fragile);
    // Each failed attempt is retried through the supervisor's mailbox, so calls get in between.
    const restarting = [{ id: undefined, pid: 'restarting', type: 'worker' }];
    expect(await DynamicSupervisor.whichChildren(rt, sup)).toEqual(restarting);
    const failures = fragile.state.failures;
    await fragile.nextFailure();
    expect(fragile.state.failures).toBeGreaterThan(failures);
    expect(await DynamicSupervisor.whichChildren(rt, sup)).toEqual(restarting);
    expect(rt.log.text('error')).toMatch(
      /could not restart a child: Error: f is broken; trying again/,
    );
    const restarted = nextRestart(rt);
    fragile.state.broken = false;
    const [s, id, reason, oldPid, newPid] = await restarted;
    expect([s, id, reason, oldPid]).toEqual([sup, 'f', 'killed', old]);
    expect(await DynamicSupervisor.whichChildren(rt, sup)).toEqual([
      { id: undefined, pid: newPid, type: 'worker' },
    ]);
  });
});

describe('DynamicSupervisor.countChildren', () => {
  it('counts running children by type', async () => {
    const rt = makeRuntime();
    const sup = await rt.start(DynamicSupervisor, {});
    await startChild(rt, sup, worker('a'));
    const b = await startChild(rt, sup, worker('b'));
    await startChild(rt, sup, { ...DynamicSupervisor.childSpec({}), id: 'inner' });
    await DynamicSupervisor.terminateChild(rt, sup, b);
    expect(await DynamicSupervisor.countChildren(rt, sup)).toEqual({
      specs: 2,
      active: 2,
      supervisors: 1,
      workers: 1,
    });
  });
  it('counts a child waiting to be restarted as a spec, not as active', async () => {
    const rt = makeRuntime();
    const sup = await rt.start(DynamicSupervisor, { maxRestarts: 1_000_000, maxSeconds: 3600 });
    await startChild(rt, sup, worker('a'));
    const fragile = fragileChild('f');
    await breakAndKill(rt, sup, fragile);
    expect(await DynamicSupervisor.countChildren(rt, sup)).toEqual({
      specs: 2,
      active: 1,
      supervisors: 0,
      workers: 2,
    });
    expect(await Sys.getState(rt, sup)).toEqual({
      maxChildren: Number.POSITIVE_INFINITY,
      children: 1,
    });
    const restarted = nextRestart(rt);
    fragile.state.broken = false;
    await restarted;
    expect(await DynamicSupervisor.countChildren(rt, sup)).toMatchObject({ specs: 2, active: 2 });
  });
});

describe('DynamicSupervisor restarts', () => {
  it("restarts a permanent child from its spec under its name with a new pid, emitting 'restart'", async () => {
    const rt = makeRuntime();
    const sup = await rt.start(DynamicSupervisor, {}, { name: 'dyn' });
    const other = await startChild(rt, sup, worker('other'));
    const old = await startChild(rt, sup, worker('a', {}, { name: true }));
    GenServer.cast(rt, 'a', 'inc');
    expect(await GenServer.call(rt, 'a', 'count')).toBe(1);
    const restarted = nextRestart(rt);
    rt.exit(old, 'kill');
    const [s, id, reason, oldPid, newPid] = await restarted;
    expect([s, id, reason, oldPid]).toEqual([sup, 'a', 'killed', old]);
    expect(newPid).toBeInstanceOf(Pid);
    expect(rt.whereis('a')).toBe(newPid);
    expect(await GenServer.call(rt, 'a', 'count')).toBe(0);
    expect(rt.info(newPid!)?.links).toEqual([sup]);
    expect((await DynamicSupervisor.whichChildren(rt, sup)).map((c) => c.pid)).toEqual([
      other,
      newPid,
    ]);
    expect(rt.log.text('info')).toMatch(
      new RegExp(
        `DynamicSupervisor "dyn" \\(${sup}\\) restarted a child \\(reason: killed\\) ${old} -> ${newPid}`,
      ),
    );
  });

  it.each([
    ['permanent', 'normal', 1],
    ['permanent', 'crash', 1],
    ['transient', 'normal', 0],
    ['transient', 'shutdown', 0],
    ['transient', 'crash', 1],
    ['temporary', 'normal', 0],
    ['temporary', 'crash', 0],
  ] as const)('restarts a %s child that exits %s %i time(s)', async (restart, how, expected) => {
    const rt = makeRuntime();
    const restarts = countRestarts(rt);
    const sup = await rt.start(DynamicSupervisor, {});
    const pid = await startChild(rt, sup, worker('a', {}, { restart }));
    await GenServer.stop(rt, pid, how === 'crash' ? new Error('crash') : how);
    // Any restart is done before the supervisor answers this call.
    const children = await DynamicSupervisor.whichChildren(rt, sup);
    expect(restarts.count).toBe(expected);
    expect(children).toHaveLength(expected);
    if (expected === 1) expect(children[0]?.pid).not.toBe(pid);
  });

  it("tolerates maxRestarts restarts within maxSeconds; one more stops every child and ends it with 'shutdown'", async () => {
    const rt = makeTestRuntime();
    const sup = await rt.start(
      DynamicSupervisor,
      { maxRestarts: 2, maxSeconds: 1 },
      { name: 'dyn' },
    );
    const bystander = await startChild(rt, sup, worker('by'));
    await startChild(rt, sup, worker('a', {}, { name: true }));
    for (let i = 0; i < 2; i++) {
      const restarted = nextRestart(rt);
      rt.exit(rt.whereis('a')!, 'kill');
      await restarted;
    }
    const exited = rt.awaitExit(sup);
    const bystanderExited = rt.awaitExit(bystander);
    rt.exit(rt.whereis('a')!, 'kill');
    expect(await exited).toBe('shutdown');
    expect(await bystanderExited).toBe('shutdown');
    expect(errors(rt)).toMatch(
      /DynamicSupervisor "dyn" \(<[\d.]+>\) reached its maximum restart intensity \(more than 2 restarts in 1 s\)/,
    );
  });

  it('tolerates restarts spread beyond the window', async () => {
    const rt = makeTestRuntime();
    const sup = await rt.start(DynamicSupervisor, { maxRestarts: 1, maxSeconds: 0.2 });
    await startChild(rt, sup, worker('a', {}, { name: true }));
    for (let i = 0; i < 5; i++) {
      const restarted = nextRestart(rt);
      rt.exit(rt.whereis('a')!, 'kill');
      await restarted;
      await rt.advance(201);
    }
    expect(rt.isAlive(sup)).toBe(true);
  });

  it('ends with shutdown when a restart keeps failing', async () => {
    const rt = makeRuntime();
    let broken = false;
    class Fragile extends Worker {
      override init(arg: WorkerArg | undefined) {
        if (broken) throw new Error('still broken');
        return super.init(arg);
      }
    }
    const sup = await rt.start(DynamicSupervisor, { maxRestarts: 3 });
    const pid = await startChild(rt, sup, { id: 'f', start: [Fragile, { id: 'f' }] });
    broken = true;
    const exited = rt.awaitExit(sup);
    rt.exit(pid, 'kill');
    expect(await exited).toBe('shutdown');
    expect(
      rt.log.text('error').match(/could not restart a child: Error: still broken/g),
    ).toHaveLength(3);
  });

  it("counts each retry of a failed restart against the intensity, and gives up with 'shutdown' once it is exceeded", async () => {
    const rt = makeTestRuntime();
    const sup = await rt.start(DynamicSupervisor, { maxRestarts: 3 }, { name: 'dyn' });
    const restarted = nextRestart(rt);
    rt.exit(await startChild(rt, sup, worker('a')), 'kill');
    const [, , , , a] = await restarted;
    // One restart done leaves room for two attempts: the one the exit starts, and one retry.
    const fragile = fragileChild('f');
    const exited = rt.awaitExit(sup);
    const aExited = rt.awaitExit(a!);
    await breakAndKill(rt, sup, fragile);
    // Between two attempts the supervisor still answers.
    expect(await DynamicSupervisor.whichChildren(rt, sup)).toContainEqual({
      id: undefined,
      pid: 'restarting',
      type: 'worker',
    });
    expect(await exited).toBe('shutdown');
    expect(await aExited).toBe('shutdown');
    expect(fragile.state.failures).toBe(2);
    expect(
      errors(rt).match(/could not restart a child: Error: f is broken; trying again/g),
    ).toHaveLength(2);
    expect(errors(rt)).toMatch(
      /DynamicSupervisor "dyn" \(<[\d.]+>\) reached its maximum restart intensity \(more than 3 restarts in 5 s\) and shuts down/,
    );
  });

  it('tries a failed restart again at once, and reports the exit behind it when it works', async () => {
    const rt = makeRuntime();
    let failures = 0;
    class Flaky extends Worker {
      override init(arg: WorkerArg | undefined) {
        if (failures > 0) {
          failures--;
          throw new Error('not yet');
        }
        return super.init(arg);
      }
    }
    const sup = await rt.start(DynamicSupervisor, { maxRestarts: 3 });
    const old = await startChild(rt, sup, { id: 'f', start: [Flaky, { id: 'f' }] });
    failures = 2;
    const restarted = nextRestart(rt);
    rt.exit(old, 'kill');
    const [s, id, reason, oldPid, newPid] = await restarted;
    expect([s, id, reason, oldPid]).toEqual([sup, 'f', 'killed', old]);
    expect((await DynamicSupervisor.whichChildren(rt, sup)).map((c) => c.pid)).toEqual([newPid]);
    expect(rt.log.text('error').match(/could not restart a child: Error: not yet/g)).toHaveLength(
      2,
    );
  });

  it('forgets a child whose init returns ignore() on a restart; the event has no new pid', async () => {
    const rt = makeRuntime();
    const sup = await rt.start(DynamicSupervisor, {});
    const arg: WorkerArg = { id: 'a' };
    const old = await startChild(rt, sup, { id: 'a', start: [Worker, arg] });
    arg.ignore = true;
    const restarted = nextRestart(rt);
    rt.exit(old, 'kill');
    expect(await restarted).toEqual([sup, 'a', 'killed', old, undefined]);
    expect(await DynamicSupervisor.whichChildren(rt, sup)).toEqual([]);
  });

  it('shows in Sys.getState its children as they are now, a restarted one once', async () => {
    const rt = makeRuntime();
    const sup = await rt.start(DynamicSupervisor, { maxChildren: 5 });
    const old = await startChild(rt, sup, worker('a'));
    await startChild(rt, sup, worker('b'));
    expect(await Sys.getState(rt, sup)).toEqual({ maxChildren: 5, children: 2 });
    const restarted = nextRestart(rt);
    rt.exit(old, 'kill');
    await restarted;
    expect(await Sys.getState(rt, sup)).toEqual({ maxChildren: 5, children: 2 });
  });
});

describe('stopping a DynamicSupervisor', () => {
  it('stops its children concurrently', async () => {
    const rt = makeRuntime();
    const p = probe(rt);
    const release = deferred();
    const sup = await rt.start(DynamicSupervisor, {});
    const pids: Pid[] = [];
    for (const id of ['a', 'b', 'c'])
      pids.push(
        await startChild(rt, sup, worker(id, { trap: true, log: p.pid, gate: release.promise })),
      );
    const stopped = GenServer.stop(rt, sup);
    // All three terminates must begin while none has finished: each waits on the same gate.
    const began = new Set<unknown>();
    for (let i = 0; i < 3; i++) began.add(((await p.expectMessage()) as { id: string }).id);
    expect(began).toEqual(new Set(['a', 'b', 'c']));
    expect(pids.every((pid) => rt.isAlive(pid))).toBe(true);
    release.resolve();
    await stopped;
    expect(pids.some((pid) => rt.isAlive(pid))).toBe(false);
    expect(rt.isAlive(sup)).toBe(false);
  });

  it('kills each child whose terminate outlasts its shutdown time', async () => {
    const rt = makeTestRuntime();
    const p = rt.probe();
    const never = new Promise<void>(() => {});
    const sup = await rt.start(DynamicSupervisor, {});
    const pids: Pid[] = [];
    for (const id of ['a', 'b', 'c'])
      pids.push(
        await startChild(
          rt,
          sup,
          worker(id, { trap: true, log: p.pid, gate: never }, { shutdown: 50 }),
        ),
      );
    const exits = pids.map((pid) => rt.awaitExit(pid).then((reason) => [reason, rt.now()]));
    const stopped = GenServer.stop(rt, sup);
    await rt.advance(49);
    expect(pids.map((pid) => rt.isAlive(pid))).toEqual([true, true, true]);
    await rt.advance(1);
    await stopped;
    // Stopped all at once, as OTP's dynamic supervisor does: each killed at exactly 50 ms.
    expect(await Promise.all(exits)).toEqual([
      ['killed', 50],
      ['killed', 50],
      ['killed', 50],
    ]);
    for (let i = 0; i < 3; i++)
      expect(await p.expectMessage()).toMatchObject({ event: 'stopping' });
  });

  it('stops, with its other children, while a child waits to be restarted', async () => {
    const rt = makeRuntime();
    const sup = await rt.start(DynamicSupervisor, { maxRestarts: 1_000_000, maxSeconds: 3600 });
    const other = await startChild(rt, sup, worker('a'));
    await breakAndKill(rt, sup, fragileChild('f'));
    const exits = [rt.awaitExit(sup), rt.awaitExit(other)];
    await GenServer.stop(rt, sup);
    expect(await Promise.all(exits)).toEqual(['normal', 'shutdown']);
  });

  it('stops its children on rt.shutdown', async () => {
    const rt = makeRuntime();
    const sup = await rt.start(DynamicSupervisor, {});
    const pids = [await startChild(rt, sup, worker('a')), await startChild(rt, sup, worker('b'))];
    const exits = pids.map((pid) => rt.awaitExit(pid));
    await rt.shutdown();
    expect(await Promise.all(exits)).toEqual(['shutdown', 'shutdown']);
  });
});
