import { describe, expect, it } from 'vitest';
import {
  AlreadyStartedError,
  CallError,
  CallTimeoutError,
  type CrashReport,
  Down,
  Exit,
  type ExitReason,
  type From,
  GenServer,
  ignore,
  NoProcError,
  noreply,
  OtpError,
  ok,
  Pid,
  type Returns,
  reply,
  replyTo,
  Self,
  StartError,
  Sys,
  stop,
  Timeout,
} from '../../src/index.js';
import { deferred, makeRuntime, makeTestRuntime, probe, rejection } from '../helpers.js';

// ── Servers shared by several tests ──────────────────────────────────────────

type CounterCall =
  | ({ type: 'get' } & Returns<number>)
  | ({ type: 'add'; amount: number } & Returns<number>);
type CounterCast = { type: 'inc' } | { type: 'set'; value: number };

class Counter extends GenServer<number, CounterCall, CounterCast> {
  override init(start: number): number {
    return start;
  }
  override handleCall(request: CounterCall, _from: From, n: number) {
    switch (request.type) {
      case 'get':
        return replyTo(request, n, n);
      case 'add':
        return replyTo(request, n + request.amount, n + request.amount);
    }
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

type HolderCall = ({ type: 'hold' } & Returns<string>) | ({ type: 'held' } & Returns<number>);
type HolderCast = { type: 'flush'; value: string };

/** Answers `hold` calls only when told to flush: calls stay in flight as long as a test wants. */
class Holder extends GenServer<From[], HolderCall, HolderCast> {
  override init(): From[] {
    return [];
  }
  override handleCall(request: HolderCall, from: From, held: From[]) {
    switch (request.type) {
      case 'hold':
        return noreply([...held, from]);
      case 'held':
        return replyTo(request, held.length, held);
    }
  }
  override handleCast(request: HolderCast, held: From[]): From[] {
    for (const from of held) GenServer.reply(from, request.value);
    return [];
  }
}

/** A GenServer that implements no callback at all. */
class Bare extends GenServer<unknown> {}

// ── Starting ─────────────────────────────────────────────────────────────────

describe('rt.start', () => {
  it('resolves with the pid of a running GenServer only after init has returned', async () => {
    const rt = makeRuntime();
    const order: string[] = [];
    const entered = deferred();
    const gate = deferred();
    class Slow extends GenServer<string> {
      override async init(): Promise<string> {
        order.push('init:begin');
        entered.resolve();
        await gate.promise;
        order.push('init:end');
        return 'ready';
      }
    }
    const start = rt.start(Slow, undefined).then((pid) => {
      order.push('started');
      return pid;
    });
    await entered.promise;
    gate.resolve();
    const pid = await start;
    expect(order).toEqual(['init:begin', 'init:end', 'started']);
    expect(pid).toBeInstanceOf(Pid);
    expect(rt.info(pid)).toMatchObject({ behaviour: 'GenServer' });
    await expect(Sys.getState(rt, pid)).resolves.toBe('ready');
  });

  it('registers the name before init runs', async () => {
    const rt = makeRuntime();
    const seen = deferred<boolean>();
    class Named extends GenServer<null> {
      override init(): null {
        seen.resolve(this.runtime.whereis('named') === this.pid);
        return null;
      }
    }
    const pid = await rt.start(Named, undefined, { name: 'named' });
    expect(await seen.promise).toBe(true);
    expect(rt.whereis('named')).toBe(pid);
  });

  it('rejects with AlreadyStartedError carrying the holder when the name is taken, leaving the running server untouched', async () => {
    const rt = makeRuntime();
    const first = await rt.start(Counter, 1, { name: 'counter' });
    let inits = 0;
    class Second extends Counter {
      override init(start: number): number {
        inits++;
        return start;
      }
    }
    const error = await rejection(rt.start(Second, 2, { name: 'counter' }));
    expect(error).toBeInstanceOf(AlreadyStartedError);
    expect(error).toMatchObject({ pid: first, processName: 'counter' });
    expect((error as Error).message).toBe(
      `cannot start a process as "counter": already started as ${first}`,
    );
    expect(inits).toBe(0);
    expect(rt.whereis('counter')).toBe(first);
    await expect(GenServer.call(rt, 'counter', { type: 'get' })).resolves.toBe(1);
  });

  it('rejects with StartError carrying the error when init throws, and frees the name', async () => {
    const rt = makeRuntime();
    const boom = new Error('boom');
    class Broken extends GenServer {
      override init(): never {
        throw boom;
      }
    }
    const before = rt.processes().length;
    const error = await rejection(rt.start(Broken, undefined, { name: 'broken' }));
    expect(error).toBeInstanceOf(StartError);
    expect(error).toMatchObject({ reason: boom, cause: boom });
    expect((error as Error).message).toBe(
      'Broken "broken" failed to start: init failed with reason Error: boom',
    );
    expect(rt.whereis('broken')).toBeUndefined();
    expect(rt.processes()).toHaveLength(before);
    expect(rt.log.text('error')).toContain('Error: boom');
  });

  it('rejects with StartError carrying the reason when init returns stop(reason)', async () => {
    const rt = makeRuntime();
    class Refuses extends GenServer {
      override init() {
        return stop({ bad: 'config' });
      }
    }
    const error = await rejection(rt.start(Refuses, undefined, { name: 'refuses' }));
    expect(error).toBeInstanceOf(StartError);
    expect(error).toMatchObject({ reason: { bad: 'config' } });
    expect((error as Error).message).toContain('Refuses "refuses" failed to start');
    expect(rt.whereis('refuses')).toBeUndefined();
  });

  it('rejects with StartError reason timeout when init outlives opts.timeout, killing the process and freeing the name', async () => {
    const rt = makeTestRuntime();
    const entered = deferred<Pid>();
    class Stuck extends GenServer {
      override init(): Promise<never> {
        entered.resolve(this.pid);
        return new Promise<never>(() => {});
      }
    }
    const start = rt.start(Stuck, undefined, { name: 'stuck', timeout: 50 });
    const pid = await entered.promise;
    const exit = rt.awaitExit(pid);
    const failed = rejection(start);
    await rt.advance(49);
    expect(rt.isAlive(pid)).toBe(true);
    await rt.advance(1);
    const error = await failed;
    expect(error).toBeInstanceOf(StartError);
    expect(error).toMatchObject({ reason: 'timeout' });
    expect((error as Error).message).toBe(
      'Stuck "stuck" failed to start: init did not return within the start timeout of 50 ms',
    );
    expect(await exit).toBe('killed');
    expect(rt.isAlive(pid)).toBe(false);
    expect(rt.whereis('stuck')).toBeUndefined();
    const again = await rt.start(Counter, 0, { name: 'stuck' });
    expect(rt.whereis('stuck')).toBe(again);
  });

  it("rejects with StartError reason 'ignore' when init returns ignore(), with no crash report", async () => {
    const rt = makeRuntime();
    const entered = deferred<Pid>();
    class Declines extends GenServer {
      override init() {
        entered.resolve(this.pid);
        return ignore();
      }
    }
    const error = await rejection(rt.start(Declines, undefined, { name: 'declines' }));
    expect(error).toBeInstanceOf(StartError);
    expect(error).toMatchObject({ reason: 'ignore' });
    expect((error as Error).message).toBe(
      'Declines "declines" failed to start: init returned ignore()',
    );
    expect(rt.isAlive(await entered.promise)).toBe(false);
    expect(rt.whereis('declines')).toBeUndefined();
    expect(rt.log.text('error')).toBe('');
  });

  it('rejects (never throws) with TypeError for something that is not a GenServer class, and RangeError for a bad opts.timeout', async () => {
    const rt = makeRuntime();
    const notAClass = rt.start(class NotAServer {} as never, undefined as never);
    await expect(notAClass).rejects.toBeInstanceOf(TypeError);
    await expect(notAClass).rejects.toThrow('expected a GenServer class');
    const badTimeout = rt.start(Counter, 0, { timeout: -1 });
    await expect(badTimeout).rejects.toBeInstanceOf(RangeError);
    await expect(badTimeout).rejects.toThrow('`opts.timeout`');
    const badName = rt.start(Counter, 0, { name: 42 as never });
    await expect(badName).rejects.toBeInstanceOf(TypeError);
    await expect(badName).rejects.toThrow('`opts.name`');
  });
});

describe('GenServer.startLink', () => {
  it('resolves after init with a server linked to the calling process, which is its parent', async () => {
    const rt = makeRuntime();
    const started = deferred<Pid>();
    const parent = rt.spawn(async (self) => {
      started.resolve(await GenServer.startLink(self, Counter, 5));
      await self.receive();
    });
    const pid = await started.promise;
    expect(rt.info(pid)?.links).toEqual([parent]);
    expect(rt.info(parent)?.links).toEqual([pid]);
    expect(await Sys.getStatus(rt, pid)).toMatchObject({ parent, state: 5 });
  });

  it("rejects with StartError and reason 'noproc' when called from a process that has exited", async () => {
    const rt = makeRuntime();
    const captured = deferred<Self>();
    const parent = rt.spawn(async (self) => {
      captured.resolve(self);
      await self.receive();
    });
    const self = await captured.promise;
    const exited = rt.awaitExit(parent);
    rt.exit(parent, 'kill');
    await exited;
    // Code that outlived its process still holds its self.
    const error = await GenServer.startLink(self, Counter, 5).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StartError);
    expect((error as StartError).reason).toBe('noproc');
    expect((error as StartError).message).toMatch(/the parent died before init/);
    expect(rt.processes()).toEqual([]);
  });

  it('takes the exit of a crashing server to the parent through the link', async () => {
    const rt = makeRuntime();
    const started = deferred<Pid>();
    const parent = rt.spawn(async (self) => {
      started.resolve(await GenServer.startLink(self, Bare, null));
      await self.receive();
    });
    const parentExit = rt.awaitExit(parent);
    const pid = await started.promise;
    GenServer.cast(rt, pid, 'unexpected');
    const reason = await parentExit;
    expect(reason).toBeInstanceOf(Error);
    expect((reason as Error).message).toContain('does not implement handleCast');
  });

  it('rejects with StartError when init fails, without taking the parent down', async () => {
    const rt = makeRuntime();
    class Broken extends GenServer {
      override init(): never {
        throw new Error('no config');
      }
    }
    const outcome = deferred<unknown>();
    const parent = rt.spawn(async (self) => {
      outcome.resolve(await rejection(GenServer.startLink(self, Broken, undefined)));
      await self.receive();
    });
    const error = await outcome.promise;
    expect(error).toBeInstanceOf(StartError);
    expect((error as StartError).reason).toMatchObject({ message: 'no config' });
    expect(rt.isAlive(parent)).toBe(true);
    expect(rt.info(parent)).toMatchObject({ links: [], messageQueueLen: 0 });
  });

  it('accepts a GenServer instance as the parent and rejects the Runtime with a TypeError', async () => {
    const rt = makeRuntime();
    class Parent extends GenServer<Pid | undefined, { type: 'child' } & Returns<Pid>> {
      override async init(): Promise<Pid> {
        return GenServer.startLink(this, Counter, 0);
      }
      override handleCall(request: { type: 'child' } & Returns<Pid>, _from: From, child: Pid) {
        return replyTo(request, child, child);
      }
    }
    const parent = await rt.start(Parent, undefined);
    const child = await GenServer.ref<typeof Parent>(rt, parent).call({ type: 'child' });
    expect(rt.info(child)?.links).toEqual([parent]);
    const error = await rejection(GenServer.startLink(rt as never, Counter, 0));
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toContain('`self`');
  });
});

// ── Callbacks ────────────────────────────────────────────────────────────────

describe('init', () => {
  it('uses a bare returned value as the state, and the argument itself by default', async () => {
    const rt = makeRuntime();
    class Doubler extends GenServer<number> {
      override init(n: number): number {
        return n * 2;
      }
    }
    await expect(Sys.getState(rt, await rt.start(Doubler, 21))).resolves.toBe(42);
    await expect(Sys.getState(rt, await rt.start(Bare, { a: 1 }))).resolves.toEqual({ a: 1 });
    await expect(Sys.getState(rt, await rt.start(Bare, undefined))).resolves.toBeUndefined();
  });

  it('may be async', async () => {
    const rt = makeRuntime();
    class Loads extends GenServer<string[]> {
      override async init(): Promise<string[]> {
        await Promise.resolve();
        return ['loaded'];
      }
    }
    await expect(Sys.getState(rt, await rt.start(Loads, undefined))).resolves.toEqual(['loaded']);
  });

  it('ends the start with a StartError naming init and the value when it returns undefined or a reply', async () => {
    const rt = makeRuntime();
    class Forgetful extends GenServer {
      override init(): never {
        return undefined as never;
      }
    }
    const error = (await rejection(rt.start(Forgetful, undefined))) as StartError;
    expect(error).toBeInstanceOf(StartError);
    expect(error.reason).toBeInstanceOf(TypeError);
    expect((error.reason as Error).message).toMatch(
      /^Forgetful <0\.\d+\.0>: init returned undefined; expected a state, ok\(state\), stop\(reason\) or ignore\(\)$/,
    );
    class Replies extends GenServer {
      override init(): never {
        return reply(1, 2) as never;
      }
    }
    const error2 = (await rejection(rt.start(Replies, undefined))) as StartError;
    expect((error2.reason as Error).message).toContain('init returned ReplyResult');
  });
});

describe('handleCall', () => {
  it('answers with reply(value, state) and keeps the new state', async () => {
    const rt = makeRuntime();
    const pid = await rt.start(Counter, 1);
    await expect(GenServer.call(rt, pid, { type: 'add', amount: 2 })).resolves.toBe(3);
    await expect(GenServer.call(rt, pid, { type: 'get' })).resolves.toBe(3);
  });

  it('with stop(reason, state, reply) replies, runs terminate and exits with the reason', async () => {
    const rt = makeRuntime();
    const terminated = deferred<[ExitReason, string]>();
    class Quits extends GenServer<string, 'quit'> {
      override handleCall(_request: 'quit', _from: From, _state: string) {
        return stop({ shutdown: 'asked' }, 'last state', 'bye');
      }
      override terminate(reason: ExitReason, state: string): void {
        terminated.resolve([reason, state]);
      }
    }
    const pid = await rt.start(Quits, 'first state');
    const exit = rt.awaitExit(pid);
    await expect(GenServer.call(rt, pid, 'quit')).resolves.toBe('bye');
    expect(await terminated.promise).toEqual([{ shutdown: 'asked' }, 'last state']);
    expect(await exit).toEqual({ shutdown: 'asked' });
    expect(rt.log.text('error')).toBe('');
  });

  it('with stop(reason, state) and no reply makes the call reject with the exit reason', async () => {
    const rt = makeRuntime();
    class Quits extends GenServer<null, 'quit'> {
      override handleCall(_request: 'quit', _from: From, state: null) {
        return stop('normal', state);
      }
    }
    const pid = await rt.start(Quits, null);
    const error = await rejection(GenServer.call(rt, pid, 'quit'));
    expect(error).toBeInstanceOf(CallError);
    expect(error).toMatchObject({ reason: 'normal', dest: pid });
  });

  it('may be async; an async handler blocks only its own server while other servers keep answering', async () => {
    const rt = makeRuntime();
    const gate = deferred();
    const entered = deferred();
    class Slow extends GenServer<number, 'slow' | 'get'> {
      override async handleCall(request: 'slow' | 'get', _from: From, n: number) {
        if (request === 'get') return reply(n, n);
        entered.resolve();
        await gate.promise;
        return reply('done', n + 1);
      }
    }
    const slow = await rt.start(Slow, 0);
    const fast = await rt.start(Counter, 7);
    const order: string[] = [];
    const slowCall = GenServer.call(rt, slow, 'slow').then((r) => order.push(`slow:${r}`));
    await entered.promise;
    const next = GenServer.call(rt, slow, 'get').then((r) => order.push(`next:${r}`));
    for (let i = 0; i < 3; i++) {
      await expect(GenServer.call(rt, fast, { type: 'add', amount: 1 })).resolves.toBe(8 + i);
    }
    expect(order).toEqual([]);
    expect(rt.info(slow)?.messageQueueLen).toBe(1);
    gate.resolve();
    await Promise.all([slowCall, next]);
    expect(order).toEqual(['slow:done', 'next:1']);
  });

  it('by default ends the server with an Error naming the server and the request', async () => {
    const rt = makeRuntime();
    const pid = await rt.start(Bare, null, { name: 'bare' });
    const exit = rt.awaitExit(pid);
    const error = (await rejection(GenServer.call(rt, pid, { type: 'hello' }))) as CallError;
    expect(error).toBeInstanceOf(CallError);
    expect(error.reason).toBeInstanceOf(Error);
    expect((error.reason as Error).message).toBe(
      `GenServer Bare "bare" (${pid}) received an unexpected call { type: 'hello' }, but Bare does not implement handleCall`,
    );
    expect(await exit).toBe(error.reason);
  });

  it('ends the server with a TypeError naming handleCall and the value when it returns undefined', async () => {
    const rt = makeRuntime();
    class Forgetful extends GenServer<number, 'get'> {
      override handleCall(_request: 'get', _from: From, _n: number): never {
        return undefined as never;
      }
    }
    const pid = await rt.start(Forgetful, 0);
    const exit = rt.awaitExit(pid);
    const error = (await rejection(GenServer.call(rt, pid, 'get'))) as CallError;
    expect(error.reason).toBeInstanceOf(TypeError);
    expect((error.reason as Error).message).toBe(
      `Forgetful ${pid}: handleCall returned undefined; expected reply(value, state), noreply(state) or stop(reason, state)`,
    );
    expect(await exit).toBe(error.reason);
  });
});

describe('handleCast', () => {
  it('uses a bare returned value as the new state, handling casts in the order sent', async () => {
    const rt = makeRuntime();
    const pid = await rt.start(Counter, 0);
    GenServer.cast(rt, pid, { type: 'inc' });
    GenServer.cast(rt, pid, { type: 'set', value: 10 });
    GenServer.cast(rt, pid, { type: 'inc' });
    await expect(GenServer.call(rt, pid, { type: 'get' })).resolves.toBe(11);
  });

  it('with noreply(state) keeps the state, and with stop(reason, state) runs terminate and exits', async () => {
    const rt = makeRuntime();
    const terminated = deferred<[ExitReason, number]>();
    class Stops extends GenServer<number, never, 'keep' | 'stop'> {
      override handleCast(request: 'keep' | 'stop', n: number) {
        return request === 'keep' ? noreply(n + 1) : stop('normal', n * 10);
      }
      override terminate(reason: ExitReason, n: number): void {
        terminated.resolve([reason, n]);
      }
    }
    const pid = await rt.start(Stops, 1);
    const exit = rt.awaitExit(pid);
    GenServer.cast(rt, pid, 'keep');
    GenServer.cast(rt, pid, 'stop');
    expect(await terminated.promise).toEqual(['normal', 20]);
    expect(await exit).toBe('normal');
  });

  it('by default ends the server with an Error naming the server and the request', async () => {
    const rt = makeRuntime();
    const pid = await rt.start(Bare, null);
    const exit = rt.awaitExit(pid);
    GenServer.cast(rt, pid, 'hello');
    const reason = await exit;
    expect(reason).toBeInstanceOf(Error);
    expect((reason as Error).message).toBe(
      `GenServer Bare ${pid} received an unexpected cast "hello", but Bare does not implement handleCast`,
    );
  });

  it('ends the server with a TypeError naming handleCast and the value when it returns reply()', async () => {
    const rt = makeRuntime();
    class Confused extends GenServer<number, never, 'x'> {
      override handleCast(_request: 'x', n: number): never {
        return reply('ok', n) as never;
      }
    }
    const pid = await rt.start(Confused, 3);
    const exit = rt.awaitExit(pid);
    GenServer.cast(rt, pid, 'x');
    const reason = await exit;
    expect(reason).toBeInstanceOf(TypeError);
    expect((reason as Error).message).toBe(
      `Confused ${pid}: handleCast returned ReplyResult { value: 'ok', state: 3, opts: undefined }; expected a new state, noreply(state) or stop(reason, state)`,
    );
  });
});

describe('handleInfo', () => {
  it('gets plain messages and uses a bare returned value as the new state', async () => {
    const rt = makeRuntime();
    class Collects extends GenServer<string[], never, never, string> {
      override handleInfo(message: unknown, seen: string[]): string[] {
        return [...seen, String(message)];
      }
    }
    const pid = await rt.start(Collects, []);
    rt.send(pid, 'a');
    rt.send(pid, 'b');
    await expect(Sys.getState(rt, pid)).resolves.toEqual(['a', 'b']);
  });

  it('by default logs an unexpected message at warning level and keeps the state', async () => {
    const rt = makeRuntime();
    const pid = await rt.start(Bare, { keep: 'me' }, { name: 'bare' });
    rt.send(pid, { type: 'surprise' });
    await expect(Sys.getState(rt, pid)).resolves.toEqual({ keep: 'me' });
    expect(rt.isAlive(pid)).toBe(true);
    expect(rt.log.text('warn')).toBe(
      `GenServer Bare "bare" (${pid}) received an unexpected message in handleInfo: { type: 'surprise' }`,
    );
    expect(rt.log.text('error')).toBe('');
  });

  it('by default keeps even an undefined state', async () => {
    const rt = makeRuntime();
    const pid = await rt.start(Bare, undefined);
    rt.send(pid, 'surprise');
    await expect(Sys.getState(rt, pid)).resolves.toBeUndefined();
    expect(rt.isAlive(pid)).toBe(true);
  });

  it('gets Down messages from the monitors the server sets', async () => {
    const rt = makeRuntime();
    const got = deferred<Down>();
    class Watcher extends GenServer<null, never, Pid> {
      override handleCast(target: Pid, state: null): null {
        this.self.monitor(target);
        return state;
      }
      override handleInfo(message: unknown, state: null): null {
        if (message instanceof Down) got.resolve(message);
        return state;
      }
    }
    const watcher = await rt.start(Watcher, null);
    const target = await rt.start(Counter, 0);
    GenServer.cast(rt, watcher, target);
    await Sys.getState(rt, watcher);
    rt.exit(target, 'gone');
    expect(await got.promise).toMatchObject({ pid: target, reason: 'gone' });
  });
});

describe('handleContinue', () => {
  it('runs after init returned ok(state, { continue }), before the first message', async () => {
    const rt = makeRuntime();
    const order: string[] = [];
    const gate = deferred();
    class Loader extends GenServer<string[], never, string> {
      override init() {
        return ok([] as string[], { continue: 'load' });
      }
      override async handleContinue(arg: unknown, state: string[]): Promise<string[]> {
        await gate.promise;
        order.push(`continue:${String(arg)}`);
        return [...state, 'loaded'];
      }
      override handleCast(request: string, state: string[]): string[] {
        order.push(`cast:${request}`);
        return [...state, request];
      }
    }
    const pid = await rt.start(Loader, undefined);
    GenServer.cast(rt, pid, 'first');
    gate.resolve();
    await expect(Sys.getState(rt, pid)).resolves.toEqual(['loaded', 'first']);
    expect(order).toEqual(['continue:load', 'cast:first']);
  });

  it('runs after any callback that asks for it, before the next message', async () => {
    const rt = makeRuntime();
    class Steps extends GenServer<string[], 'call' & Returns<string>, string> {
      override handleCall(request: 'call' & Returns<string>, _from: From, log: string[]) {
        return replyTo(request, 'answered', [...log, 'call'], { continue: 'after-call' });
      }
      override handleCast(request: string, log: string[]) {
        return noreply([...log, request], { continue: `after-${request}` });
      }
      override handleContinue(arg: unknown, log: string[]): string[] {
        return [...log, String(arg)];
      }
    }
    const pid = await rt.start(Steps, []);
    GenServer.cast(rt, pid, 'a');
    const answer = GenServer.call(rt, pid, 'call');
    GenServer.cast(rt, pid, 'b');
    await expect(answer).resolves.toBe('answered');
    await expect(Sys.getState(rt, pid)).resolves.toEqual([
      'a',
      'after-a',
      'call',
      'after-call',
      'b',
      'after-b',
    ]);
  });

  it('by default ends the server with an error', async () => {
    const rt = makeRuntime();
    let exit: Promise<ExitReason> | undefined;
    class Continues extends GenServer {
      override init() {
        // The continue runs right after init, so watch the exit from here.
        exit = this.runtime.awaitExit(this.pid);
        return ok(null, { continue: 'more' });
      }
    }
    await rt.start(Continues, undefined);
    const reason = await exit;
    expect(reason).toBeInstanceOf(Error);
    expect((reason as Error).message).toContain(
      'received an unexpected continue "more", but Continues does not implement handleContinue',
    );
  });
});

describe('result option timeout', () => {
  type IdleCast = { type: 'arm'; ms: number };

  function idleServer(report: Pid) {
    return class Idle extends GenServer<number, 'ping' & Returns<string>, IdleCast> {
      override init(): number {
        return 0;
      }
      override handleCall(request: 'ping' & Returns<string>, _from: From, n: number) {
        return replyTo(request, 'pong', n);
      }
      override handleCast(request: IdleCast, n: number) {
        return noreply(n, { timeout: request.ms });
      }
      override handleInfo(message: unknown, n: number): number {
        if (message === Timeout) this.self.send(report, 'timeout');
        return n;
      }
    };
  }

  it('delivers Timeout to handleInfo when no message arrives within that many ms', async () => {
    const rt = makeTestRuntime();
    const p = rt.probe();
    const pid = await rt.start(idleServer(p.pid), undefined);
    GenServer.cast(rt, pid, { type: 'arm', ms: 20 });
    await p.expectNoMessage(19);
    await expect(p.expectMessage()).resolves.toBe('timeout');
    expect(rt.now()).toBe(20);
  });

  it('works from init through ok(state, { timeout })', async () => {
    const rt = makeTestRuntime();
    const got = deferred<unknown>();
    class Idle extends GenServer<string> {
      override init() {
        return ok('waiting', { timeout: 10 });
      }
      override handleInfo(message: unknown, state: string): string {
        got.resolve(message);
        return state;
      }
    }
    await rt.start(Idle, undefined);
    await rt.advance(10);
    expect(await got.promise).toBe(Timeout);
  });

  it('is cancelled by any message that arrives first: a plain message or a call', async () => {
    const rt = makeTestRuntime();
    const p = rt.probe();
    const viaInfo = await rt.start(idleServer(p.pid), undefined);
    const viaCall = await rt.start(idleServer(p.pid), undefined);
    GenServer.cast(rt, viaInfo, { type: 'arm', ms: 20 });
    rt.send(viaInfo, 'anything');
    GenServer.cast(rt, viaCall, { type: 'arm', ms: 20 });
    await expect(GenServer.call(rt, viaCall, 'ping')).resolves.toBe('pong');
    await p.expectNoMessage(150);
  });
});

describe('terminate', () => {
  function tracer(report: Pid, opts: { trap?: boolean } = {}) {
    return class Traced extends GenServer<string, never, 'crash' | 'stop'> {
      override init(): string {
        if (opts.trap === true) this.self.trapExit(true);
        return 'state';
      }
      override handleCast(request: 'crash' | 'stop', state: string) {
        if (request === 'crash') throw new Error('crashed');
        return stop('normal', state);
      }
      override handleInfo(message: unknown, state: string): string {
        this.self.send(report, ['info', message]);
        return state;
      }
      override terminate(reason: ExitReason, state: string): void {
        this.self.send(report, ['terminate', reason, state]);
      }
    };
  }

  it('runs with the reason and the state when a callback returns stop', async () => {
    const rt = makeRuntime();
    const p = probe(rt);
    const pid = await rt.start(tracer(p.pid), undefined);
    GenServer.cast(rt, pid, 'stop');
    expect(await p.expectMessage()).toEqual(['terminate', 'normal', 'state']);
    expect(await rt.awaitExit(pid)).toBe('noproc');
  });

  it('runs with the error when a callback throws', async () => {
    const rt = makeRuntime();
    const p = probe(rt);
    const pid = await rt.start(tracer(p.pid), undefined);
    const exit = rt.awaitExit(pid);
    GenServer.cast(rt, pid, 'crash');
    const [what, reason] = (await p.expectMessage()) as [string, Error];
    expect(what).toBe('terminate');
    expect(reason.message).toBe('crashed');
    expect(await exit).toBe(reason);
  });

  it('runs on GenServer.stop and on Sys.terminate', async () => {
    const rt = makeRuntime();
    const p = probe(rt);
    const Traced = tracer(p.pid);
    await GenServer.stop(rt, await rt.start(Traced, undefined), 'shutdown');
    expect(await p.expectMessage()).toEqual(['terminate', 'shutdown', 'state']);
    await Sys.terminate(rt, await rt.start(Traced, undefined), 'kill');
    expect(await p.expectMessage()).toEqual(['terminate', 'kill', 'state']);
  });

  it('runs when the server traps exits and its parent exits, and the server ends with that reason', async () => {
    const rt = makeRuntime();
    const p = probe(rt);
    const started = deferred<Pid>();
    const parent = rt.spawn(async (self) => {
      started.resolve(await GenServer.startLink(self, tracer(p.pid, { trap: true }), undefined));
      await self.receive({ match: (m) => m === 'go' });
      self.exit('shutdown');
    });
    const pid = await started.promise;
    const exit = rt.awaitExit(pid);
    rt.send(parent, 'go');
    expect(await p.expectMessage()).toEqual(['terminate', 'shutdown', 'state']);
    expect(await exit).toBe('shutdown');
  });

  it('runs when the parent ends normally, as the server traps exits', async () => {
    const rt = makeRuntime();
    const p = probe(rt);
    const started = deferred<Pid>();
    const parent = rt.spawn(async (self) => {
      started.resolve(await GenServer.startLink(self, tracer(p.pid, { trap: true }), undefined));
      await self.receive({ match: (m) => m === 'go' });
    });
    const pid = await started.promise;
    const exit = rt.awaitExit(pid);
    rt.send(parent, 'go');
    expect(await p.expectMessage()).toEqual(['terminate', 'normal', 'state']);
    expect(await exit).toBe('normal');
  });

  it('runs on rt.shutdown for a server that traps exits (its parent is the runtime)', async () => {
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
    const pid = await rt.start(Trapper, undefined);
    const exit = rt.awaitExit(pid);
    await rt.shutdown();
    expect(await terminated.promise).toBe('shutdown');
    expect(await exit).toBe('shutdown');
  });

  it('does not run for an exit from a process other than the parent: handleInfo gets the Exit', async () => {
    const rt = makeRuntime();
    const p = probe(rt);
    class Linker extends GenServer<null, never, 'spawn'> {
      override init(): null {
        this.self.trapExit(true);
        return null;
      }
      override handleCast(_request: 'spawn', state: null): null {
        this.self.spawnLink(() => {
          throw 'oops';
        });
        return state;
      }
      override handleInfo(message: unknown, state: null): null {
        this.self.send(p.pid, message);
        return state;
      }
      override terminate(): void {
        this.self.send(p.pid, 'terminate');
      }
    }
    const pid = await rt.start(Linker, undefined);
    GenServer.cast(rt, pid, 'spawn');
    const exit = await p.expectMessage();
    expect(exit).toBeInstanceOf(Exit);
    expect(exit).toMatchObject({ reason: 'oops' });
    expect(rt.isAlive(pid)).toBe(true);
    await p.expectNoMessage(20);
  });

  it("does not run on rt.exit(pid, 'kill'), even when the server traps exits", async () => {
    const rt = makeRuntime();
    let ran = false;
    class Trapper extends GenServer<null> {
      override init(): null {
        this.self.trapExit(true);
        return null;
      }
      override terminate(): void {
        ran = true;
      }
    }
    const pid = await rt.start(Trapper, undefined);
    const exit = rt.awaitExit(pid);
    rt.exit(pid, 'kill');
    expect(await exit).toBe('killed');
    expect(ran).toBe(false);
  });

  it('does not run when an untrapped exit signal ends the server', async () => {
    const rt = makeRuntime();
    let ran = false;
    class Plain extends GenServer<null> {
      override terminate(): void {
        ran = true;
      }
    }
    const pid = await rt.start(Plain, null);
    const exit = rt.awaitExit(pid);
    rt.exit(pid, 'shutdown');
    expect(await exit).toBe('shutdown');
    expect(ran).toBe(false);
  });

  it('may be async, and a throwing terminate is logged while the server exits with the original reason', async () => {
    const rt = makeRuntime();
    const order: string[] = [];
    class Cleans extends GenServer<null> {
      override async terminate(): Promise<void> {
        await Promise.resolve();
        order.push('cleaned');
      }
    }
    const first = await rt.start(Cleans, null);
    await GenServer.stop(rt, first);
    order.push('stopped');
    expect(order).toEqual(['cleaned', 'stopped']);

    class Throws extends GenServer<null> {
      override terminate(): void {
        throw new Error('cleanup failed');
      }
    }
    const second = await rt.start(Throws, null);
    const exit = rt.awaitExit(second);
    await GenServer.stop(rt, second, 'normal');
    expect(await exit).toBe('normal');
    expect(rt.log.text('error')).toContain('terminate threw; exiting with the original reason.');
  });
});

describe('crash reports', () => {
  it('logs the server (name and pid), the reason with its stack, the last message and a truncated state, and emits crash', async () => {
    const rt = makeRuntime();
    class Crashy extends GenServer<{ items: string[] }, never, { type: 'crash' }> {
      override handleCast(): never {
        throw new Error('kaboom');
      }
    }
    const crash = deferred<CrashReport>();
    rt.on('crash', (report) => crash.resolve(report));
    const state = { items: Array.from({ length: 200 }, (_, i) => `item-${i}-${'x'.repeat(60)}`) };
    const pid = await rt.start(Crashy, state, { name: 'crashy' });
    GenServer.cast(rt, pid, { type: 'crash' });
    const report = await crash.promise;
    expect(report).toMatchObject({
      pid,
      name: 'crashy',
      behaviour: 'GenServer',
      lastMessage: { type: 'crash' },
      state,
    });
    expect(report.reason).toMatchObject({ message: 'kaboom' });
    const text = rt.log.text('error');
    const lines = text.split('\n');
    expect(lines[0]).toBe(`GenServer "crashy" (${pid}) terminating`);
    expect(lines[1]).toBe('** (reason) Error: kaboom');
    expect(text).toMatch(/\n\s+at Crashy\.handleCast /);
    expect(text).toContain("\nLast message: { type: 'crash' }\n");
    const stateLine = lines.find((line) => line.startsWith('State: '))!;
    expect(stateLine).toContain("State: { items: [ 'item-0-xxx");
    expect(stateLine).toMatch(/more characters\)$/);
    expect(stateLine.length).toBeLessThan(1_100);
  });

  it('is sent for an abnormal GenServer.stop reason but not for normal, shutdown or { shutdown }', async () => {
    const rt = makeRuntime();
    const crashes: CrashReport[] = [];
    rt.on('crash', (report) => crashes.push(report));
    for (const reason of ['normal', 'shutdown', { shutdown: 'detail' }]) {
      await GenServer.stop(rt, await rt.start(Counter, 0), reason);
    }
    expect(crashes).toEqual([]);
    expect(rt.log.text('error')).toBe('');
    const pid = await rt.start(Counter, 0);
    await GenServer.stop(rt, pid, 'bad');
    expect(crashes).toMatchObject([{ pid, reason: 'bad', state: 0 }]);
    expect(rt.log.text('error')).toContain('** (reason) bad');
  });
});

