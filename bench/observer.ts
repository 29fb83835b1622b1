/**
 * observer: what an open observer page costs a busy runtime (issue 20). A runtime of
 * `processes` idle GenServers and one counter server takes load for `ms` ms: batches
 * of casts and calls from outside, each batch followed by a turn of the event loop (as
 * a server doing I/O would give). The same load runs with no observer, then with the
 * observer open and one page connected (an SSE client reading every update). Figures:
 * the throughput of each against the run with no observer (baseline column; the target
 * is a drop under 10%), and the longest gap between two updates the page received
 * under load (target: at most 1 s).
 */
import { get } from 'node:http';
import { GenServer, Runtime } from '../src/index.js';
import { startObserver } from '../src/observer/index.js';
import { Counter } from './lib/counter.js';
import { check, compare, main, now, param, report, type Sample } from './lib/harness.js';

const PROCESSES = param('processes', 100_000, 1_000);
const MS = param('ms', 3_000, 200);
const REPS = param('reps', 3, 1);
const BATCH = 1_000;

/** An idle server, one of the many the observer must scan. */
class Idle extends GenServer<number> {
  override init(n: number): number {
    return n;
  }
}

/** Connects like a page: reads the SSE stream and records when each update came. */
function connect(url: string): Promise<{ times: number[]; close(): void }> {
  return new Promise((resolve, reject) => {
    const times: number[] = [];
    const req = get(new URL('events', url), (res) => {
      res.setEncoding('utf8');
      let buffer = '';
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          if (buffer.startsWith('event: snapshot')) times.push(now());
          buffer = buffer.slice(end + 2);
          end = buffer.indexOf('\n\n');
        }
      });
      resolve({ times, close: () => req.destroy() });
    });
    req.on('error', reject);
  });
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

async function load(scale: number, observed: boolean): Promise<Sample> {
  const rt = new Runtime({ logger: false });
  for (let i = 0; i < PROCESSES; i++) await rt.start(Idle, i);
  const pid = await rt.start(Counter, 0);
  const observer = observed ? await startObserver(rt) : undefined;
  const page = observer === undefined ? undefined : await connect(observer.url);
  if (page !== undefined) while (page.times.length === 0) await turn();
  const duration = MS * scale;
  let casts = 0;
  let calls = 0;
  const t0 = now();
  const loadStart = page?.times.length ?? 0;
  while (now() - t0 < duration) {
    for (let i = 0; i < BATCH; i++) GenServer.cast(rt, pid, 'inc');
    casts += BATCH;
    for (let i = 0; i < BATCH / 10; i++) await GenServer.call(rt, pid, 'inc');
    calls += BATCH / 10;
    await turn();
  }
  const t1 = now();
  const count = await GenServer.call(rt, pid, 'get', Number.POSITIVE_INFINITY);
  check(count === casts + calls, `the server counted ${casts + calls} messages (got ${count})`);
  let gap = 0;
  if (page !== undefined) {
    const times = [t0, ...page.times.slice(loadStart).filter((t) => t <= t1), t1];
    for (let i = 1; i < times.length; i++) gap = Math.max(gap, times[i]! - times[i - 1]!);
    page.close();
  }
  await observer?.close();
  await rt.shutdown();
  const seconds = (t1 - t0) / 1000;
  return { value: (casts + calls) / seconds, casts: casts / seconds, calls: calls / seconds, gap };
}

main(async () => {
  const r = await compare(
    REPS,
    'higher',
    { closed: (s) => load(s, false), open: (s) => load(s, true) },
    { rounds: 1, scale: 0.2 },
  );
  report('observer', [
    {
      metric: `casts under load, ${PROCESSES} processes, observer open`,
      unit: 'casts/s',
      better: 'higher',
      otp: r.open.casts!,
      baseline: r.closed.casts!,
      target: { kind: 'baseline', op: '>=', value: 0.9 },
      note: 'baseline column: the same load with no observer',
    },
    {
      metric: `calls under load, ${PROCESSES} processes, observer open`,
      unit: 'calls/s',
      better: 'higher',
      otp: r.open.calls!,
      baseline: r.closed.calls!,
      target: { kind: 'baseline', op: '>=', value: 0.9 },
      note: 'baseline column: the same load with no observer',
    },
    {
      metric: 'longest gap between two page updates under load',
      unit: 'ms',
      better: 'lower',
      otp: r.open.gap!,
      baseline: null,
      target: { kind: 'otp', op: '<=', value: 1_000 },
    },
  ]);
});
