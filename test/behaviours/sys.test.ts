import { describe, expect, it } from 'vitest';
import {
  type CrashReport,
  Down,
  type ExitReason,
  type From,
  GenServer,
  NoProcError,
  Pid,
  type Returns,
  replyTo,
  Sys,
} from '../../src/index.js';
import { deferred, makeRuntime, probe, rejection } from '../helpers.js';

type CounterCall = { type: 'get' } & Returns<number>;
type CounterCast = { type: 'inc' } | { type: 'set'; value: number };

class Counter extends GenServer<number, CounterCall, CounterCast> {
  override init(start: number): number {
    return start;
  }
  override handleCall(request: CounterCall, _from: From, n: number) {
    return replyTo(request, n, n);
  }
  override handleCast(request: CounterCast, n: number): number {
    switch (request.type) {
      case 'inc':
        return n + 1;
      case 'set':
        return request.value;
    }
  }
}

describe('Sys.getState', () => {
  it('resolves with the server’s state', async () => {
    const rt = makeRuntime();
    const pid = await rt.start(Counter, 3, { name: 'counter' });
    GenServer.cast(rt, pid, { type: 'inc' });
    await expect(Sys.getState<number>(rt, 'counter')).resolves.toBe(4);
  });

  it('works from a process and from a GenServer', async () => {
    const rt = makeRuntime();
    await rt.start(Counter, 5, { name: 'counter' });
    const got = deferred<unknown>();
    rt.spawn(async (self) => {
      got.resolve(await Sys.getState(self, 'counter'));
    });
    expect(await got.promise).toBe(5);
    class Inspector extends GenServer<null, 'peek' & Returns<unknown>> {
      override async handleCall(request: 'peek' & Returns<unknown>, _from: From, state: null) {
        return replyTo(request, await Sys.getState(this, 'counter'), state);
      }
    }
    const inspector = await rt.start(Inspector, null);
    await expect(GenServer.call(rt, inspector, 'peek')).resolves.toBe(5);
  });
});

describe('Sys.replaceState', () => {
  it('replaces the state with fn(state) and resolves with the new state', async () => {
    const rt = makeRuntime();
    const pid = await rt.start(Counter, 2);
    await expect(Sys.replaceState<number>(rt, pid, (n) => n * 10)).resolves.toBe(20);
    await expect(GenServer.call(rt, pid, { type: 'get' })).resolves.toBe(20);
  });

  it('keeps the old state and rejects with the error when fn throws', async () => {
    const rt = makeRuntime();
    const pid = await rt.start(Counter, 2);
    const failure = new Error('cannot replace');
    const error = await rejection(
      Sys.replaceState(rt, pid, () => {
        throw failure;
      }),
    );
    expect(error).toBe(failure);
    expect(rt.isAlive(pid)).toBe(true);
    await expect(GenServer.call(rt, pid, { type: 'get' })).resolves.toBe(2);
  });

  it('rejects with a TypeError when fn is not a function', async () => {
    const rt = makeRuntime();
    const pid = await rt.start(Counter, 2);
    const error = await rejection(Sys.replaceState(rt, pid, 'nope' as never));
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toContain('`fn`');
  });
});

describe('Sys.getStatus', () => {
  it('reports pid, name, behaviour, module, status, parent, state and queue length', async () => {
    const rt = makeRuntime();
    const started = deferred<Pid>();
    const parent = rt.spawn(async (self) => {
      started.resolve(await GenServer.startLink(self, Counter, 7, { name: 'counter' }));
      await self.receive();
    });
    const pid = await started.promise;
    expect(await Sys.getStatus(rt, 'counter')).toEqual({
      pid,
      name: 'counter',
      behaviour: 'GenServer',
      module: 'Counter',
      status: 'running',
      parent,
      state: 7,
      messageQueueLen: 0,
    });
  });

  it('gives a Pid as the parent of a server started by rt.start', async () => {
    const rt = makeRuntime();
    const pid = await rt.start(Counter, 0);
    const status = await Sys.getStatus(rt, pid);
    expect(status.parent).toBeInstanceOf(Pid);
    expect(status.name).toBeUndefined();
  });
});

describe('Sys.suspend', () => {
  it('makes the server queue calls, casts and other messages while still answering Sys requests', async () => {
    const rt = makeRuntime();
    const pid = await rt.start(Counter, 0);
    await expect(Sys.suspend(rt, pid)).resolves.toBeUndefined();
    let answered = false;
    const call = GenServer.call(rt, pid, { type: 'get' }).then((n) => {
      answered = true;
      return n;
    });
    GenServer.cast(rt, pid, { type: 'inc' });
    rt.send(pid, 'plain message');
    await expect(Sys.getState(rt, pid)).resolves.toBe(0);
    expect(await Sys.getStatus(rt, pid)).toMatchObject({
      status: 'suspended',
      state: 0,
      messageQueueLen: 3,
    });
    await expect(Sys.replaceState<number>(rt, pid, (n) => n + 100)).resolves.toBe(100);
    expect(answered).toBe(false);
    await Sys.resume(rt, pid);
    await expect(call).resolves.toBe(100);
  });
});

