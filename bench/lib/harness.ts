/**
 * What every benchmark shares: its parameters (full or `--smoke` sizes, overridable
 * per run), timing and memory helpers, and the one JSON line it prints for
 * `bench/run.mjs`.
 */

/**
 * A condition a figure must meet (issue 14). `baseline`, `limit` and `beam` are on the
 * ratio otp-ts ÷ that column; `otp` is on the otp-ts figure itself. An `advisory`
 * target (an older one that issue 14 does not list) is shown and checked but never
 * fails a run.
 */
export interface Target {
  kind: 'baseline' | 'limit' | 'beam' | 'otp';
  op: '>=' | '<=';
  value: number;
  advisory?: boolean;
}

/** One measured figure: the otp-ts case and the cases it is compared with, of the same run. */
export interface Figure {
  metric: string;
  unit: string;
  /** Which way is better, to read the ratio. */
  better: 'higher' | 'lower';
  otp: number;
  /** The contract baseline (`bench/baseline/`); `null` when it has no counterpart. */
  baseline: number | null;
  /** The limit baseline (`bench/baseline/limit/`); `null` or absent when it has no counterpart. */
  limit?: number | null;
  /** The key of this figure in the output of the benchmark's Erlang program (`bench/beam/`). */
  beam?: string;
  target?: Target | Target[];
  note?: string;
}

/** What a benchmark prints: one line of JSON on stdout. */
export interface BenchmarkResult {
  benchmark: string;
  smoke: boolean;
  params: Record<string, number>;
  figures: Figure[];
  durationMs: number;
}

const argv = process.argv.slice(2);

/** Whether this is a smoke run: tiny sizes, only to prove the benchmark still works. */
export const smoke = argv.includes('--smoke') || process.env.BENCH_SMOKE === '1';

const params: Record<string, number> = {};

/** `BENCH_CASES=otpRaw,otpGenServer`: run only these cases of `compare` (to profile one side). */
const only = process.env.BENCH_CASES?.split(',');

/**
 * A size or duration: `--name=value` on the command line, else `BENCH_NAME` in the
 * environment, else `full` (or `tiny` in a smoke run).
 */
export function param(name: string, full: number, tiny: number): number {
  const flag = argv.find((a) => a.startsWith(`--${name}=`));
  const env = process.env[`BENCH_${name.toUpperCase().replaceAll('-', '_')}`];
  const raw = flag !== undefined ? flag.slice(name.length + 3) : env;
  let value = smoke ? tiny : full;
  if (raw !== undefined && raw !== '') {
    value = Number(raw.replaceAll('_', ''));
    if (!Number.isFinite(value) || value < 0) {
      throw new RangeError(`bench: expected --${name} to be a number >= 0, got ${raw}`);
    }
  }
  params[name] = value;
  return value;
}

/** Milliseconds, with sub-microsecond resolution. */
export const now = (): number => performance.now();

/** A full garbage collection (needs `--expose-gc`), twice so finalizers' garbage goes too. */
export function collect(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('bench: run with node --expose-gc');
  gc();
  gc();
}

/** Heap in use after a full collection, in bytes. */
export function heapAfterGc(): number {
  collect();
  return process.memoryUsage().heapUsed;
}

/** Resolves after the event loop has gone round once (a macrotask later). */
export function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A promise with its resolver. */
export function signal<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

export function median(values: readonly number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}

/** The `p`-th percentile of ascending `sorted` values (nearest rank). */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export function mean(values: ArrayLike<number>, from = 0, to = values.length): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += values[i]!;
  return sum / (to - from);
}

/** Throws when a benchmark's own check fails: a wrong count means the figure is void. */
export function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(`bench: check failed: ${what}`);
}

/** One timed run of a case: `value` is the figure runs are ranked by; other keys go with it. */
export type Sample = { value: number } & Record<string, number>;

/** Each key's median over `samples` (the keys of the first sample). */
export function medianSample(samples: readonly Sample[]): Sample {
  const result = { value: Number.NaN } as Sample;
  if (samples.length === 0) return result;
  for (const key of Object.keys(samples[0]!)) {
    result[key] = median(samples.map((s) => s[key] ?? Number.NaN));
  }
  return result;
}

/** The fewest runs a figure is the median of, outside a smoke run (issue 14). */
export const MIN_REPS = 3;

/**
 * Runs each case `reps` times (at least three outside a smoke run), rotating their
 * order from one round to the next so that none always runs on a warmer (or more
 * fragmented) heap, with a full collection before each, and gives the median of
 * each case's runs, key by key. Warm-up rounds first (by default two at a fifth of
 * the size) let the JIT compile every case before it is timed (not in a smoke run).
 * `_better` is kept for the callers' sake: a median needs no direction.
 */
export async function compare<K extends string>(
  reps: number,
  _better: 'higher' | 'lower',
  cases: Record<K, (scale: number) => Promise<Sample>>,
  warmUp: { rounds: number; scale: number } = { rounds: 2, scale: 0.2 },
): Promise<Record<K, Sample>> {
  const runs = {} as Record<K, Sample[]>;
  const result = {} as Record<K, Sample>;
  let names = Object.keys(cases) as K[];
  if (only !== undefined) {
    // A profiling run of some cases: the others report NaN.
    for (const name of names) result[name] = { value: Number.NaN };
    names = names.filter((name) => only.includes(name));
  }
  for (const name of names) runs[name] = [];
  for (let w = 0; w < (smoke ? 0 : warmUp.rounds); w++) {
    for (const name of names) {
      collect();
      await cases[name](warmUp.scale);
    }
  }
  const rounds = smoke ? Math.max(1, reps) : Math.max(MIN_REPS, reps);
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(k + r) % names.length]!;
      collect();
      runs[name].push(await cases[name](1));
    }
  }
  for (const name of names) result[name] = medianSample(runs[name]);
  return result;
}

const started = now();

/** Prints the result line `bench/run.mjs` reads. */
export function report(benchmark: string, figures: Figure[]): void {
  const result: BenchmarkResult = {
    benchmark,
    smoke,
    params,
    figures,
    durationMs: Math.round(now() - started),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/** Runs a benchmark's main, reporting a failure on stderr with a non-zero exit code. */
export function main(run: () => Promise<void>): void {
  run().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
