import { expect, describe as group, it } from 'vitest';
import {
  CallError,
  type ExitReason,
  type From,
  GenServer,
  GenStatem,
  ignore,
  NoProcError,
  Pid,
  StartError,
  Statem,
  type StatemEvent,
  Supervisor,
  Sys,
  stop,
} from '../../../src/index.js';
import { deferred, makeRuntime } from '../../helpers.js';
import { type Result, type Script, Scripted } from './scripted.js';

const keep = (): Result => Statem.keepStateAndData();

group('rt.start', () => {
  it('starts in the state and data init gives; Sys.getState gives [state, data]', async () => {
    const rt = makeRuntime();
    const pid = await rt.start(
      Scripted,
      { state: 'idle', data: { n: 1 }, handle: keep },
      { name: 'm' },
    );
    expect(rt.whereis('m')).toBe(pid);
    await expect(Sys.getState(rt, 'm')).resolves.toEqual(['idle', { n: 1 }]);
    const status = await Sys.getStatus(rt, pid);
    expect(status.behaviour).toBe('GenStatem');
    expect(status.module).toBe('Scripted');
    expect(rt.info(pid)?.behaviour).toBe('GenStatem');
  });

  it('awaits an async init', async () => {
    class Slow extends GenStatem<string, number> {
      override async init(n: number) {
        await new Promise((resolve) => setImmediate(resolve));
        return Statem.ok('ready', n);
      }
      override handleEvent() {
        return Statem.keepStateAndData();
      }
    }
    const rt = makeRuntime();
    const pid = await rt.start(Slow, 7);
    await expect(Sys.getState(rt, pid)).resolves.toEqual(['ready', 7]);
  });

  it("rejects with StartError when init returns stop(reason), and with reason 'ignore' for ignore()", async () => {
    class Refuses extends GenStatem {
      override init(how: 'stop' | 'ignore') {
        return how === 'stop' ? stop('no thanks') : ignore();
      }
      override handleEvent() {
        return Statem.keepStateAndData();
      }
    }
    const rt = makeRuntime();
    const stopped = rt.start(Refuses, 'stop', { name: 'r' });
    await expect(stopped).rejects.toBeInstanceOf(StartError);
    await expect(stopped).rejects.toMatchObject({ reason: 'no thanks' });
    await expect(rt.start(Refuses, 'ignore')).rejects.toMatchObject({ reason: 'ignore' });
    expect(rt.whereis('r')).toBeUndefined();
  });

  it('rejects with StartError whose reason is a TypeError naming init and the value it returned', async () => {
    class Bad extends GenStatem {
      override init() {
        return 42 as never;
      }
      override handleEvent() {
        return Statem.keepStateAndData();
      }
    }
    const rt = makeRuntime();
    const error = (await rt.start(Bad, undefined).catch((e: unknown) => e)) as StartError;
    expect(error).toBeInstanceOf(StartError);
    expect(error.reason).toBeInstanceOf(TypeError);
    expect((error.reason as Error).message).toMatch(
      /^Bad <0\.\d+\.0>: init returned 42; expected Statem\.ok\(state, data, actions\?\), stop\(reason\) or ignore\(\)/,
    );
  });
});

group('GenStatem.call, cast and reply', () => {
  it('replies later with GenStatem.reply to a call kept in the data', async () => {
    const rt = makeRuntime();
    const pid = await rt.start(Scripted, {
      state: 'waiting',
      data: undefined,
      handle: (event, _state, data) => {
        if (event.type === 'call') return Statem.keepState(event.from);
        if (event.type === 'cast') {
          GenStatem.reply(data as From, `released by ${String(event.content)}`);
          return Statem.keepState(undefined);
        }
        return keep();
      },
    });
    const answer = GenStatem.call(rt, pid, 'hold');
    GenStatem.cast(rt, pid, 'cast');
    await expect(answer).resolves.toBe('released by cast');
  });

  it('rejects with NoProcError for an unknown name and CallError when the machine dies during the call', async () => {
    const rt = makeRuntime();
    await expect(GenStatem.call(rt, 'nobody', 'x')).rejects.toBeInstanceOf(NoProcError);
    const pid = await rt.start(Scripted, {
      state: 'a',
      handle: (event) => (event.type === 'call' ? Statem.stop('went away') : keep()),
    });
    const error = (await GenStatem.call(rt, pid, 'x').catch((e: unknown) => e)) as CallError;
    expect(error).toBeInstanceOf(CallError);
    expect(error.reason).toBe('went away');
  });

  it('reports bad arguments by rejecting, never by throwing synchronously', async () => {
    const rt = makeRuntime();
    const call = GenStatem.call(rt, 'x', 'y', -1);
    await expect(call).rejects.toBeInstanceOf(RangeError);
    await expect(GenStatem.call({} as never, 'x', 'y')).rejects.toThrow(
      /GenStatem\.call: expected `caller`/,
    );
    await expect(GenStatem.startLink(rt as never, Scripted, undefined as never)).rejects.toThrow(
      /GenStatem\.startLink: expected `self` to be a process/,
    );
    await expect(GenStatem.stop(rt, 'nobody')).rejects.toBeInstanceOf(NoProcError);
    expect(() => GenStatem.cast(rt, 42 as never, 'x')).toThrow(TypeError);
    expect(() => GenStatem.reply({} as never, 1)).toThrow(/GenStatem\.reply: expected `from`/);
  });

  it('does nothing when casting to a dead or unregistered destination', async () => {
    const rt = makeRuntime();
    expect(() => GenStatem.cast(rt, 'nobody', 'x')).not.toThrow();
  });
});

