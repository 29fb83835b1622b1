/**
 * A race that only some interleavings show, found by `explore` from otp-ts/testing and
 * replayed from its seed.
 *
 * An account server holds a balance. Two clients each withdraw 100 from a balance of
 * 100, "safely": each asks for the balance, and withdraws only if it is enough. That is
 * check-then-act across two processes: when both ask before either withdraws, both see
 * 100 and the balance ends at -100. Whether that happens depends on the order in which
 * the scheduler runs the three processes. The fix moves the check into the server,
 * where nothing can come between it and the act.
 *
 * Run it with `npx tsx examples/race.ts`.
 */
import { type Caller, type From, GenServer, type Pid, type Returns, replyTo } from 'otp-ts';
import { explore, TestRuntime } from 'otp-ts/testing';

// ── Server ───────────────────────────────────────────────────────────────────

type AccountCall =
  | ({ type: 'balance' } & Returns<number>)
  | ({ type: 'withdraw'; amount: number } & Returns<number>)
  | ({ type: 'withdraw_if_enough'; amount: number } & Returns<boolean>);

class Account extends GenServer<number, AccountCall> {
  override init(balance: number): number {
    return balance;
  }

  override handleCall(request: AccountCall, _from: From, balance: number) {
    switch (request.type) {
      case 'balance':
        return replyTo(request, balance, balance);
      case 'withdraw':
        return replyTo(request, balance - request.amount, balance - request.amount);
      case 'withdraw_if_enough': {
        const enough = balance >= request.amount;
        return replyTo(request, enough, enough ? balance - request.amount : balance);
      }
    }
  }
}

// ── Clients ──────────────────────────────────────────────────────────────────

/** The bug: check in the client, act in the server, two calls apart. */
async function withdrawIfEnoughRacy(caller: Caller, account: Pid, amount: number): Promise<void> {
  const balance = await GenServer.call<number>(caller, account, { type: 'balance' });
  if (balance >= amount) await GenServer.call(caller, account, { type: 'withdraw', amount });
}

/** The fix: one call, so the server checks and acts with nothing in between. */
async function withdrawIfEnoughAtomic(caller: Caller, account: Pid, amount: number): Promise<void> {
  await GenServer.call(caller, account, { type: 'withdraw_if_enough', amount });
}

type Withdraw = typeof withdrawIfEnoughRacy;

/** Two clients withdraw 100 each from 100; the balance must never go below 0. */
function scenario(withdraw: Withdraw) {
  return async (rt: TestRuntime): Promise<void> => {
    const account = await rt.start(Account, 100);
    const probe = rt.probe();
    const clients = [1, 2].map(() => rt.spawn((self) => withdraw(self, account, 100)));
    for (const client of clients) await probe.expectDown(client);
    const balance = await GenServer.call<number>(rt, account, { type: 'balance' });
    if (balance < 0) throw new Error(`the balance went to ${balance} (${rt.replay})`);
  };
}

// ── Script ───────────────────────────────────────────────────────────────────

const racy = await explore(scenario(withdrawIfEnoughRacy), { runs: 100, seed: 1 });
if (racy.ok) throw new Error('explore found no interleaving that breaks the racy client');
console.log(`racy: seed ${racy.seed} fails: ${(racy.error as Error).message}`);

// The seed replays the failure, every time.
for (let i = 0; i < 3; i++) {
  const rt = new TestRuntime({ seed: racy.seed });
  const replayed = await scenario(withdrawIfEnoughRacy)(rt).then(
    () => 'passes',
    () => 'fails again',
  );
  await rt.shutdown();
  console.log(`replay ${i + 1} of seed ${racy.seed}: ${replayed}`);
}

const atomic = await explore(scenario(withdrawIfEnoughAtomic), { runs: 100, seed: 1 });
console.log(
  `atomic: ${atomic.ok ? `${atomic.runs} runs, no failure` : `seed ${atomic.seed} fails`}`,
);
