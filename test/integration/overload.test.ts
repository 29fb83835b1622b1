import { describe, expect, it } from 'vitest';
import {
  type From,
  GenServer,
  noreply,
  type Pid,
  type Runtime,
  reply,
  type Self,
} from '../../src/index.js';
import { type Deferred, deferred, makeRuntime } from '../helpers.js';

// A process that receives faster than it handles grows its mailbox; the runtime warns
// once each time a mailbox reaches `mailboxWarning`. The cure is backpressure: call
// instead of cast, so each client waits for its answer before sending more.

/** Resolves after the event loop has gone round once: lets timers, I/O and the scheduler run. */
const macrotask = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Records every 'mailbox_overflow' event. */
function overflows(rt: Runtime): Array<[Pid, number]> {
  const seen: Array<[Pid, number]> = [];
  rt.on('mailbox_overflow', (pid, length) => seen.push([pid, length]));
  return seen;
}

interface SlowState {
  handled: number;
  gate: Promise<void> | undefined;
}

/**
 * A server that handles one cast per turn of the event loop; the first waits for the
 * gate `init` was given, if any.
 */
class Slow extends GenServer<SlowState, 'handled', 'work'> {
  override init(gate: Promise<void> | undefined): SlowState {
    return { handled: 0, gate };
  }

  override async handleCast(_request: 'work', state: SlowState): Promise<SlowState> {
    await (state.gate ?? macrotask());
    return { handled: state.handled + 1, gate: undefined };
  }

  override handleCall(_request: 'handled', _from: From, state: SlowState) {
    return reply(state.handled, state);
  }
}

/**
 * A raw process that takes one message each time `step` is called, and says how many it
 * has taken; otherwise it lets its mailbox fill.
 */
function stepper(rt: Runtime): { pid: Pid; step(): Promise<void> } {
  let turn: Deferred<void> = deferred();
  let taken: Deferred<void> = deferred();
  const pid = rt.spawn(async (self: Self) => {
    for (;;) {
      await turn.promise;
      turn = deferred();
      await self.receive();
      taken.resolve();
    }
  });
  return {
    pid,
    step: () => {
      const done = taken.promise;
      turn.resolve();
      return done.then(() => {
        taken = deferred();
      });
    },
  };
}

