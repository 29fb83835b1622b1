import { describe, expect, it } from 'vitest';
import type { MessageHandler } from '../../src/core/process.js';
import { type From, GenServer, reply, Sys } from '../../src/index.js';
import { deferred, makeRuntime } from '../helpers.js';

/** A handler that records what it gets; `block` makes it wait on a promise per message. */
function recorder() {
  const got: unknown[] = [];
  let gate: Promise<unknown> | undefined;
  const handler: MessageHandler = {
    behaviour: 'Recorder',
    handle(message) {
      got.push(['plain', message]);
      return gate;
    },
    handleTagged(payload) {
      got.push(['tagged', payload]);
      return gate;
    },
  };
  return {
    got,
    handler,
    block(promise: Promise<unknown> | undefined) {
      gate = promise;
    },
  };
}

describe('HandlerProcess.begin', () => {
  it('handles the first message before any message delivered meanwhile', async () => {
    const rt = makeRuntime();
    const r = recorder();
    const proc = rt.spawnHandler(r.handler, undefined, 'test');
    proc.deliver('second');
    proc.begin('first');
    proc.deliverTagged('third');
    expect(rt.info(proc.pid)?.messageQueueLen).toBe(3);
    expect(rt.info(proc.pid)?.behaviour).toBe('Recorder');
    // The scheduler runs processes in the order they became ready: once a process
    // spawned now has run, so has the handler.
    await rt.awaitExit(rt.spawn(() => {}));
    expect(r.got).toEqual([
      ['plain', 'first'],
      ['plain', 'second'],
      ['tagged', 'third'],
    ]);
  });
});

describe('HandlerProcess.deliverTagged', () => {
  it('counts a tagged message as one in the queue length, in order with plain messages', async () => {
    const rt = makeRuntime();
    const r = recorder();
    const gate = deferred();
    r.block(gate.promise);
    const proc = rt.spawnHandler(r.handler, undefined, 'test');
    proc.deliver('a'); // taken at once; the handler then blocks on the gate
    const idle = rt.spawn(() => {});
    await rt.awaitExit(idle);
    proc.deliverTagged(1);
    proc.deliver('b');
    proc.deliverTagged(2);
    expect(rt.info(proc.pid)?.messageQueueLen).toBe(3);
    r.block(undefined);
    gate.resolve();
    await gate.promise;
    await rt.awaitExit(rt.spawn(() => {}));
    expect(r.got).toEqual([
      ['plain', 'a'],
      ['tagged', 1],
      ['plain', 'b'],
      ['tagged', 2],
    ]);
    expect(rt.info(proc.pid)?.messageQueueLen).toBe(0);
    expect(rt.info(proc.pid)?.messagesHandled).toBe(4);
  });

  it('warns of a long mailbox by messages, not by mailbox slots', async () => {
    const rt = makeRuntime({ mailboxWarning: 4 });
    const r = recorder();
    const gate = deferred();
    r.block(gate.promise);
    const proc = rt.spawnHandler(r.handler, undefined, 'test');
    proc.deliver('blocker');
    await rt.awaitExit(rt.spawn(() => {}));
    const warnings: number[] = [];
    rt.on('mailbox_overflow', (_pid, length) => warnings.push(length));
    for (let i = 0; i < 3; i++) proc.deliverTagged(i);
    expect(warnings).toEqual([]);
    proc.deliverTagged(3);
    expect(warnings).toEqual([4]);
    gate.resolve();
  });
});

describe('GenServer casts as tagged messages', () => {
  type Call = { type: 'log' };
  class Log extends GenServer<unknown[], Call, number, string> {
    override init(): unknown[] {
      return [];
    }
    override handleCall(_request: Call, _from: From, state: unknown[]) {
      return reply(state, state);
    }
    override handleCast(n: number, state: unknown[]): unknown[] {
      return [...state, n];
    }
    override handleInfo(message: string, state: unknown[]): unknown[] {
      return [...state, message];
    }
  }

  it('keeps casts in order with plain messages, also across Sys.suspend and resume', async () => {
    const rt = makeRuntime();
    const pid = await rt.start(Log, undefined);
    GenServer.cast(rt, pid, 1);
    rt.send(pid, 'a');
    await Sys.suspend(rt, pid);
    GenServer.cast(rt, pid, 2);
    rt.send(pid, 'b');
    GenServer.cast(rt, pid, 3);
    const status = await Sys.getStatus(rt, pid);
    expect(status.messageQueueLen).toBe(3);
    await Sys.resume(rt, pid);
    GenServer.cast(rt, pid, 4);
    expect(await GenServer.call(rt, pid, { type: 'log' })).toEqual([1, 'a', 2, 'b', 3, 4]);
  });

  it('counts each queued cast as one message in info until the server runs', async () => {
    const rt = makeRuntime();
    const pid = await rt.start(Log, undefined);
    GenServer.cast(rt, pid, 1);
    GenServer.cast(rt, pid, 2);
    rt.send(pid, 'x');
    // A send never runs the receiver at once: all three are still queued.
    expect(rt.info(pid)?.messageQueueLen).toBe(3);
    expect(await GenServer.call(rt, pid, { type: 'log' })).toEqual([1, 2, 'x']);
    expect(rt.info(pid)?.messageQueueLen).toBe(0);
  });
});
