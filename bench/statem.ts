/**
 * statem: `events` casts from outside any process to one GenStatem whose handleEvent
 * keeps its state and counts in its data (`Statem.keepState(n + 1)`, no actions), then
 * a call to confirm the count: events/s over the whole. In the same run, the same casts
 * to the GenServer counter of bench/cast.ts: the target is events/s ≥ 0.8× casts/s.
 */
import { GenServer, GenStatem, Runtime, Statem, type StatemEvent } from '../src/index.js';
import { Counter } from './lib/counter.js';
import { check, compare, main, now, param, report, type Sample } from './lib/harness.js';

const EVENTS = param('events', 1_000_000, 10_000);
const REPS = param('reps', 5, 1);

type Call = 'get';

/** The GenStatem counterpart of bench/lib/counter.ts's Counter. */
class StatemCounter extends GenStatem<'counting', number, Call, 'inc'> {
  override init(start: number) {
    return Statem.ok('counting', start);
  }

  override handleEvent(event: StatemEvent<'counting', Call, 'inc'>, _state: 'counting', n: number) {
    if (event.type === 'cast') return Statem.keepState(n + 1);
    if (event.type === 'call') return Statem.keepStateAndData([Statem.reply(event.from, n)]);
    return Statem.keepStateAndData();
  }
}

async function statem(scale: number): Promise<Sample> {
  const n = Math.round(EVENTS * scale);
  const rt = new Runtime({ logger: false });
  const pid = await rt.start(StatemCounter, 0);
  const t0 = now();
  for (let i = 0; i < n; i++) GenStatem.cast(rt, pid, 'inc');
  const count = await GenStatem.call(rt, pid, 'get', Number.POSITIVE_INFINITY);
  const t1 = now();
  check(count === n, `the machine counted ${n} events (got ${count})`);
  await rt.shutdown();
  return { value: n / ((t1 - t0) / 1000) };
}

async function genServer(scale: number): Promise<Sample> {
  const n = Math.round(EVENTS * scale);
  const rt = new Runtime({ logger: false });
  const pid = await rt.start(Counter, 0);
  const t0 = now();
  for (let i = 0; i < n; i++) GenServer.cast(rt, pid, 'inc');
  const count = await GenServer.call(rt, pid, 'get', Number.POSITIVE_INFINITY);
  const t1 = now();
  check(count === n, `the server counted ${n} casts (got ${count})`);
  await rt.shutdown();
  return { value: n / ((t1 - t0) / 1000) };
}

main(async () => {
  const r = await compare(REPS, 'higher', { statem, genServer });
  report('statem', [
    {
      // Baseline column: casts/s through a GenServer in this same run, so the ratio is
      // what a state machine costs per event over a server.
      metric:
        'events through handleEvent (casts, keepState), then a call; baseline: GenServer casts',
      unit: 'events/s',
      better: 'higher',
      otp: r.statem.value,
      baseline: r.genServer.value,
      target: { kind: 'baseline', op: '>=', value: 0.8 },
    },
  ]);
});