describe('overload', () => {
  it('grows the mailbox of a server that receives faster than it handles, as info shows', async () => {
    const rt = makeRuntime();
    const server = await rt.start(Slow, undefined);
    const lengths: number[] = [];
    for (let burst = 0; burst < 10; burst++) {
      for (let i = 0; i < 100; i++) GenServer.cast(rt, server, 'work');
      lengths.push(rt.info(server)!.messageQueueLen);
      await macrotask();
    }
    // Each burst adds 100 messages; the server handles about one per turn of the event loop.
    for (let i = 1; i < lengths.length; i++) expect(lengths[i]).toBeGreaterThan(lengths[i - 1]!);
    expect(lengths.at(-1)).toBeGreaterThan(800);
    const info = rt.info(server)!;
    expect(info.messagesHandled).toBeGreaterThan(0);
    expect(info.messageQueueLen + info.messagesHandled).toBeGreaterThanOrEqual(1000);
    // It still gets through all of it, in order: the call is answered after every cast.
    expect(await GenServer.call(rt, server, 'handled', 30_000)).toBe(1000);
    expect(rt.info(server)!.messageQueueLen).toBe(0);
  });

  it("emits 'mailbox_overflow' once when a mailbox reaches mailboxWarning, with the pid and length", async () => {
    const rt = makeRuntime({ mailboxWarning: 500 });
    const seen = overflows(rt);
    const gate = deferred();
    const server = await rt.start(Slow, gate.promise);
    for (let i = 0; i < 499; i++) GenServer.cast(rt, server, 'work');
    expect(seen).toEqual([]);
    GenServer.cast(rt, server, 'work');
    expect(seen).toEqual([[server, 500]]);
    // Not again while it stays above.
    for (let i = 0; i < 1_500; i++) GenServer.cast(rt, server, 'work');
    expect(rt.info(server)!.messageQueueLen).toBeGreaterThanOrEqual(1_900);
    expect(seen).toHaveLength(1);
    expect(rt.log.text('warn')).toContain(`process ${server} has 500 messages in its mailbox`);
    gate.resolve();
    expect(await GenServer.call(rt, server, 'handled', 30_000)).toBe(2_000);
    expect(seen).toHaveLength(1);
  });

  it('emits it again at each new crossing of the threshold, and only then', async () => {
    const rt = makeRuntime({ mailboxWarning: 50 });
    const seen = overflows(rt);
    const { pid, step } = stepper(rt);
    for (let i = 0; i < 50; i++) rt.send(pid, i);
    expect(seen).toEqual([[pid, 50]]);
    // Down to 49, up to 50 again: a new crossing.
    await step();
    expect(rt.info(pid)!.messageQueueLen).toBe(49);
    rt.send(pid, 'again');
    expect(seen).toEqual([
      [pid, 50],
      [pid, 50],
    ]);
    // Above and back to 50 from above: no crossing.
    rt.send(pid, 'more');
    await step();
    expect(rt.info(pid)!.messageQueueLen).toBe(50);
    expect(seen).toHaveLength(2);
    // Well below, then up past it: one more.
    for (let i = 0; i < 10; i++) await step();
    expect(rt.info(pid)!.messageQueueLen).toBe(40);
    for (let i = 0; i < 30; i++) rt.send(pid, i);
    expect(seen).toHaveLength(3);
    expect(seen.every(([p, n]) => p === pid && n === 50)).toBe(true);
  });

  it('warns at 10,000 messages by default', () => {
    const rt = makeRuntime();
    const seen = overflows(rt);
    const pid = rt.spawn(async (self) => {
      await self.receive({ match: () => false });
    });
    for (let i = 0; i < 9_999; i++) rt.send(pid, i);
    expect(seen).toEqual([]);
    rt.send(pid, 9_999);
    expect(seen).toEqual([[pid, 10_000]]);
    for (let i = 0; i < 5_000; i++) rt.send(pid, i);
    expect(seen).toHaveLength(1);
    expect(rt.info(pid)!.messageQueueLen).toBe(15_000);
  });

  it('keeps the mailbox bounded by the number of clients when they call instead of cast', async () => {
    const CLIENTS = 50;
    const REQUESTS = 100;
    const rt = makeRuntime({ mailboxWarning: 500 });
    const seen = overflows(rt);

    interface WorkerState {
      done: number;
      longest: number;
    }

    /** Handles one request per turn of the event loop, noting the longest queue it saw. */
    class Worker extends GenServer<WorkerState, 'work' | 'longest', 'work'> {
      override init(): WorkerState {
        return { done: 0, longest: 0 };
      }
      override async handleCall(request: 'work' | 'longest', _from: From, state: WorkerState) {
        if (request === 'longest') return reply(state.longest, state);
        await macrotask();
        return reply(true, this.#note(state));
      }
      override async handleCast(_request: 'work', state: WorkerState) {
        await macrotask();
        return noreply(this.#note(state));
      }
      #note(state: WorkerState): WorkerState {
        const queued = rt.info(this.pid)!.messageQueueLen;
        return { done: state.done + 1, longest: Math.max(state.longest, queued) };
      }
    }

    const run = async (mode: 'call' | 'cast'): Promise<number> => {
      const server = await rt.start(Worker, undefined);
      const clients = Array.from({ length: CLIENTS }, () => {
        const done = deferred();
        rt.spawn(async (self) => {
          for (let i = 0; i < REQUESTS; i++) {
            if (mode === 'call') await GenServer.call(self, server, 'work', 30_000);
            else GenServer.cast(self, server, 'work');
          }
          done.resolve();
        });
        return done.promise;
      });
      await Promise.all(clients);
      // Queued behind every request: answered once all are handled.
      const longest = await GenServer.call<number>(rt, server, 'longest', 60_000);
      await GenServer.stop(rt, server);
      return longest;
    };

    const withCalls = await run('call');
    expect(withCalls).toBeLessThan(CLIENTS);
    expect(seen).toEqual([]);
    const withCasts = await run('cast');
    expect(withCasts).toBeGreaterThan(500);
    expect(seen).toHaveLength(1);
  });
});
