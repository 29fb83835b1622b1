import { AssertionError } from 'node:assert';
import { afterEach, describe, expect, it } from 'vitest';
import { Down, Exit, GenServer, type Pid } from '../../src/index.js';
import { TestRuntime } from '../../src/testing/index.js';

let rt: TestRuntime;
afterEach(() => rt.shutdown());

class Idle extends GenServer<null> {
  override init() {
    return null;
  }
}

describe('Probe.expectMessage', () => {
  it('resolves the first matching message and leaves the others in order', async () => {
    rt = new TestRuntime();
    const probe = rt.probe();
    for (const m of [1, 2, 3, 4]) rt.send(probe.pid, m);
    expect(await probe.expectMessage((m) => m === 3)).toBe(3);
    expect(await probe.expectMessage()).toBe(1);
    expect(probe.messages).toEqual([2, 4]);
  });

  it('moves the clock to the timer that brings the message, and no further', async () => {
    rt = new TestRuntime();
    const probe = rt.probe();
    rt.sendAfter(probe.pid, 'late', 60_000);
    expect(await probe.expectMessage(undefined, 60_000)).toBe('late');
    expect(rt.now()).toBe(60_000);
  });

  it('fails after its timeout in virtual time with an AssertionError naming the seed', async () => {
    rt = new TestRuntime({ seed: 99 });
    const probe = rt.probe();
    rt.send(probe.pid, 'other');
    const error = await probe.expectMessage((m) => m === 'wanted', 1000).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AssertionError);
    expect((error as Error).message).toBe(
      `probe ${probe.pid}: expected a message that match accepts within 1000 ms, but it holds 1 other message, the first "other" (virtual time; seed 99: new TestRuntime({ seed: 99 }) replays this run)`,
    );
    expect(rt.now()).toBe(1000);
  });

  it('waits 3000 virtual ms by default', async () => {
    rt = new TestRuntime();
    const probe = rt.probe();
    await expect(probe.expectMessage()).rejects.toThrow(/within 3000 ms, but it holds no message/);
    expect(rt.now()).toBe(3000);
  });

  it('rejects a match that is not a function and a negative timeout', async () => {
    rt = new TestRuntime();
    const probe = rt.probe();
    await expect(probe.expectMessage('x' as never)).rejects.toThrow(TypeError);
    await expect(probe.expectMessage(undefined, -1)).rejects.toThrow(RangeError);
  });
});

describe('Probe.expectNoMessage', () => {
  it('passes when nothing arrives within ms, at no real cost', async () => {
    rt = new TestRuntime();
    const probe = rt.probe();
    rt.sendAfter(probe.pid, 'tick', 10_000);
    const started = performance.now();
    await probe.expectNoMessage(9_999);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(rt.now()).toBe(9_999);
    expect(await probe.expectMessage()).toBe('tick');
    expect(rt.now()).toBe(10_000);
  });

  it('fails naming the message that came', async () => {
    rt = new TestRuntime();
    const probe = rt.probe();
    rt.sendAfter(probe.pid, { type: 'tick' }, 100);
    await expect(probe.expectNoMessage(100)).rejects.toThrow(
      /expected no message within 100 ms, got \{ type: 'tick' \}/,
    );
  });
});

describe('Probe.expectDown', () => {
  it('monitors the process at once, and resolves its exit reason', async () => {
    rt = new TestRuntime();
    const probe = rt.probe();
    const server = await rt.start(Idle, undefined);
    // As Elixir's assert_kill: monitor first, then kill (an exit signal acts at once).
    const down = probe.expectDown(server);
    rt.exit(server, 'kill');
    expect(await down).toBe('killed');
    expect(probe.messages).toEqual([]);
  });

  it("resolves 'noproc' for a process already dead", async () => {
    rt = new TestRuntime();
    const probe = rt.probe();
    const pid = rt.spawn(() => {});
    await rt.runUntilIdle();
    expect(await probe.expectDown(pid)).toBe('noproc');
  });

  it('fails when the process outlives the timeout, leaving the clock at the timeout', async () => {
    rt = new TestRuntime();
    const probe = rt.probe();
    const server = await rt.start(Idle, undefined);
    await expect(probe.expectDown(server, 500)).rejects.toThrow(
      `expected DOWN from ${server} within 500 ms`,
    );
    expect(rt.now()).toBe(500);
  });
});

describe('Probe.expectExit', () => {
  it('traps exits, links, and resolves the reason of the EXIT', async () => {
    rt = new TestRuntime();
    const probe = rt.probe();
    const worker: Pid = rt.spawn(async (self) => {
      await self.receive();
      throw new Error('boom');
    });
    const exit = probe.expectExit(worker);
    rt.send(worker, 'go');
    const reason = await exit;
    expect(reason).toBeInstanceOf(Error);
    expect((reason as Error).message).toBe('boom');
    expect(rt.isAlive(probe.pid)).toBe(true);
    expect(rt.logs.map((l) => l.level)).toEqual(['error']);
  });

  it('sees the EXIT of a process started linked to the probe', async () => {
    rt = new TestRuntime();
    const probe = rt.probe();
    const child = rt.spawn(async (self) => self.exit('done'), { link: probe.pid });
    expect(await probe.expectExit(child)).toBe('done');
  });
});

describe('rt.probe', () => {
  it('gives a live process that records Down and Exit messages as any other', async () => {
    rt = new TestRuntime();
    const probe = rt.probe();
    expect(rt.info(probe.pid)?.behaviour).toBe('TestProbe');
    const pid = rt.spawn(() => {});
    await probe.expectDown(pid);
    rt.send(probe.pid, new Exit(pid, 'x'));
    expect(await probe.expectMessage()).toBeInstanceOf(Exit);
    expect(Down).toBeDefined();
  });
});
