import { describe, expect, it } from 'vitest';
import { timersOf } from '../../../src/core/kernel.js';
import {
  Exit,
  type From,
  GenServer,
  ok,
  type Pid,
  type Runtime,
  reply,
  Supervisor,
  Task,
  TaskError,
} from '../../../src/index.js';
import { deferred, forever, makeRuntime, rejection } from '../../helpers.js';

describe('Task.async', () => {
  it('returns the task at once, with its pid and no owner when the runtime starts it', async () => {
    const rt = makeRuntime();
    const task = Task.async(rt, () => 1);
    expect(task).toBeInstanceOf(Task);
    expect(task.owner).toBeUndefined();
    expect(task.ref).toBe(task.ref);
    expect(String(task)).toBe(`Task<${String(task.pid).slice(1, -1)}>`);
    expect(await Task.await(task)).toBe(1);
  });

  it('gives the task its own self, whose signal aborts when the task is killed', async () => {
    const rt = makeRuntime();
    const seen = deferred<Pid>();
    const aborted = deferred<unknown>();
    const task = Task.async(rt, (self) => {
      seen.resolve(self.pid);
      self.signal.addEventListener('abort', () => aborted.resolve(self.signal.reason));
      return forever(self);
    });
    expect(await seen.promise).toBe(task.pid);
    rt.exit(task.pid, 'kill');
    expect(await aborted.promise).toBe('killed');
  });

  it("aborts the task's signal with 'shutdown' when it is shut down", async () => {
    const rt = makeRuntime();
    const aborted = deferred<unknown>();
    const task = Task.async(rt, (self) => {
      self.signal.addEventListener('abort', () => aborted.resolve(self.signal.reason));
      return forever(self);
    });
    await Task.yield(task, 0);
    await Task.shutdown(task);
    expect(await aborted.promise).toBe('shutdown');
  });

  it("aborts the task's signal with the owner's reason when its linked owner dies", async () => {
    const rt = makeRuntime();
    const aborted = deferred<unknown>();
    const running = deferred();
    const owner = rt.spawn(async (self) => {
      Task.async(self, (task) => {
        task.signal.addEventListener('abort', () => aborted.resolve(task.signal.reason));
        running.resolve();
        return forever(task);
      });
      await self.receive();
    });
    await running.promise;
    rt.exit(owner, 'owner gone');
    expect(await aborted.promise).toBe('owner gone');
  });

  it('links the task to a calling process: the task crashing takes the owner down', async () => {
    const rt = makeRuntime();
    const owner = rt.spawn(async (self) => {
      Task.async(self, () => {
        throw new Error('task failed');
      });
      await self.receive();
    });
    const reason = await rt.awaitExit(owner);
    expect((reason as Error).message).toBe('task failed');
  });

  it('links the task to a calling process: the owner dying takes the task down', async () => {
    const rt = makeRuntime();
    const started = deferred<Task<never>>();
    const owner = rt.spawn(async (self) => {
      started.resolve(Task.async(self, forever));
      await self.receive();
    });
    const task = await started.promise;
    expect(task.owner).toBe(owner);
    const exited = rt.awaitExit(task.pid);
    rt.exit(owner, 'boom');
    expect(await exited).toBe('boom');
  });

  it('links the task to a GenServer given as caller', async () => {
    const rt = makeRuntime();
    class Owner extends GenServer<undefined, 'spawn'> {
      override init() {
        return ok(undefined);
      }
      override handleCall(_request: 'spawn', _from: From, state: undefined) {
        return reply(Task.async(this, forever).pid, state);
      }
    }
    const owner = await rt.start(Owner, undefined);
    const taskPid = await GenServer.call<Pid>(rt, owner, 'spawn');
    const exited = rt.awaitExit(taskPid);
    rt.exit(owner, 'stopped');
    expect(await exited).toBe('stopped');
  });

  it('copies the result when the runtime copies messages', async () => {
    const rt = makeRuntime({ messages: 'copy' });
    const shared = { n: 1 };
    const task = Task.async(rt, () => shared);
    const result = await Task.await(task);
    expect(result).toEqual({ n: 1 });
    expect(result).not.toBe(shared);
  });

  it('throws a TypeError for a caller that is not one and an fn that is not a function', () => {
    const rt = makeRuntime();
    expect(() => Task.async({} as Runtime, () => 1)).toThrow(TypeError);
    expect(() => Task.async(rt, 42 as never)).toThrow(/expected `fn` to be a function, got 42/);
  });
});

