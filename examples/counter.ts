/**
 * A counter GenServer, complete: the server, its client functions, and a script that
 * starts it, calls it, casts to it and shuts it down.
 *
 * Run it with `npx tsx examples/counter.ts`.
 */
import {
  type Caller,
  type ExitReason,
  type From,
  GenServer,
  type Returns,
  Runtime,
  replyTo,
} from 'otp-ts';

// ── Server ───────────────────────────────────────────────────────────────────

/** Each call variant declares its reply type: `get` replies a number, `history` an array. */
type CounterCall = ({ type: 'get' } & Returns<number>) | ({ type: 'history' } & Returns<number[]>);
type CounterCast = { type: 'add'; amount: number } | { type: 'reset' };

interface CounterState {
  count: number;
  history: number[];
}

class Counter extends GenServer<CounterState, CounterCall, CounterCast> {
  override init(start: number): CounterState {
    return { count: start, history: [] };
  }

  override handleCall(request: CounterCall, _from: From, state: CounterState) {
    switch (request.type) {
      case 'get':
        return replyTo(request, state.count, state);
      case 'history':
        return replyTo(request, state.history, state);
    }
  }

  override handleCast(request: CounterCast, state: CounterState): CounterState {
    switch (request.type) {
      case 'add':
        return { count: state.count + request.amount, history: [...state.history, request.amount] };
      case 'reset':
        return { count: 0, history: [] };
    }
  }

  override terminate(reason: ExitReason, state: CounterState): void {
    console.log(`counter stopping (${String(reason)}) at ${state.count}`);
  }
}

// ── Client API: callers never build messages themselves ──────────────────────

const NAME = 'counter';

function counter(caller: Caller) {
  return GenServer.ref<typeof Counter>(caller, NAME);
}

function startCounter(rt: Runtime, start: number) {
  return rt.start(Counter, start, { name: NAME });
}

function add(caller: Caller, amount: number): void {
  counter(caller).cast({ type: 'add', amount });
}

function reset(caller: Caller): void {
  counter(caller).cast({ type: 'reset' });
}

function value(caller: Caller): Promise<number> {
  return counter(caller).call({ type: 'get' });
}

function history(caller: Caller): Promise<number[]> {
  return counter(caller).call({ type: 'history' });
}

// ── Script ───────────────────────────────────────────────────────────────────

const rt = new Runtime();
const pid = await startCounter(rt, 10);
console.log(`started counter as ${pid}`);

add(rt, 5);
add(rt, -2);
console.log(`value: ${await value(rt)}`);
console.log(`history: ${JSON.stringify(await history(rt))}`);

reset(rt);
add(rt, 1);
console.log(`after reset: ${await value(rt)}`);

await counter(rt).stop();
console.log(`alive after stop: ${rt.isAlive(pid)}`);
await rt.shutdown();
