import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  Agent,
  CallError,
  GenServer,
  NoProcError,
  type Pid,
  StartError,
  Supervisor,
  Sys,
} from '../../src/index.js';
import { deferred, makeRuntime, rejection } from '../helpers.js';

describe('rt.start(Agent)', () => {
  it('starts an agent whose state is what initFn gives, async or not', async () => {
    const rt = makeRuntime();
    await rt.start(Agent, () => 5, { name: 'five' });
    await rt.start(Agent, async () => ['a'], { name: 'list' });
    expect(await Agent.get(rt, 'five', (n: number) => n)).toBe(5);
    expect(await Agent.get(rt, 'list', (l: string[]) => l)).toEqual(['a']);
  });

  it('holds undefined as a state like any other', async () => {
    const rt = makeRuntime();
    const pid = await rt.start(Agent, () => undefined);
    expect(await Agent.get(rt, pid, (s: unknown) => s === undefined)).toBe(true);
  });

  it('rejects with StartError when initFn throws, and with a TypeError when it is not a function', async () => {
    const rt = makeRuntime();
    const error = (await rejection(
      rt.start(Agent, () => {
        throw new Error('no state');
      }),
    )) as StartError;
    expect(error).toBeInstanceOf(StartError);
    expect((error.reason as Error).message).toBe('no state');
    await expect(rt.start(Agent, 42 as never)).rejects.toThrow(
      /expected `initFn` to be a function/,
    );
  });

  it('shows as an Agent to Sys, whose getState and replaceState reach its state', async () => {
    const rt = makeRuntime();
    const pid = await rt.start(Agent, () => 1);
    expect(await Sys.getState(rt, pid)).toBe(1);
    await Sys.replaceState(rt, pid, (n) => (n as number) + 10);
    expect(await Agent.get(rt, pid, (n: number) => n)).toBe(11);
    const status = await Sys.getStatus(rt, pid);
    expect(status.behaviour).toBe('Agent');
    expect(status.module).toBe('Agent');
  });
});

describe('Agent.startLink', () => {
  it('starts an agent linked to the calling process', async () => {
    const rt = makeRuntime();
    const started = deferred<Pid>();
    const parent = rt.spawn(async (self) => {
      started.resolve(await Agent.startLink(self, () => 0));
      await self.receive();
    });
    const agent = await started.promise;
    const exited = rt.awaitExit(agent);
    rt.exit(parent, 'bye');
    expect(await exited).toBe('bye');
  });

  it('rejects with a TypeError for the Runtime as self', async () => {
    const rt = makeRuntime();
    await expect(Agent.startLink(rt as never, () => 0)).rejects.toThrow(TypeError);
  });
});

describe('Agent.get', () => {
  it('resolves with what fn returns, running inside the agent, async included', async () => {
    const rt = makeRuntime();
    const pid = await rt.start(Agent, () => ({ n: 2 }));
    expect(await Agent.get(rt, pid, async (s: { n: number }) => s.n * 3)).toBe(6);
  });

  it('takes no other request while an async function runs', async () => {
    const rt = makeRuntime();
    const pid = await rt.start(Agent, () => [] as string[]);
    const gate = deferred();
    const slow = Agent.update(rt, pid, async (log: string[]) => {
      await gate.promise;
      return [...log, 'slow'];
    });
    const quick = Agent.update(rt, pid, (log: string[]) => [...log, 'quick']);
    gate.resolve();
    await Promise.all([slow, quick]);
    expect(await Agent.get(rt, pid, (log: string[]) => log)).toEqual(['slow', 'quick']);
  });

  it('ends the agent with the error fn throws, rejecting with a CallError carrying it', async () => {
    const rt = makeRuntime();
    const pid = await rt.start(Agent, () => 0);
    const exited = rt.awaitExit(pid);
    const error = (await rejection(
      Agent.get(rt, pid, () => {
        throw new Error('bad fn');
      }),
    )) as CallError;
    expect(error).toBeInstanceOf(CallError);
    expect((error.reason as Error).message).toBe('bad fn');
    expect(((await exited) as Error).message).toBe('bad fn');
  });

  it('rejects with NoProcError for no agent, TypeError for a non-function, after timeout ms', async () => {
    const rt = makeRuntime();
    await expect(Agent.get(rt, 'nobody', (s) => s)).rejects.toBeInstanceOf(NoProcError);
    const pid = await rt.start(Agent, () => 0);
    await expect(Agent.get(rt, pid, 'x' as never)).rejects.toThrow(/`fn`/);
    const gate = deferred();
    const held = Agent.update(rt, pid, async (n: number) => {
      await gate.promise;
      return n;
    });
    await expect(Agent.get(rt, pid, (n: number) => n, 10)).rejects.toMatchObject({
      reason: 'timeout',
    });
    gate.resolve();
    await held;
  });

  it('gives a copy under messages: copy, so the caller cannot change the state', async () => {
    const rt = makeRuntime({ messages: 'copy' });
    const pid = await rt.start(Agent, () => ({ items: [1] }));
    const got = await Agent.get(rt, pid, (s: { items: number[] }) => s);
    got.items.push(2);
    expect(await Agent.get(rt, pid, (s: { items: number[] }) => s.items)).toEqual([1]);
  });
});