describe('Task.await', () => {
  it('resolves with the value of an async function', async () => {
    const rt = makeRuntime();
    const gate = deferred<string>();
    const task = Task.async(rt, async () => `got ${await gate.promise}`);
    gate.resolve('it');
    expect(await Task.await(task)).toBe('got it');
  });

  it('rejects with a TaskError carrying the exit reason when the task crashes', async () => {
    const rt = makeRuntime();
    const task = Task.async(rt, async () => {
      throw new Error('boom');
    });
    const error = (await rejection(Task.await(task))) as TaskError;
    expect(error).toBeInstanceOf(TaskError);
    expect((error.reason as Error).message).toBe('boom');
    expect(error.pid).toBe(task.pid);
    expect(error.message).toBe(
      `Task.await of ${task} failed: the task exited with reason Error: boom`,
    );
  });

  it('rejects with reason timeout when the time passes first, and the task keeps running', async () => {
    const rt = makeRuntime();
    const gate = deferred<number>();
    const task = Task.async(rt, () => gate.promise);
    const error = (await rejection(Task.await(task, 10))) as TaskError;
    expect(error.reason).toBe('timeout');
    expect(error.message).toMatch(/timed out after 10 ms \(the task keeps running\)/);
    expect(rt.isAlive(task.pid)).toBe(true);
    gate.resolve(7);
    expect(await Task.await(task)).toBe(7);
  });

  it('gives the same outcome when a settled task is awaited again', async () => {
    const rt = makeRuntime();
    const task = Task.async(rt, () => 'once');
    expect(await Task.await(task)).toBe('once');
    expect(await Task.await(task)).toBe('once');
  });

  it('waits forever with Infinity', async () => {
    const rt = makeRuntime();
    const gate = deferred<number>();
    const task = Task.async(rt, () => gate.promise);
    const result = Task.await(task, Number.POSITIVE_INFINITY);
    gate.resolve(3);
    expect(await result).toBe(3);
  });

  it('reports a task killed from outside as its exit', async () => {
    const rt = makeRuntime();
    const task = Task.async(rt, forever);
    const awaited = Task.await(task, Number.POSITIVE_INFINITY);
    rt.exit(task.pid, 'kill');
    expect(((await rejection(awaited)) as TaskError).reason).toBe('killed');
  });

  it('rejects (never throws) with a TypeError for a non-task and a RangeError for a bad timeout', async () => {
    const rt = makeRuntime();
    await expect(Task.await({} as Task)).rejects.toThrow(/expected `task` to be a Task/);
    await expect(
      Task.await(
        Task.async(rt, () => 1),
        -1,
      ),
    ).rejects.toBeInstanceOf(RangeError);
  });

  it("has the awaiting function's frame in the stack of its error", async () => {
    const rt = makeRuntime();
    const task = Task.async(rt, forever);
    async function waitForIt(): Promise<unknown> {
      return await Task.await(task, 5);
    }
    const error = (await rejection(waitForIt())) as TaskError;
    expect(error.stack).toMatch(/at (async )?waitForIt /);
  });
});