group('Statem.stop and stopAndReply', () => {
  it('runs terminate(reason, state, data) with the new data, then exits with the reason', async () => {
    const rt = makeRuntime();
    const terminated = deferred<[ExitReason, unknown, unknown]>();
    const pid = await rt.start(Scripted, {
      state: 'a',
      data: 1,
      handle: (event) => (event.type === 'cast' ? Statem.stop('normal', 2) : keep()),
      terminate: (reason, state, data) => terminated.resolve([reason, state, data]),
    });
    const exit = rt.awaitExit(pid);
    GenStatem.cast(rt, pid, 'bye');
    await expect(terminated.promise).resolves.toEqual(['normal', 'a', 2]);
    await expect(exit).resolves.toBe('normal');
  });

  it('sends the replies first, then stops', async () => {
    const rt = makeRuntime();
    const pid = await rt.start(Scripted, {
      state: 'a',
      handle: (event) =>
        event.type === 'call'
          ? Statem.stopAndReply('normal', [Statem.reply(event.from, 'bye')])
          : keep(),
    });
    const exit = rt.awaitExit(pid);
    await expect(GenStatem.call(rt, pid, 'quit')).resolves.toBe('bye');
    await expect(exit).resolves.toBe('normal');
  });

  it('GenStatem.stop runs terminate and resolves once the machine has exited', async () => {
    const rt = makeRuntime();
    const seen: unknown[] = [];
    const pid = await rt.start(Scripted, {
      state: 's',
      data: 'd',
      handle: keep,
      terminate: (reason, state, data) => seen.push(reason, state, data),
    });
    await GenStatem.stop(rt, pid, 'shutdown');
    expect(seen).toEqual(['shutdown', 's', 'd']);
    expect(rt.isAlive(pid)).toBe(false);
  });
});

group('bad returns', () => {
  async function crashWith(handle: Script['handle']) {
    const rt = makeRuntime();
    const pid = await rt.start(Scripted, { state: 'locked', handle }, { name: 'door' });
    const exit = rt.awaitExit(pid);
    GenStatem.cast(rt, pid, 'push');
    return { reason: (await exit) as Error, rt };
  }

  it('end the machine with a TypeError naming handleEvent, the state and the value', async () => {
    const { reason, rt } = await crashWith(() => 'oops' as never);
    expect(reason).toBeInstanceOf(TypeError);
    expect(reason.message).toMatch(
      /^Scripted "door" \(<0\.\d+\.0>\): handleEvent for \{ type: 'cast', content: 'push' \} in state "locked" returned "oops"; expected Statem\.nextState/,
    );
    expect(rt.log.text('error')).toContain('handleEvent');
  });

  it('end the machine with a TypeError naming a bad action', async () => {
    const { reason } = await crashWith(() =>
      Statem.keepStateAndData([{ type: 'timeout', time: -1 }]),
    );
    expect(reason).toBeInstanceOf(TypeError);
    expect(reason.message).toMatch(
      /handleEvent in state "locked" returned a bad action .*`time` must be a number of ms >= 0/,
    );
  });

  it('end the machine with a thrown error as its reason, after terminate', async () => {
    const rt = makeRuntime();
    const terminated = deferred<unknown>();
    const pid = await rt.start(Scripted, {
      state: 'a',
      handle: () => {
        throw new Error('boom');
      },
      terminate: (reason) => terminated.resolve(reason),
    });
    const exit = rt.awaitExit(pid);
    GenStatem.cast(rt, pid, 'x');
    expect(((await exit) as Error).message).toBe('boom');
    expect(((await terminated.promise) as Error).message).toBe('boom');
  });
});

