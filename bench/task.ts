/**
 * task: issue 16's two figures.
 *
 * - `Task.async` + `Task.await` round trips from outside any process, one after
 *   another, against sequential `GenServer.call`s to a counter in the same run: the
 *   target is a task round trip at most 2× a call.
 * - `Task.asyncStream` over `items` (a million at full size) with `maxConcurrency: 8`
 *   and a trivial function: the cost per item over a plain loop doing the same work,
 *   and the heap (after a full collection) at a tenth of the items and at the end,
 *   whose growth must not follow the item count.
 *
 * No baseline or BEAM counterpart: the figures are judged on otp-ts's own numbers.
 */
import { GenServer, Runtime, Task } from '../src/index.js';
import { Counter } from './lib/counter.js';
import {
  check,
  compare,
  heapAfterGc,
  main,
  now,
  param,
  report,
  type Sample,
} from './lib/harness.js';

const ROUND_TRIPS = param('roundTrips', 100_000, 1_000);
const ITEMS = param('items', 1_000_000, 5_000);
const REPS = param('reps', 5, 1);

async function taskRoundTrip(scale: number): Promise<Sample> {
  const n = Math.round(ROUND_TRIPS * scale);
  const rt = new Runtime({ logger: false });
  let sum = 0;
  const t0 = now();
  for (let i = 0; i < n; i++) sum += await Task.await(Task.async(rt, () => 1));
  const t1 = now();
  check(sum === n, 'every task gave its result');
  await rt.shutdown();
  return { value: ((t1 - t0) * 1000) / n };
}

async function callRoundTrip(scale: number): Promise<Sample> {
  const n = Math.round(ROUND_TRIPS * scale);
  const rt = new Runtime({ logger: false });
  const pid = await rt.start(Counter, 0);
  const t0 = now();
  for (let i = 0; i < n; i++) await GenServer.call(rt, pid, 'inc');
  const t1 = now();
  check((await GenServer.call(rt, pid, 'get')) === n, 'the server counted every call');
  await rt.shutdown();
  return { value: ((t1 - t0) * 1000) / n };
}

function* numbers(n: number): Generator<number> {
  for (let i = 0; i < n; i++) yield i;
}

/** The stream's time per item (µs) and its heap after a tenth of the items and at the end. */
async function stream(): Promise<{ perItem: number; heapAtTenth: number; heapAtEnd: number }> {
  const n = ITEMS;
  const rt = new Runtime({ logger: false });
  let heapAtTenth = 0;
  let count = 0;
  let sum = 0;
  const t0 = now();
  let paused = 0;
  for await (const result of Task.asyncStream(rt, numbers(n), (x) => x & 1, {
    maxConcurrency: 8,
  })) {
    if ('ok' in result) sum += result.ok;
    if (++count === n / 10) {
      const p = now();
      heapAtTenth = heapAfterGc();
      paused += now() - p;
    }
  }
  const elapsed = now() - t0 - paused;
  const heapAtEnd = heapAfterGc();
  check(count === n && sum === n >> 1, 'every item gave its result');
  await rt.shutdown();
  return { perItem: (elapsed * 1000) / n, heapAtTenth, heapAtEnd };
}

/** The same work as the stream's tasks, in a plain loop over the same generator. */
function plainLoop(): number {
  const n = ITEMS;
  let sum = 0;
  const t0 = now();
  for (const x of numbers(n)) sum += x & 1;
  const elapsed = now() - t0;
  check(sum === n >> 1, 'the loop did the work');
  return (elapsed * 1000) / n;
}

main(async () => {
  const r = await compare(REPS, 'lower', { task: taskRoundTrip, call: callRoundTrip });
  await stream(); // warm-up
  const runs = [await stream(), await stream(), await stream()];
  runs.sort((a, b) => a.perItem - b.perItem);
  const s = runs[1]!; // the median run
  const plain = plainLoop();
  const mb = (bytes: number) => bytes / (1024 * 1024);
  report('task', [
    {
      metric: 'Task.async + await',
      unit: 'µs',
      better: 'lower',
      otp: r.task.value,
      baseline: null,
    },
    {
      metric: 'GenServer.call, same run',
      unit: 'µs',
      better: 'lower',
      otp: r.call.value,
      baseline: null,
    },
    {
      metric: 'task round trip ÷ call',
      unit: '×',
      better: 'lower',
      otp: r.task.value / r.call.value,
      baseline: null,
      target: { kind: 'otp', op: '<=', value: 2 },
    },
    {
      metric: `asyncStream cost per item (${ITEMS} items, 8 at once)`,
      unit: 'µs',
      better: 'lower',
      otp: s.perItem - plain,
      baseline: null,
      target: { kind: 'otp', op: '<=', value: 3 },
    },
    {
      metric: 'asyncStream heap growth, tenth to end',
      unit: 'MB',
      better: 'lower',
      // A heap that shrank grew by nothing; the note gives both figures.
      otp: Math.max(0, mb(s.heapAtEnd - s.heapAtTenth)),
      baseline: null,
      target: { kind: 'otp', op: '<=', value: 1 },
      note: `heap ${mb(s.heapAtTenth).toFixed(1)} MB at a tenth, ${mb(s.heapAtEnd).toFixed(1)} MB at the end`,
    },
  ]);
});