describe('this.pid, this.runtime and this.self', () => {
  it('are the server’s own inside callbacks', async () => {
    const rt = makeRuntime();
    type Seen = { pid: Pid; sameRuntime: boolean; self: boolean; selfPid: Pid };
    const seenInInit = deferred<Seen>();
    class Introspects extends GenServer<null, 'who' & Returns<Seen>> {
      #seen(): Seen {
        return {
          pid: this.pid,
          sameRuntime: this.runtime === rt,
          self: this.self instanceof Self,
          selfPid: this.self.pid,
        };
      }
      override init(): null {
        seenInInit.resolve(this.#seen());
        return null;
      }
      override handleCall(request: 'who' & Returns<Seen>, _from: From, state: null) {
        return replyTo(request, this.#seen(), state);
      }
    }
    const pid = await rt.start(Introspects, undefined);
    const expected = { pid, sameRuntime: true, self: true, selfPid: pid };
    expect(await seenInInit.promise).toEqual(expected);
    expect(await GenServer.call(rt, pid, 'who')).toEqual(expected);
  });

  it('throw OtpError on an instance that is not running', () => {
    const counter = new Counter();
    expect(() => counter.pid).toThrow(OtpError);
    expect(() => counter.self).toThrow('Counter is not running');
  });
});

// ── Client API ───────────────────────────────────────────────────────────────

describe('GenServer.call', () => {
  it('accepts the runtime, a process self and a GenServer instance as the caller', async () => {
    const rt = makeRuntime();
    await rt.start(Counter, 4, { name: 'counter' });
    class Asker extends GenServer<null, 'ask' & Returns<number>> {
      override async handleCall(request: 'ask' & Returns<number>, _from: From, state: null) {
        const n = await GenServer.call<number>(this, 'counter', { type: 'get' });
        return replyTo(request, n * 10, state);
      }
    }
    const asker = await rt.start(Asker, null);
    await expect(GenServer.call(rt, asker, 'ask')).resolves.toBe(40);
    const fromProcess = deferred<unknown>();
    rt.spawn(async (self) => {
      fromProcess.resolve(await GenServer.call(self, 'counter', { type: 'get' }));
    });
    expect(await fromProcess.promise).toBe(4);
  });

  it('rejects at once with the exit reason when the server dies during the call', async () => {
    const rt = makeRuntime();
    const pid = await rt.start(Holder, undefined);
    const started = performance.now();
    const call = GenServer.call(rt, pid, { type: 'hold' }, 30_000);
    await expect(GenServer.call(rt, pid, { type: 'held' })).resolves.toBe(1);
    rt.exit(pid, { disk: 'full' });
    const error = (await rejection(call)) as CallError;
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(error).toBeInstanceOf(CallError);
    expect(error).not.toBeInstanceOf(CallTimeoutError);
    expect(error).toMatchObject({ reason: { disk: 'full' }, dest: pid, cause: { disk: 'full' } });
    expect(error.message).toBe(
      `GenServer.call to ${pid} failed: the server exited with reason { disk: 'full' }`,
    );
  });

  it('rejects with an error whose stack has the frame that awaited the call', async () => {
    const rt = makeRuntime();
    const pid = await rt.start(Holder, undefined);
    async function askThenGiveUp(): Promise<unknown> {
      return await GenServer.call(rt, pid, { type: 'hold' }, 10);
    }
    async function askWhileItDies(): Promise<unknown> {
      return await GenServer.call(rt, pid, { type: 'hold' }, 30_000);
    }
    const timedOut = (await rejection(askThenGiveUp())) as CallTimeoutError;
    expect(timedOut).toBeInstanceOf(CallTimeoutError);
    expect(timedOut.stack).toMatch(/at (async )?askThenGiveUp /);
    const call = askWhileItDies();
    await expect(GenServer.call(rt, pid, { type: 'held' })).resolves.toBe(2);
    rt.exit(pid, 'kill');
    const failed = (await rejection(call)) as CallError;
    expect(failed.reason).toBe('killed');
    expect(failed.stack).toMatch(/at (async )?askWhileItDies /);
  });

  it('rejects with the error when the server crashes handling the call', async () => {
    const rt = makeRuntime();
    class Crashes extends GenServer<null, 'crash'> {
      override handleCall(): never {
        throw new Error('bad request');
      }
    }
    const pid = await rt.start(Crashes, null, { name: 'crashes' });
    const error = (await rejection(GenServer.call(rt, 'crashes', 'crash', 30_000))) as CallError;
    expect(error).toBeInstanceOf(CallError);
    expect((error.reason as Error).message).toBe('bad request');
    expect(error.message).toBe(
      'GenServer.call to "crashes" failed: the server exited with reason Error: bad request',
    );
    expect(rt.isAlive(pid)).toBe(false);
  });

  it('rejects with NoProcError naming the destination for a dead pid and for an unregistered name', async () => {
    const rt = makeRuntime();
    const pid = await rt.start(Counter, 0);
    await GenServer.stop(rt, pid);
    const dead = await rejection(GenServer.call(rt, pid, { type: 'get' }));
    expect(dead).toBeInstanceOf(NoProcError);
    expect(dead).toMatchObject({ reason: 'noproc', dest: pid });
    expect((dead as Error).message).toBe(
      `GenServer.call to ${pid} failed: no process is alive with that pid (noproc)`,
    );
    const unnamed = await rejection(GenServer.call(rt, 'nobody', { type: 'get' }));
    expect(unnamed).toBeInstanceOf(NoProcError);
    expect(unnamed).toMatchObject({ reason: 'noproc', dest: 'nobody' });
    expect((unnamed as Error).message).toBe(
      'GenServer.call to "nobody" failed: no process is alive under that name (noproc)',
    );
    const via = await rejection(GenServer.call(rt, { via: 'NoRegistry', key: 1 }, 'x'));
    expect(via).toBeInstanceOf(NoProcError);
  });

  it('rejects with CallTimeoutError after the timeout, and the late reply never reaches the caller’s mailbox', async () => {
    const rt = makeTestRuntime();
    const server = await rt.start(Holder, undefined);
    const outcome = deferred<unknown>();
    const leftover = deferred<unknown>();
    let failedAt = -1;
    const caller = rt.spawn(async (self) => {
      outcome.resolve(await rejection(GenServer.call(self, server, { type: 'hold' }, 30)));
      failedAt = rt.now();
      await self.receive({ match: (m) => m === 'check' });
      leftover.resolve(await self.receive({ timeout: 30 }));
    });
    await rt.advance(30);
    const error = await outcome.promise;
    expect(failedAt).toBe(30);
    expect(error).toBeInstanceOf(CallTimeoutError);
    expect(error).toMatchObject({ reason: 'timeout', timeout: 30, dest: server });
    expect((error as Error).message).toBe(`GenServer.call to ${server} timed out after 30 ms`);
    // The server answers now: the reply is dropped.
    GenServer.cast(rt, server, { type: 'flush', value: 'late' });
    await expect(GenServer.call(rt, server, { type: 'held' })).resolves.toBe(0);
    expect(rt.info(caller)?.messageQueueLen).toBe(0);
    rt.send(caller, 'check');
    await rt.advance(30);
    expect(await leftover.promise).toBe(Timeout);
  });

  it('times each call out exactly at its own timeout: short ones made after a long one, in deadline order', async () => {
    const rt = makeTestRuntime();
    const server = await rt.start(Holder, undefined);
    const long = GenServer.call<string>(rt, server, { type: 'hold' }, 60_000);
    // Once stamped, the long call's timeout is armed: one timer for all the runtime's calls.
    await rt.runUntilIdle();
    expect(rt.stats.timers).toBe(1);
    const order: Array<[number, number]> = [];
    const short = [90, 30, 60].map(async (ms) => {
      const error = await rejection(GenServer.call(rt, server, { type: 'hold' }, ms));
      order.push([ms, rt.now()]);
      expect(error).toMatchObject({ reason: 'timeout', timeout: ms });
    });
    await rt.advance(89);
    expect(order).toEqual([
      [30, 30],
      [60, 60],
    ]);
    await rt.advance(1);
    await Promise.all(short);
    // Each at its deadline: the long call's timeout did not hold the short ones back.
    expect(order).toEqual([
      [30, 30],
      [60, 60],
      [90, 90],
    ]);
    GenServer.cast(rt, server, { type: 'flush', value: 'answered' });
    await expect(long).resolves.toBe('answered');
    expect(rt.stats.timers).toBe(0);
  });

  it("rejects at once with CallError reason 'calling_self' when a server calls itself", async () => {
    const rt = makeRuntime();
    class Narcissus extends GenServer<null, 'me' & Returns<unknown[]>> {
      override async handleCall(request: 'me' & Returns<unknown[]>, _from: From, state: null) {
        const byPid = await rejection(GenServer.call(this, this.pid, 'me'));
        const byName = await rejection(GenServer.call(this.self, 'narcissus', 'me'));
        return replyTo(request, [byPid, byName], state);
      }
    }
    const pid = await rt.start(Narcissus, null, { name: 'narcissus' });
    const [byPid, byName] = await GenServer.call<unknown[]>(rt, pid, 'me');
    for (const error of [byPid, byName]) {
      expect(error).toBeInstanceOf(CallError);
      expect(error).not.toBeInstanceOf(NoProcError);
      expect(error).toMatchObject({ reason: 'calling_self' });
      expect((error as Error).message).toContain('a process cannot call itself');
    }
  });

  it('times out the calls still waiting on several servers at their deadlines, and leaves answered calls and other watchers alone', async () => {
    const rt = makeTestRuntime();
    const servers = [
      await rt.start(Holder, undefined),
      await rt.start(Holder, undefined),
      await rt.start(Holder, undefined),
    ];
    // Watchers of another kind on the same lists as the calls.
    let exited = 0;
    for (const server of servers) void rt.awaitExit(server).then(() => exited++);
    const outcomes = new Map<number, string>();
    const call = (n: number, server: number) =>
      GenServer.call<string>(rt, servers[server]!, { type: 'hold' }, 100).then(
        (reply) => outcomes.set(n, `${reply} at ${rt.now()}`),
        (error: unknown) =>
          outcomes.set(n, error instanceof CallTimeoutError ? `timeout at ${rt.now()}` : 'other'),
      );
    // One turn's calls go back and forth between the servers; the next turn's come later.
    const first = [0, 1, 2, 0, 1, 2].map((server, n) => call(n, server));
    await rt.advance(40);
    const second = [2, 1, 0].map((server, n) => call(6 + n, server));
    GenServer.cast(rt, servers[1]!, { type: 'flush', value: 'answered' });
    await rt.advance(60);
    await Promise.all(first);
    expect(new Map([...outcomes].sort(([a], [b]) => a - b))).toEqual(
      new Map([
        [0, 'timeout at 100'],
        [1, 'answered at 40'],
        [2, 'timeout at 100'],
        [3, 'timeout at 100'],
        [4, 'answered at 40'],
        [5, 'timeout at 100'],
        [7, 'answered at 40'],
      ]),
    );
    await rt.advance(39);
    expect(outcomes.has(6)).toBe(false);
    await rt.advance(1);
    await Promise.all(second);
    expect(outcomes.get(6)).toBe('timeout at 140');
    expect(outcomes.get(8)).toBe('timeout at 140');
    // The servers still hold the calls that timed out; their answers now go nowhere.
    for (const server of servers) {
      await expect(GenServer.call(rt, server, { type: 'held' })).resolves.toBe(
        server === servers[1] ? 0 : 3,
      );
    }
    expect(exited).toBe(0);
    expect(rt.stats.timers).toBe(0);
  });

  it('keeps thousands of calls in flight without a Node.js timer each', async () => {
    const rt = makeRuntime();
    const pid = await rt.start(Holder, undefined);
    const count = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const baseline = count();
    const calls = Array.from({ length: 5_000 }, () =>
      GenServer.call<string>(rt, pid, { type: 'hold' }),
    );
    await expect(GenServer.call(rt, pid, { type: 'held' })).resolves.toBe(5_000);
    expect(count()).toBeLessThanOrEqual(baseline + 2);
    GenServer.cast(rt, pid, { type: 'flush', value: 'answered' });
    const replies = await Promise.all(calls);
    expect(replies).toHaveLength(5_000);
    expect(new Set(replies)).toEqual(new Set(['answered']));
    expect(rt.stats.timers).toBe(0);
  });

  it('rejects (never throws) with TypeError or RangeError naming a bad destination, timeout or caller', async () => {
    const rt = makeRuntime();
    await rt.start(Counter, 0, { name: 'counter' });
    const cases: Array<[() => Promise<unknown>, ErrorConstructor, string]> = [
      [() => GenServer.call(rt, 42 as never, 'x'), TypeError, '`dest`'],
      [() => GenServer.call(rt, '', 'x'), TypeError, '`dest`'],
      [() => GenServer.call(rt, 'counter', 'x', -1), RangeError, '`timeout`'],
      [() => GenServer.call(rt, 'counter', 'x', Number.NaN), RangeError, '`timeout`'],
      [() => GenServer.call(rt, 'counter', 'x', '10' as never), TypeError, '`timeout`'],
      [() => GenServer.call({} as never, 'counter', 'x'), TypeError, '`caller`'],
    ];
    for (const [call, ErrorClass, argument] of cases) {
      let promise!: Promise<unknown>;
      expect(() => {
        promise = call();
      }).not.toThrow();
      const error = await rejection(promise);
      expect(error).toBeInstanceOf(ErrorClass);
      expect((error as Error).message).toContain('GenServer.call');
      expect((error as Error).message).toContain(argument);
    }
    await expect(GenServer.call(rt, 'counter', { type: 'get' })).resolves.toBe(0);
  });
});

describe('GenServer.cast', () => {
  it('returns at once and the server handles the request later', async () => {
    const rt = makeRuntime();
    const pid = await rt.start(Counter, 0);
    expect(GenServer.cast(rt, pid, { type: 'inc' })).toBeUndefined();
    await expect(GenServer.call(rt, pid, { type: 'get' })).resolves.toBe(1);
  });

  it('does nothing, without throwing, for a dead pid, an unregistered name or a missing registry', async () => {
    const rt = makeRuntime();
    const pid = await rt.start(Counter, 0);
    await GenServer.stop(rt, pid);
    expect(() => GenServer.cast(rt, pid, { type: 'inc' })).not.toThrow();
    expect(() => GenServer.cast(rt, 'nobody', { type: 'inc' })).not.toThrow();
    expect(() => GenServer.cast(rt, { via: 'NoRegistry', key: 'k' }, 'x')).not.toThrow();
  });

  it('throws a TypeError at once for a malformed destination or caller', () => {
    const rt = makeRuntime();
    expect(() => GenServer.cast(rt, 42 as never, 'x')).toThrow(TypeError);
    expect(() => GenServer.cast(rt, 42 as never, 'x')).toThrow('`dest`');
    expect(() => GenServer.cast(rt, '', 'x')).toThrow('`dest`');
    expect(() => GenServer.cast(rt, { via: '' } as never, 'x')).toThrow(TypeError);
    expect(() => GenServer.cast(null as never, 'counter', 'x')).toThrow(TypeError);
    expect(() => GenServer.cast(null as never, 'counter', 'x')).toThrow('`caller`');
  });
});

describe('GenServer.reply', () => {
  it('answers calls that handleCall left with noreply, in any order', async () => {
    const rt = makeRuntime();
    class Reverser extends GenServer<From[], number, 'flush'> {
      override handleCall(_request: number, from: From, held: From[]) {
        return noreply([...held, from]);
      }
      override handleCast(_request: 'flush', held: From[]): From[] {
        for (const [i, from] of [...held].reverse().entries()) GenServer.reply(from, i);
        return [];
      }
    }
    const pid = await rt.start(Reverser, []);
    const calls = [1, 2, 3].map((n) => GenServer.call(rt, pid, n));
    GenServer.cast(rt, pid, 'flush');
    await expect(Promise.all(calls)).resolves.toEqual([2, 1, 0]);
  });

  it('is a no-op for a caller that timed out, and a second reply is dropped', async () => {
    const rt = makeRuntime();
    const held = deferred<From>();
    class Keeps extends GenServer<null, 'x'> {
      override handleCall(_request: 'x', from: From, state: null) {
        held.resolve(from);
        return noreply(state);
      }
    }
    const pid = await rt.start(Keeps, null);
    const call = GenServer.call(rt, pid, 'x', 10);
    await expect(call).rejects.toBeInstanceOf(CallTimeoutError);
    const from = await held.promise;
    expect(from.pending).toBe(false);
    expect(() => GenServer.reply(from, 'late')).not.toThrow();
    expect(() => GenServer.reply(from, 'again')).not.toThrow();
    expect(rt.isAlive(pid)).toBe(true);
  });

  it('throws a TypeError for something that is not a From', () => {
    expect(() => GenServer.reply({} as never, 1)).toThrow(TypeError);
    expect(() => GenServer.reply({} as never, 1)).toThrow('`from`');
  });
});

describe('GenServer.stop', () => {
  it('runs terminate and resolves once the server has exited and its name is free', async () => {
    const rt = makeRuntime();
    const p = probe(rt);
    class Stoppable extends GenServer<number> {
      override terminate(reason: ExitReason, state: number): void {
        this.self.send(p.pid, ['terminate', reason, state]);
      }
    }
    const pid = await rt.start(Stoppable, 9, { name: 'stoppable' });
    const exit = rt.awaitExit(pid);
    await expect(GenServer.stop(rt, 'stoppable')).resolves.toBeUndefined();
    expect(rt.isAlive(pid)).toBe(false);
    expect(rt.whereis('stoppable')).toBeUndefined();
    expect(await exit).toBe('normal');
    expect(await p.expectMessage()).toEqual(['terminate', 'normal', 9]);
  });

  it('stops with the given reason, which monitors see', async () => {
    const rt = makeRuntime();
    const pid = await rt.start(Counter, 0);
    const exit = rt.awaitExit(pid);
    await GenServer.stop(rt, pid, { shutdown: 'maintenance' });
    expect(await exit).toEqual({ shutdown: 'maintenance' });
  });

  it('rejects with NoProcError for a dead pid or an unknown name', async () => {
    const rt = makeRuntime();
    const pid = await rt.start(Counter, 0);
    await GenServer.stop(rt, pid);
    const dead = await rejection(GenServer.stop(rt, pid));
    expect(dead).toBeInstanceOf(NoProcError);
    expect((dead as Error).message).toBe(
      `GenServer.stop to ${pid} failed: no process is alive with that pid (noproc)`,
    );
    const unknown = await rejection(GenServer.stop(rt, 'nobody'));
    expect(unknown).toBeInstanceOf(NoProcError);
    expect((unknown as Error).message).toContain('GenServer.stop to "nobody"');
  });
});

describe('GenServer.ref', () => {
  it('calls, casts and stops through a handle bound to a destination', async () => {
    const rt = makeRuntime();
    const pid = await rt.start(Counter, 1, { name: 'counter' });
    const counter = GenServer.ref<typeof Counter>(rt, 'counter');
    expect(counter.dest).toBe('counter');
    counter.cast({ type: 'inc' });
    await expect(counter.call({ type: 'add', amount: 10 })).resolves.toBe(12);
    const exit = rt.awaitExit(pid);
    await counter.stop();
    expect(await exit).toBe('normal');
    await expect(counter.call({ type: 'get' })).rejects.toBeInstanceOf(NoProcError);
  });

  it('throws a TypeError for a malformed caller or destination', () => {
    const rt = makeRuntime();
    expect(() => GenServer.ref<typeof Counter>(rt, 7 as never)).toThrow(TypeError);
    expect(() => GenServer.ref<typeof Counter>('rt' as never, 'counter')).toThrow(TypeError);
  });
});