describe('Task.awaitMany', () => {
  it('gives every result in the order of the tasks', async () => {
    const rt = makeRuntime();
    const late = deferred<string>();
    const tasks = [Task.async(rt, () => late.promise), Task.async(rt, () => 'b')];
    const all = Task.awaitMany(tasks);
    late.resolve('a');
    expect(await all).toEqual(['a', 'b']);
    expect(await Task.awaitMany([])).toEqual([]);
  });

  it('rejects on the first task to fail', async () => {
    const rt = makeRuntime();
    const tasks = [
      Task.async(rt, forever),
      Task.async(rt, () => {
        throw new Error('second');
      }),
    ];
    const error = (await rejection(Task.awaitMany(tasks, 30_000))) as TaskError;
    expect((error.reason as Error).message).toBe('second');
    expect(error.pid).toBe(tasks[1]!.pid);
  });

  it('rejects with reason timeout when the common timeout passes', async () => {
    const rt = makeRuntime();
    const tasks = [Task.async(rt, () => 1), Task.async(rt, forever)];
    const error = (await rejection(Task.awaitMany(tasks, 10))) as TaskError;
    expect(error.reason).toBe('timeout');
    expect(error.pid).toBe(tasks[1]!.pid);
  });

  it('rejects with a TypeError naming the entry that is not a task', async () => {
    const rt = makeRuntime();
    await expect(Task.awaitMany([Task.async(rt, () => 1), 5 as never])).rejects.toThrow(
      /expected `tasks\[1\]` to be a Task/,
    );
  });
});

describe('Task.yield', () => {
  it('gives { ok } for a result, { exit } for a crash, undefined on timeout', async () => {
    const rt = makeRuntime();
    expect(await Task.yield(Task.async(rt, () => 5))).toEqual({ ok: 5 });
    const crash = await Task.yield(
      Task.async(rt, () => {
        throw new Error('no');
      }),
    );
    expect(crash).toMatchObject({ exit: { message: 'no' } });
    const running = Task.async(rt, forever);
    expect(await Task.yield(running, 5)).toBeUndefined();
    expect(rt.isAlive(running.pid)).toBe(true);
  });
});

describe('Task.yieldMany', () => {
  it('gives one entry per task, in order, within one timeout', async () => {
    const rt = makeRuntime();
    const tasks: Task<unknown>[] = [
      Task.async(rt, forever),
      Task.async(rt, () => 'done'),
      Task.async(rt, () => {
        throw new Error('bad');
      }),
    ];
    const results = await Task.yieldMany(tasks, 20);
    expect(results[0]).toBeUndefined();
    expect(results[1]).toEqual({ ok: 'done' });
    expect(results[2]).toMatchObject({ exit: { message: 'bad' } });
  });

  it('resolves as soon as every task settled', async () => {
    const rt = makeRuntime();
    const results = await Task.yieldMany(
      [Task.async(rt, () => 1), Task.async(rt, () => 2)],
      Number.POSITIVE_INFINITY,
    );
    expect(results).toEqual([{ ok: 1 }, { ok: 2 }]);
  });
  it('leaves no timer behind once its tasks settled in time', async () => {
    const rt = makeRuntime();
    for (let i = 0; i < 200; i++) {
      const gate = deferred<number>();
      const waiting = Task.yieldMany([Task.async(rt, () => gate.promise)], 60_000);
      gate.resolve(i);
      expect(await waiting).toEqual([{ ok: i }]);
    }
    expect(timersOf(rt).size).toBe(0);
  });
});

