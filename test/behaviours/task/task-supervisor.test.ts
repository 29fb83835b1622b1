import { describe, expect, it } from 'vitest';
import {
  MaxChildrenError,
  NoProcError,
  type Pid,
  Supervisor,
  SupervisorError,
  Task,
  TaskError,
  type TaskResult,
  TaskSupervisor,
} from '../../../src/index.js';
import { deferred, forever, makeRuntime } from '../../helpers.js';

async function collect<T>(stream: AsyncIterable<TaskResult<T>>): Promise<TaskResult<T>[]> {
  const out: TaskResult<T>[] = [];
  for await (const result of stream) out.push(result);
  return out;
}

async function startSup(opts: { maxChildren?: number } = {}) {
  const rt = makeRuntime();
  const sup = await rt.start(TaskSupervisor, opts, { name: 'Tasks' });
  return { rt, sup };
}

describe('rt.start(TaskSupervisor)', () => {
  it('starts a supervisor of tasks that is itself a valid child of a supervisor', async () => {
    const rt = makeRuntime();
    const top = await rt.start(Supervisor, {
      children: [[TaskSupervisor, { maxChildren: 2 }]],
      strategy: 'one_for_one',
    });
    const [child] = await Supervisor.whichChildren(rt, top);
    expect(child).toMatchObject({ id: 'TaskSupervisor', type: 'supervisor' });
    const task = await TaskSupervisor.async(rt, child!.pid as Pid, () => 'under a tree');
    expect(await Task.await(task)).toBe('under a tree');
  });

  it('rejects a bad maxChildren with a RangeError naming it', async () => {
    const rt = makeRuntime();
    await expect(rt.start(TaskSupervisor, { maxChildren: -1 })).rejects.toThrow(/maxChildren/);
  });
});

describe('TaskSupervisor.async', () => {
  it('starts a task as a child of the supervisor and resolves it', async () => {
    const { rt, sup } = await startSup();
    const gate = deferred<number>();
    const task = await TaskSupervisor.async(rt, 'Tasks', () => gate.promise);
    expect(await TaskSupervisor.children(rt, sup)).toEqual([task.pid]);
    gate.resolve(9);
    expect(await Task.await(task)).toBe(9);
  });

  it('links the task to a calling process: its crash takes the caller down', async () => {
    const { rt } = await startSup();
    const caller = rt.spawn(async (self) => {
      const task = await TaskSupervisor.async(self, 'Tasks', () => {
        throw new Error('supervised crash');
      });
      await Task.yield(task);
      await self.receive();
    });
    expect(((await rt.awaitExit(caller)) as Error).message).toBe('supervised crash');
  });

  it('stops its tasks when the supervisor stops', async () => {
    const { rt, sup } = await startSup();
    const task = await TaskSupervisor.async(rt, 'Tasks', forever);
    const exited = rt.awaitExit(task.pid);
    rt.exit(sup, 'shutdown');
    expect(await exited).toBe('shutdown');
    expect(((await Task.yield(task)) as { exit: unknown }).exit).toBe('shutdown');
  });

  it('rejects with MaxChildrenError past maxChildren', async () => {
    const { rt } = await startSup({ maxChildren: 1 });
    await TaskSupervisor.async(rt, 'Tasks', forever);
    await expect(TaskSupervisor.async(rt, 'Tasks', forever)).rejects.toBeInstanceOf(
      MaxChildrenError,
    );
  });

  it('rejects with NoProcError for a supervisor that is not there', async () => {
    const rt = makeRuntime();
    await expect(TaskSupervisor.async(rt, 'Nobody', () => 1)).rejects.toBeInstanceOf(NoProcError);
  });
});