group('Sys', () => {
  it('replaceState gets [state, data] and sets both from what fn returns', async () => {
    const rt = makeRuntime();
    const pid = await rt.start(Scripted, {
      state: 'a',
      data: 1,
      handle: (event, state, data) =>
        event.type === 'call'
          ? Statem.keepStateAndData([Statem.reply(event.from, [state, data])])
          : keep(),
    });
    const replaced = await Sys.replaceState<[string, number]>(rt, pid, ([s, d]) => [
      `${s}!`,
      d + 1,
    ]);
    expect(replaced).toEqual(['a!', 2]);
    await expect(GenStatem.call(rt, pid, 'state')).resolves.toEqual(['a!', 2]);
  });

  it('replaceState rejects with a TypeError when fn returns no [state, data], and keeps the state', async () => {
    const rt = makeRuntime();
    const pid = await rt.start(Scripted, { state: 'a', data: 1, handle: keep });
    await expect(Sys.replaceState(rt, pid, () => 'nope')).rejects.toThrow(
      /whose state is \[state, data\]/,
    );
    await expect(Sys.getState(rt, pid)).resolves.toEqual(['a', 1]);
  });

  it('suspend queues events, resume handles them in order', async () => {
    const rt = makeRuntime();
    const log: unknown[] = [];
    const pid = await rt.start(Scripted, {
      state: 'a',
      handle: (event) => {
        if (event.type === 'cast') log.push(event.content);
        return keep();
      },
    });
    await Sys.suspend(rt, pid);
    GenStatem.cast(rt, pid, 1);
    GenStatem.cast(rt, pid, 2);
    expect(log).toEqual([]);
    await Sys.resume(rt, pid);
    await GenStatem.call(rt, pid, 'sync');
    expect(log).toEqual([1, 2]);
  });
});

group('supervision', () => {
  type LockState = 'locked' | 'open';
  class Lock extends GenStatem<LockState, number> {
    override init(n: number) {
      return Statem.ok<LockState, number>('locked', n);
    }
    override handleEvent(event: StatemEvent<LockState>, state: LockState, n: number) {
      if (event.type === 'cast' && event.content === 'break') return undefined as never;
      if (event.type === 'call')
        return Statem.keepStateAndData([Statem.reply(event.from, [state, n])]);
      return Statem.keepStateAndData();
    }
  }

  it('restarts a machine that ended on a bad return, under its name, from its spec', async () => {
    const rt = makeRuntime();
    await rt.start(Supervisor, {
      children: [{ id: 'lock', start: [Lock, 3, { name: 'lock' }] }],
      strategy: 'one_for_one',
    });
    const old = rt.whereis('lock')!;
    const restarted = deferred<Pid>();
    rt.on('restart', (_sup, id, _reason, _old, pid) => {
      if (id === 'lock') restarted.resolve(pid as Pid);
    });
    GenStatem.cast(rt, 'lock', 'break');
    const pid = await restarted.promise;
    expect(pid).toBeInstanceOf(Pid);
    expect(pid).not.toBe(old);
    await expect(GenServer.call(rt, 'lock', 'get')).resolves.toEqual(['locked', 3]);
    expect(rt.log.text('error')).toMatch(/handleEvent for .* in state "locked" returned undefined/);
  });

  it('is a child given as [Class, arg] with its class name as id', async () => {
    const rt = makeRuntime();
    const sup = await rt.start(Supervisor, { children: [[Lock, 1]], strategy: 'one_for_one' });
    const children = await Supervisor.whichChildren(rt, sup);
    expect(children.map((c) => c.id)).toEqual(['Lock']);
  });

  it('startLink links the machine to the calling process', async () => {
    const rt = makeRuntime();
    const started = deferred<Pid>();
    const parent = rt.spawn(async (self) => {
      self.trapExit(true);
      started.resolve(await GenStatem.startLink(self, Lock, 0));
      await self.receive();
    });
    const pid = await started.promise;
    expect(rt.info(pid)?.links).toContain(parent);
  });
});
