import { describe, expect, it } from 'vitest';
import { ProcessState, processOf } from '../../src/core/process.js';
import { Timeout } from '../../src/index.js';
import { deferred, makeRuntime, probe } from '../helpers.js';

describe('a raw process whose body returns its own receive', () => {
  it("ends with 'normal' once the receive is answered, and not before", async () => {
    const rt = makeRuntime();
    const ready = probe(rt);
    const pid = rt.spawn((self) => {
      self.send(ready.pid, 'receiving');
      return self.receive();
    });
    await ready.expectMessage();
    expect(rt.isAlive(pid)).toBe(true);
    expect(processOf(pid)?.state).toBe(ProcessState.Waiting);
    rt.send(pid, 'go');
    expect(await rt.awaitExit(pid)).toBe('normal');
  });

  it('ends after the reactions its body chained on that receive before returning', async () => {
    const rt = makeRuntime();
    const seen = probe(rt);
    const pid = rt.spawn((self) => {
      const received = self.receive();
      // Chained by the body itself: it runs while the process is still alive, so its send goes out.
      void received.then((message) => self.send(seen.pid, { echoed: message }));
      return received;
    });
    const exited = rt.awaitExit(pid);
    rt.send(pid, 'ping');
    expect(await seen.expectMessage()).toEqual({ echoed: 'ping' });
    expect(await exited).toBe('normal');
  });

  it("ends with 'normal' when that receive times out", async () => {
    const rt = makeRuntime();
    const got = deferred<unknown>();
    const pid = rt.spawn((self) => {
      const received = self.receive({ timeout: 5 });
      void received.then(got.resolve);
      return received;
    });
    const exited = rt.awaitExit(pid);
    expect(await got.promise).toBe(Timeout);
    expect(await exited).toBe('normal');
  });

  it('is killed while it waits like any process, and its receive never resolves', async () => {
    const rt = makeRuntime();
    let settled = false;
    const ready = probe(rt);
    const pid = rt.spawn((self) => {
      self.send(ready.pid, 'receiving');
      const received = self.receive();
      void received.then(() => {
        settled = true;
      });
      return received;
    });
    await ready.expectMessage();
    expect(processOf(pid)?.state).toBe(ProcessState.Waiting);
    const exited = rt.awaitExit(pid);
    rt.exit(pid, 'kill');
    expect(await exited).toBe('killed');
    rt.send(pid, 'too late');
    await Promise.resolve();
    expect(settled).toBe(false);
  });
});

describe('ProcessState', () => {
  it('follows a raw process from starting to waiting, running and dead', async () => {
    const rt = makeRuntime();
    const states: number[] = [];
    const step = deferred();
    const seen = probe(rt);
    const pid = rt.spawn(async (self) => {
      states.push(processOf(self.pid)!.state);
      self.send(seen.pid, 'receiving');
      await self.receive();
      states.push(processOf(self.pid)!.state);
      self.send(seen.pid, 'received');
      await step.promise;
    });
    const record = processOf(pid)!;
    expect(record.state).toBe(ProcessState.Starting);
    await seen.expectMessage((m) => m === 'receiving');
    expect(record.state).toBe(ProcessState.Waiting);
    rt.send(pid, 'go');
    await seen.expectMessage((m) => m === 'received');
    expect(record.state).toBe(ProcessState.Running);
    step.resolve();
    await rt.awaitExit(pid);
    expect(record.state).toBe(ProcessState.Dead);
    expect(processOf(pid)).toBeUndefined();
    expect(states).toEqual([ProcessState.Running, ProcessState.Running]);
  });
});