describe('Sys.suspend and the parent', () => {
  it('still stops a suspended server that traps exits, through terminate, when its parent exits', async () => {
    const rt = makeRuntime();
    const terminated = deferred<ExitReason>();
    class Trapper extends GenServer<null> {
      override init(): null {
        this.self.trapExit(true);
        return null;
      }
      override terminate(reason: ExitReason): void {
        terminated.resolve(reason);
      }
    }
    const started = deferred<Pid>();
    const parent = rt.spawn(async (self) => {
      started.resolve(await GenServer.startLink(self, Trapper, undefined));
      await self.receive({ match: (m) => m === 'go' });
      self.exit('shutdown');
    });
    const pid = await started.promise;
    const exit = rt.awaitExit(pid);
    await Sys.suspend(rt, pid);
    rt.send(parent, 'go');
    expect(await terminated.promise).toBe('shutdown');
    expect(await exit).toBe('shutdown');
  });
});

describe('Sys.resume', () => {
  it('handles what queued while suspended, in order, before newer messages', async () => {
    const rt = makeRuntime();
    const seen: string[] = [];
    class Recorder extends GenServer<null, 'call' & Returns<string[]>, string, string> {
      override handleCall(request: 'call' & Returns<string[]>, _from: From, state: null) {
        seen.push('call');
        return replyTo(request, [...seen], state);
      }
      override handleCast(request: string, state: null): null {
        seen.push(`cast:${request}`);
        return state;
      }
      override handleInfo(message: unknown, state: null): null {
        seen.push(`info:${String(message)}`);
        return state;
      }
    }
    const pid = await rt.start(Recorder, null);
    await Sys.suspend(rt, pid);
    GenServer.cast(rt, pid, 'a');
    rt.send(pid, 'b');
    const first = GenServer.call(rt, pid, 'call');
    GenServer.cast(rt, pid, 'c');
    await Sys.getState(rt, pid);
    expect(seen).toEqual([]);
    const resumed = Sys.resume(rt, pid);
    GenServer.cast(rt, pid, 'after');
    await resumed;
    await expect(first).resolves.toEqual(['cast:a', 'info:b', 'call']);
    await expect(GenServer.call(rt, pid, 'call')).resolves.toEqual([
      'cast:a',
      'info:b',
      'call',
      'cast:c',
      'cast:after',
      'call',
    ]);
    expect((await Sys.getStatus(rt, pid)).status).toBe('running');
  });
});

describe('Sys.terminate', () => {
  it("runs terminate and exits with reason 'kill': a crash report says kill, a monitor sees kill, the process is dead", async () => {
    const rt = makeRuntime();
    const p = probe(rt);
    class Traced extends GenServer<number> {
      override terminate(reason: ExitReason, state: number): void {
        this.self.send(p.pid, ['terminate', reason, state]);
      }
    }
    const pid = await rt.start(Traced, 42, { name: 'traced' });
    const crash = deferred<CrashReport>();
    rt.on('crash', (report) => crash.resolve(report));
    const monitoring = deferred();
    const down = deferred<Down>();
    rt.spawn(async (self) => {
      const ref = self.monitor(pid);
      monitoring.resolve();
      down.resolve(
        (await self.receive({ match: (m) => m instanceof Down && m.ref === ref })) as Down,
      );
    });
    await monitoring.promise;

    await expect(Sys.terminate(rt, 'traced', 'kill')).resolves.toBeUndefined();
    expect(rt.isAlive(pid)).toBe(false);
    expect(rt.whereis('traced')).toBeUndefined();
    expect(await p.expectMessage()).toEqual(['terminate', 'kill', 42]);
    expect(await down.promise).toMatchObject({ pid, reason: 'kill' });
    expect(await crash.promise).toMatchObject({ pid, name: 'traced', reason: 'kill', state: 42 });
    expect(rt.log.text('error')).toContain(`GenServer "traced" (${pid}) terminating`);
    expect(rt.log.text('error')).toContain('** (reason) kill');
  });

  it('stops a suspended server too, and a normal reason sends no crash report', async () => {
    const rt = makeRuntime();
    const pid = await rt.start(Counter, 0);
    const exit = rt.awaitExit(pid);
    await Sys.suspend(rt, pid);
    await Sys.terminate(rt, pid, 'normal');
    expect(await exit).toBe('normal');
    expect(rt.log.text('error')).toBe('');
  });
});

describe('Sys functions on a missing destination', () => {
  it('reject with NoProcError for a dead pid or an unknown name', async () => {
    const rt = makeRuntime();
    const dead = await rt.start(Counter, 0);
    await GenServer.stop(rt, dead);
    const operations: Array<[string, (dest: Pid | string) => Promise<unknown>]> = [
      ['Sys.getState', (dest) => Sys.getState(rt, dest)],
      ['Sys.replaceState', (dest) => Sys.replaceState(rt, dest, (s) => s)],
      ['Sys.getStatus', (dest) => Sys.getStatus(rt, dest)],
      ['Sys.suspend', (dest) => Sys.suspend(rt, dest)],
      ['Sys.resume', (dest) => Sys.resume(rt, dest)],
      ['Sys.terminate', (dest) => Sys.terminate(rt, dest, 'normal')],
    ];
    for (const [operation, run] of operations) {
      const byPid = await rejection(run(dead));
      expect(byPid).toBeInstanceOf(NoProcError);
      expect((byPid as Error).message).toBe(
        `${operation} to ${dead} failed: no process is alive with that pid (noproc)`,
      );
      const byName = await rejection(run('nobody'));
      expect(byName).toBeInstanceOf(NoProcError);
      expect((byName as Error).message).toBe(
        `${operation} to "nobody" failed: no process is alive under that name (noproc)`,
      );
    }
  });
});
