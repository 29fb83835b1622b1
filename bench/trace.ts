/**
 * trace: what a running trace costs the hot paths (issue 20). Casts to one server
 * (`casts` of them, then a call) and sequential calls from outside (`calls`), each
 * with no trace, with a trace on another process (the server's flag is off: only the
 * runtime holds a tracer), with a trace on the server itself (every message it gets
 * and every reply it sends is an event, read as it comes), and with a trace on `'all'`.
 * Each trace has `limit: Infinity` and no rate, so it runs to the end of the case; a
 * real trace would stop itself long before. The baseline column is the same work with
 * no trace, so the ratio is the cost. With no trace at all, the hot paths' cost is
 * measured by bench/cast.ts, call.ts and spawn.ts against the commit before tracing.
 */
import { GenServer, Runtime, type Trace } from '../src/index.js';
import { Counter } from './lib/counter.js';
import { check, compare, main, now, param, report, type Sample } from './lib/harness.js';

const CASTS = param('casts', 500_000, 5_000);
const CALLS = param('calls', 100_000, 1_000);
const REPS = param('reps', 3, 1);

type Mode = 'off' | 'other' | 'server' | 'all';

/** Reads a trace's events as they come, as a consumer would. */
function drain(trace: Trace): Promise<number> {
  return (async () => {
    let n = 0;
    for await (const _ of trace) n++;
    return n;
  })();
}

async function setUp(mode: Mode) {
  const rt = new Runtime({ logger: false });
  const pid = await rt.start(Counter, 0);
  const other = rt.spawn((self) => self.receive());
  const target = mode === 'other' ? other : mode === 'server' ? pid : 'all';
  const trace = mode === 'off' ? undefined : rt.trace(target, { limit: Number.POSITIVE_INFINITY });
  const read = trace === undefined ? Promise.resolve(0) : drain(trace);
  return { rt, pid, trace, read };
}

async function casts(scale: number, mode: Mode): Promise<Sample> {
  const n = Math.round(CASTS * scale);
  const { rt, pid, trace, read } = await setUp(mode);
  const t0 = now();
  for (let i = 0; i < n; i++) GenServer.cast(rt, pid, 'inc');
  const count = await GenServer.call(rt, pid, 'get', Number.POSITIVE_INFINITY);
  const t1 = now();
  check(count === n, `the server counted ${n} casts (got ${count})`);
  trace?.stop();
  const events = await read;
  if (mode === 'server' || mode === 'all') check(events >= n, `the trace saw ${n} casts`);
  await rt.shutdown();
  return { value: n / ((t1 - t0) / 1000) };
}

async function calls(scale: number, mode: Mode): Promise<Sample> {
  const n = Math.round(CALLS * scale);
  const { rt, pid, trace, read } = await setUp(mode);
  const t0 = now();
  for (let i = 0; i < n; i++) await GenServer.call(rt, pid, 'inc');
  const t1 = now();
  trace?.stop();
  await read;
  await rt.shutdown();
  return { value: n / ((t1 - t0) / 1000) };
}

main(async () => {
  const c = await compare(REPS, 'higher', {
    off: (s) => casts(s, 'off'),
    other: (s) => casts(s, 'other'),
    server: (s) => casts(s, 'server'),
    all: (s) => casts(s, 'all'),
  });
  const k = await compare(REPS, 'higher', {
    off: (s) => calls(s, 'off'),
    other: (s) => calls(s, 'other'),
    server: (s) => calls(s, 'server'),
    all: (s) => calls(s, 'all'),
  });
  const figure = (metric: string, unit: string, otp: number, off: number) => ({
    metric,
    unit,
    better: 'higher' as const,
    otp,
    baseline: off,
    note: 'baseline column: the same work with no trace',
  });
  report('trace', [
    figure('casts, a trace on another process', 'casts/s', c.other.value, c.off.value),
    figure('casts, a trace on the server', 'casts/s', c.server.value, c.off.value),
    figure("casts, a trace on 'all'", 'casts/s', c.all.value, c.off.value),
    figure('calls, a trace on another process', 'calls/s', k.other.value, k.off.value),
    figure('calls, a trace on the server', 'calls/s', k.server.value, k.off.value),
    figure("calls, a trace on 'all'", 'calls/s', k.all.value, k.off.value),
  ]);
});
