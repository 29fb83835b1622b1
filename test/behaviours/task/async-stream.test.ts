import { describe, expect, it } from 'vitest';
import { type Self, Task, TaskError, type TaskResult } from '../../../src/index.js';
import { deferred, forever, makeRuntime } from '../../helpers.js';

async function collect<T>(stream: AsyncIterable<TaskResult<T>>): Promise<TaskResult<T>[]> {
  const out: TaskResult<T>[] = [];
  for await (const result of stream) out.push(result);
  return out;
}

/** Gates opened by the test, one per key, so the order tasks finish in is the test's. */
function gates<K>() {
  const map = new Map<K, ReturnType<typeof deferred<void>>>();
  const gate = (key: K) => {
    let entry = map.get(key);
    if (entry === undefined) map.set(key, (entry = deferred<void>()));
    return entry;
  };
  return { wait: (key: K) => gate(key).promise, open: (key: K) => gate(key).resolve() };
}

describe('Task.asyncStream', () => {
  it('yields { ok } for each item in the order of the items', async () => {
    const rt = makeRuntime();
    const results = await collect(
      Task.asyncStream(rt, [1, 2, 3, 4, 5], async (x) => x * 10, { maxConcurrency: 2 }),
    );
    expect(results).toEqual([{ ok: 10 }, { ok: 20 }, { ok: 30 }, { ok: 40 }, { ok: 50 }]);
  });

  it('yields { exit } for an item whose task crashed, and goes on', async () => {
    const rt = makeRuntime();
    const results = await collect(
      Task.asyncStream(rt, ['a', 'b', 'c'], (x) => {
        if (x === 'b') throw new Error('bad b');
        return x;
      }),
    );
    expect(results[0]).toEqual({ ok: 'a' });
    expect(results[1]).toMatchObject({ exit: { message: 'bad b' } });
    expect(results[2]).toEqual({ ok: 'c' });
  });

  it('yields results as they come with ordered: false', async () => {
    const rt = makeRuntime();
    const g = gates<number>();
    const stream = Task.asyncStream(
      rt,
      [1, 2, 3],
      async (x) => {
        await g.wait(x);
        return x;
      },
      { ordered: false, maxConcurrency: 3 },
    );
    const iterator = stream[Symbol.asyncIterator]();
    const first = iterator.next();
    g.open(3);
    expect((await first).value).toEqual({ ok: 3 });
    g.open(1);
    expect((await iterator.next()).value).toEqual({ ok: 1 });
    g.open(2);
    expect((await iterator.next()).value).toEqual({ ok: 2 });
    expect((await iterator.next()).done).toBe(true);
  });

  it('runs at most maxConcurrency tasks at once', async () => {
    const rt = makeRuntime();
    let running = 0;
    let most = 0;
    const results = await collect(
      Task.asyncStream(
        rt,
        Array.from({ length: 20 }, (_, i) => i),
        async (x) => {
          running++;
          most = Math.max(most, running);
          await Promise.resolve();
          running--;
          return x;
        },
        { maxConcurrency: 3 },
      ),
    );
    expect(results).toHaveLength(20);
    expect(most).toBe(3);
  });

  it('pulls items lazily, only as results are consumed', async () => {
    const rt = makeRuntime();
    let pulled = 0;
    function* items() {
      for (let i = 0; i < 100; i++) {
        pulled++;
        yield i;
      }
    }
    const iterator = Task.asyncStream(rt, items(), (x) => x, { maxConcurrency: 2 })[
      Symbol.asyncIterator
    ]();
    expect(pulled).toBe(0);
    await iterator.next();
    expect(pulled).toBe(2);
    await iterator.next();
    expect(pulled).toBe(3);
    await iterator.return?.();
  });

  it('takes an async iterable', async () => {
    const rt = makeRuntime();
    async function* items() {
      yield 'x';
      await Promise.resolve();
      yield 'y';
    }
    expect(await collect(Task.asyncStream(rt, items(), (s) => s.toUpperCase()))).toEqual([
      { ok: 'X' },
      { ok: 'Y' },
    ]);
  });

  it('shuts the running tasks down when the loop is left early, and closes the items', async () => {
    const rt = makeRuntime();
    const pids: Self[] = [];
    let closed = false;
    function* items() {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        closed = true;
      }
    }
    const stream = Task.asyncStream(
      rt,
      items(),
      (x, self) => {
        if (x === 0) return 'first';
        pids.push(self);
        return forever(self);
      },
      { maxConcurrency: 3 },
    );
    for await (const result of stream) {
      expect(result).toEqual({ ok: 'first' });
      break;
    }
    expect(closed).toBe(true);
    expect(pids).toHaveLength(2);
    for (const self of pids) expect(rt.isAlive(self.pid)).toBe(false);
  });

  it("throws a TaskError with reason 'timeout' when a task outlives its timeout (onTimeout 'exit')", async () => {
    const rt = makeRuntime();
    const selves: Self[] = [];
    const stream = Task.asyncStream(
      rt,
      [1, 2],
      (x, self) => {
        selves.push(self);
        return x === 1 ? 'quick' : forever(self);
      },
      { timeout: 10 },
    );
    const seen: unknown[] = [];
    const error = await (async () => {
      try {
        for await (const result of stream) seen.push(result);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(seen).toEqual([{ ok: 'quick' }]);
    expect(error).toBeInstanceOf(TaskError);
    expect((error as TaskError).reason).toBe('timeout');
    for (const self of selves) expect(rt.isAlive(self.pid)).toBe(false);
  });

  it("kills the late task and yields { exit: 'timeout' } with onTimeout 'kill_task'", async () => {
    const rt = makeRuntime();
    const results = await collect(
      Task.asyncStream(rt, [1, 2, 3], (x, self) => (x === 2 ? forever(self) : x), {
        timeout: 10,
        onTimeout: 'kill_task',
      }),
    );
    expect(results).toEqual([{ ok: 1 }, { exit: 'timeout' }, { ok: 3 }]);
  });

  it('links the tasks to a calling process, which lives on when the stream shuts them down', async () => {
    const rt = makeRuntime();
    const done = deferred<unknown[]>();
    const owner = rt.spawn(async (self) => {
      const out: unknown[] = [];
      for await (const r of Task.asyncStream(self, [1, 2], (x, s) => (x === 2 ? forever(s) : x), {
        timeout: 10,
        onTimeout: 'kill_task',
      }))
        out.push(r);
      done.resolve(out);
      await self.receive();
    });
    expect(await done.promise).toEqual([{ ok: 1 }, { exit: 'timeout' }]);
    expect(rt.isAlive(owner)).toBe(true);
  });

  it('yields nothing for no items', async () => {
    const rt = makeRuntime();
    expect(await collect(Task.asyncStream(rt, [], (x) => x))).toEqual([]);
  });

  it('throws at once a TypeError or RangeError naming a bad argument', () => {
    const rt = makeRuntime();
    expect(() => Task.asyncStream(rt, 5 as never, (x) => x)).toThrow(/`items`/);
    expect(() => Task.asyncStream(rt, [1], 'f' as never)).toThrow(/`fn`/);
    expect(() => Task.asyncStream(rt, [1], (x) => x, { maxConcurrency: 0 })).toThrow(RangeError);
    expect(() => Task.asyncStream(rt, [1], (x) => x, { ordered: 'yes' as never })).toThrow(
      /`opts.ordered`/,
    );
    expect(() => Task.asyncStream(rt, [1], (x) => x, { onTimeout: 'ignore' as never })).toThrow(
      /`opts.onTimeout`/,
    );
    expect(() => Task.asyncStream(rt, [1], (x) => x, { timeout: -1 })).toThrow(RangeError);
  });
});
