/**
 * The README's "Testing your processes" examples, run as written (with the classes
 * they assume defined here).
 */
import { afterEach, expect, it, onTestFailed } from 'vitest';
import {
  type Caller,
  CallTimeoutError,
  type From,
  GenServer,
  noreply,
  type Pid,
  reply,
  Supervisor,
} from '../../src/index.js';
import { explore, TestRuntime } from '../../src/testing/index.js';

class Slow extends GenServer<null, 'hang'> {
  override init() {
    return null;
  }
  override handleCall(_request: 'hang', _from: From, state: null) {
    return noreply(state);
  }
}

class Worker extends GenServer<Pid> {
  override init(report: Pid) {
    this.self.send(report, 'worker started');
    return report;
  }
}

type AccountCall = { type: 'balance' } | { type: 'withdraw_if_enough'; amount: number };

class Account extends GenServer<number, AccountCall> {
  override init(balance: number) {
    return balance;
  }
  override handleCall(request: AccountCall, _from: From, balance: number) {
    if (request.type === 'balance') return reply(balance, balance);
    const enough = balance >= request.amount;
    return reply(enough, enough ? balance - request.amount : balance);
  }
}

async function withdrawIfEnough(caller: Caller, account: Pid, amount: number): Promise<void> {
  await GenServer.call(caller, account, { type: 'withdraw_if_enough', amount });
}

let rt: TestRuntime;
afterEach(() => rt.shutdown());

it('times a call out after exactly 5 s, at no real cost', async () => {
  rt = new TestRuntime();
  onTestFailed(() => console.log(rt.replay));
  const server = await rt.start(Slow, undefined);
  // Expect the rejection before the clock moves, so that it is handled when it comes.
  const timedOut = expect(GenServer.call(rt, server, 'hang', 5000)).rejects.toThrow(
    CallTimeoutError,
  );
  await rt.advance(4999);
  expect(rt.isAlive(server)).toBe(true);
  await rt.advance(1);
  await timedOut;
  expect(rt.now()).toBe(5000);
});

it('restarts a crashed worker and reports the crash', async () => {
  rt = new TestRuntime();
  const probe = rt.probe();
  await rt.start(Supervisor, {
    children: [{ id: 'w', start: [Worker, probe.pid, { name: 'w' }] }],
  });
  expect(await probe.expectMessage()).toBe('worker started');
  const first = rt.whereis('w')!;
  const down = probe.expectDown(first);
  rt.exit(first, 'boom');
  expect(await down).toBe('boom');
  expect(await probe.expectMessage((m) => m === 'worker started')).toBe('worker started');
  expect(rt.logs.some((l) => l.level === 'info')).toBe(true);
});

it('never overdraws the account', async () => {
  rt = new TestRuntime();
  const scenario = async (rt: TestRuntime) => {
    const account = await rt.start(Account, 100);
    const probe = rt.probe();
    const clients = [1, 2].map(() => rt.spawn((self) => withdrawIfEnough(self, account, 100)));
    for (const client of clients) await probe.expectDown(client);
    const balance = await GenServer.call<number>(rt, account, { type: 'balance' });
    if (balance < 0) throw new Error(`balance ${balance} (${rt.replay})`);
  };
  expect(await explore(scenario, { runs: 200 })).toEqual({ ok: true, runs: 200 });
});