describe('Agent.update', () => {
  it('replaces the state with what fn returns and resolves once applied', async () => {
    const rt = makeRuntime();
    const pid = await rt.start(Agent, () => 1);
    await expect(Agent.update(rt, pid, (n: number) => n + 1)).resolves.toBeUndefined();
    expect(await Agent.get(rt, pid, (n: number) => n)).toBe(2);
  });
});

describe('Agent.getAndUpdate', () => {
  it('resolves with the result and keeps the new state', async () => {
    const rt = makeRuntime();
    const pid = await rt.start(Agent, () => 10);
    expect(await Agent.getAndUpdate(rt, pid, (n: number) => [n, n + 1] as const)).toBe(10);
    expect(await Agent.get(rt, pid, (n: number) => n)).toBe(11);
  });

  it('ends the agent with a TypeError when fn does not return a pair', async () => {
    const rt = makeRuntime();
    const pid = await rt.start(Agent, () => 10);
    const error = (await rejection(
      Agent.getAndUpdate(rt, pid, (n: number) => n as never),
    )) as CallError;
    expect(error.reason).toBeInstanceOf(TypeError);
    expect((error.reason as Error).message).toMatch(/\[result, newState\], got 10/);
  });
});

describe('Agent.cast', () => {
  it('updates the state without waiting', async () => {
    const rt = makeRuntime();
    const pid = await rt.start(Agent, () => 0);
    Agent.cast(rt, pid, (n: number) => n + 5);
    expect(await Agent.get(rt, pid, (n: number) => n)).toBe(5);
  });

  it('does nothing for no agent, and throws a TypeError for a non-function', async () => {
    const rt = makeRuntime();
    expect(() => Agent.cast(rt, 'nobody', (n: number) => n)).not.toThrow();
    expect(() => Agent.cast(rt, 'nobody', null as never)).toThrow(/`fn`/);
  });
});

describe('Agent.stop', () => {
  it('stops the agent with the reason', async () => {
    const rt = makeRuntime();
    const pid = await rt.start(Agent, () => 0);
    const exited = rt.awaitExit(pid);
    await Agent.stop(rt, pid, 'shutdown');
    expect(await exited).toBe('shutdown');
  });
});

describe('Agent.ref', () => {
  it('gives the five functions typed by the state', async () => {
    const rt = makeRuntime();
    await rt.start(Agent, () => [] as string[], { name: 'cart' });
    const cart = Agent.ref<string[]>(rt, 'cart');
    await cart.update((items) => [...items, 'apple']);
    cart.cast((items) => [...items, 'pear']);
    expect(await cart.getAndUpdate((items) => [items.length, []] as const)).toBe(2);
    const count = cart.get((items) => items.length);
    expectTypeOf(count).toEqualTypeOf<Promise<number>>();
    expect(await count).toBe(0);
    // @ts-expect-error the state is a string[]
    void (() => cart.update((items) => items.length));
    await cart.stop();
    expect(rt.whereis('cart')).toBeUndefined();
  });
});

describe('Agent under supervision', () => {
  it('has id Agent as [Agent, initFn], and is restarted from initFn after a crash', async () => {
    const rt = makeRuntime();
    expect(Agent.childSpec(() => 0)).toMatchObject({ id: 'Agent' });
    const sup = await rt.start(Supervisor, {
      children: [{ ...Agent.childSpec(() => 0), start: [Agent, () => 0, { name: 'count' }] }],
      strategy: 'one_for_one',
    });
    await Agent.update(rt, 'count', (n: number) => n + 3);
    const restarted = deferred<Pid>();
    rt.on('restart', (_sup, _id, _reason, _old, next) => restarted.resolve(next!));
    await Agent.get(rt, 'count', () => {
      throw new Error('crash');
    }).catch(() => undefined);
    await restarted.promise;
    expect(await Agent.get(rt, 'count', (n: number) => n)).toBe(0);
    const [child] = await Supervisor.whichChildren(rt, sup);
    expect(child!.id).toBe('Agent');
  });

  it('answers GenServer.call with the same requests as any server', async () => {
    const rt = makeRuntime();
    const pid = await rt.start(Agent, () => 0);
    const exited = rt.awaitExit(pid);
    await expect(GenServer.call(rt, pid, 'not an agent request')).rejects.toBeInstanceOf(CallError);
    expect(((await exited) as Error).message).toMatch(/not an Agent request/);
  });
});