describe('Task.shutdown', () => {
  it('stops a running task and resolves undefined', async () => {
    const rt = makeRuntime();
    const task = Task.async(rt, forever);
    expect(await Task.shutdown(task)).toBeUndefined();
    expect(rt.isAlive(task.pid)).toBe(false);
  });

  it('gives { ok } for a task that had finished and { exit } for one that had died', async () => {
    const rt = makeRuntime();
    const done = Task.async(rt, () => 'finished');
    await Task.yield(done);
    expect(await Task.shutdown(done)).toEqual({ ok: 'finished' });
    const died = Task.async(rt, () => {
      throw new Error('dead');
    });
    await Task.yield(died);
    expect(await Task.shutdown(died)).toMatchObject({ exit: { message: 'dead' } });
  });

  it("kills a task that traps exits after its shutdown time, and says 'killed'", async () => {
    const rt = makeRuntime();
    const trapping = deferred();
    const task = Task.async(rt, async (self) => {
      self.trapExit(true);
      trapping.resolve();
      await self.receive({ match: () => false });
    });
    await trapping.promise;
    expect(await Task.shutdown(task, 10)).toEqual({ exit: 'killed' });
  });

  it('gives { ok } when the task returns while it is being shut down', async () => {
    const rt = makeRuntime();
    const trapping = deferred();
    const task = Task.async(rt, async (self) => {
      self.trapExit(true);
      trapping.resolve();
      const exit = await self.receive({ match: (m) => m instanceof Exit });
      return `saw ${(exit as Exit).reason}`;
    });
    await trapping.promise;
    expect(await Task.shutdown(task, 30_000)).toEqual({ ok: 'saw shutdown' });
  });

  it("kills at once with 'brutal_kill', resolving undefined", async () => {
    const rt = makeRuntime();
    const task = Task.async(rt, forever);
    expect(await Task.shutdown(task, 'brutal_kill')).toBeUndefined();
    expect(rt.isAlive(task.pid)).toBe(false);
  });

  it('unlinks the task from its owner first, so the owner lives on', async () => {
    const rt = makeRuntime();
    const result = deferred<unknown>();
    const owner = rt.spawn(async (self) => {
      const task = Task.async(self, forever);
      result.resolve(await Task.shutdown(task, 'brutal_kill'));
      await self.receive();
    });
    expect(await result.promise).toBeUndefined();
    expect(rt.isAlive(owner)).toBe(true);
  });

  it('rejects with a TypeError for a bad shutdown', async () => {
    const rt = makeRuntime();
    await expect(
      Task.shutdown(
        Task.async(rt, () => 1),
        'soon' as never,
      ),
    ).rejects.toThrow(/`shutdown`/);
  });
});

describe('Task.start and Task.startLink', () => {
  it('start runs a task linked to nothing and resolves its pid', async () => {
    const rt = makeRuntime();
    const ran = deferred<Pid>();
    const gate = deferred();
    const caller = rt.spawn(async (self) => {
      const pid = await Task.start(self, async () => {
        await gate.promise;
        throw new Error('alone');
      });
      ran.resolve(pid);
      await self.receive();
    });
    const pid = await ran.promise;
    const exited = rt.awaitExit(pid);
    gate.resolve();
    expect(((await exited) as Error).message).toBe('alone');
    expect(rt.isAlive(caller)).toBe(true);
  });

  it('startLink links the task to the calling process', async () => {
    const rt = makeRuntime();
    const owner = rt.spawn(async (self) => {
      await Task.startLink(self, () => {
        throw new Error('linked');
      });
      await self.receive();
    });
    expect(((await rt.awaitExit(owner)) as Error).message).toBe('linked');
  });

  it('startLink rejects with a TypeError for the Runtime as caller', async () => {
    const rt = makeRuntime();
    await expect(Task.startLink(rt as never, () => 1)).rejects.toThrow(/got the Runtime/);
  });
});

describe('Task.childSpec', () => {
  it('is a temporary child with id Task that runs fn under a supervisor', async () => {
    const rt = makeRuntime();
    const ran = deferred<Pid>();
    const spec = Task.childSpec((self) => ran.resolve(self.pid));
    expect(spec).toMatchObject({ id: 'Task', restart: 'temporary' });
    const sup = await rt.start(Supervisor, { children: [spec], strategy: 'one_for_one' });
    const pid = await ran.promise;
    await rt.awaitExit(pid);
    expect(await Supervisor.whichChildren(rt, sup)).toEqual([]);
  });

  it('takes id, restart and shutdown from opts; a transient task crashing runs again', async () => {
    const rt = makeRuntime();
    let runs = 0;
    const twice = deferred();
    const spec = Task.childSpec(
      () => {
        runs++;
        if (runs === 1) throw new Error('first run fails');
        twice.resolve();
      },
      { id: 'warm', restart: 'transient', shutdown: 100 },
    );
    expect(spec).toMatchObject({ id: 'warm', restart: 'transient', shutdown: 100 });
    await rt.start(Supervisor, { children: [spec], strategy: 'one_for_one' });
    await twice.promise;
    expect(runs).toBe(2);
  });
});