describe('TaskSupervisor.asyncNolink', () => {
  it('gives a task whose crash only fails its await; the caller lives on', async () => {
    const { rt } = await startSup();
    const outcome = deferred<unknown>();
    const caller = rt.spawn(async (self) => {
      const task = await TaskSupervisor.asyncNolink(self, 'Tasks', () => {
        throw new Error('only mine');
      });
      outcome.resolve(await Task.await(task).catch((e: unknown) => e));
      await self.receive();
    });
    const error = (await outcome.promise) as TaskError;
    expect(error).toBeInstanceOf(TaskError);
    expect((error.reason as Error).message).toBe('only mine');
    expect(rt.isAlive(caller)).toBe(true);
  });
});

describe('TaskSupervisor.asyncStream and asyncStreamNolink', () => {
  it('runs each item in a supervised task, in order', async () => {
    const { rt } = await startSup();
    const results = await collect(
      TaskSupervisor.asyncStream(rt, 'Tasks', [1, 2, 3], (x) => x + 1, { maxConcurrency: 2 }),
    );
    expect(results).toEqual([{ ok: 2 }, { ok: 3 }, { ok: 4 }]);
  });

  it('yields { exit } for a crash without taking the calling process down (Nolink)', async () => {
    const { rt } = await startSup();
    const done = deferred<TaskResult<number>[]>();
    const caller = rt.spawn(async (self) => {
      done.resolve(
        await collect(
          TaskSupervisor.asyncStreamNolink(self, 'Tasks', [1, 2], (x) => {
            if (x === 1) throw new Error('one');
            return x;
          }),
        ),
      );
      await self.receive();
    });
    const results = await done.promise;
    expect(results[0]).toMatchObject({ exit: { message: 'one' } });
    expect(results[1]).toEqual({ ok: 2 });
    expect(rt.isAlive(caller)).toBe(true);
  });
});

describe('TaskSupervisor.startChild', () => {
  it('starts a temporary task and resolves its pid', async () => {
    const { rt, sup } = await startSup();
    const ran = deferred<Pid>();
    const pid = await TaskSupervisor.startChild(rt, 'Tasks', (self) => {
      ran.resolve(self.pid);
      return forever(self);
    });
    expect(await ran.promise).toBe(pid);
    expect(await TaskSupervisor.children(rt, sup)).toEqual([pid]);
  });

  it('runs a transient task again after it crashes', async () => {
    const { rt } = await startSup();
    let runs = 0;
    const second = deferred<Pid>();
    const first = await TaskSupervisor.startChild(
      rt,
      'Tasks',
      (self) => {
        runs++;
        if (runs === 1) throw new Error('flaky');
        second.resolve(self.pid);
      },
      { restart: 'transient' },
    );
    expect(await second.promise).not.toBe(first);
    expect(runs).toBe(2);
  });

  it('rejects with a TypeError for a bad restart and MaxChildrenError when full', async () => {
    const { rt } = await startSup({ maxChildren: 0 });
    await expect(
      TaskSupervisor.startChild(rt, 'Tasks', () => 1, { restart: 'permanent' as never }),
    ).rejects.toThrow(/`opts.restart`/);
    await expect(TaskSupervisor.startChild(rt, 'Tasks', () => 1)).rejects.toBeInstanceOf(
      MaxChildrenError,
    );
  });
});

describe('TaskSupervisor.children and terminateChild', () => {
  it('lists the running tasks and stops one by pid', async () => {
    const { rt, sup } = await startSup();
    const a = await TaskSupervisor.async(rt, 'Tasks', forever);
    const b = await TaskSupervisor.async(rt, 'Tasks', forever);
    expect(await TaskSupervisor.children(rt, sup)).toEqual([a.pid, b.pid]);
    await TaskSupervisor.terminateChild(rt, sup, a.pid);
    expect(await TaskSupervisor.children(rt, sup)).toEqual([b.pid]);
    expect(await Task.yield(a)).toEqual({ exit: 'shutdown' });
    await expect(TaskSupervisor.terminateChild(rt, sup, a.pid)).rejects.toBeInstanceOf(
      SupervisorError,
    );
  });
});
