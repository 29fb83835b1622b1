import { describeValue } from '../describe.js';
import { checkSeed } from './random.js';
import { TestRuntime } from './test-runtime.js';

/**
 * Options of {@link explore}.
 *
 * @example
 * ```ts
 * await explore(scenario, { runs: 200, seed: 1 });
 * ```
 */
export interface ExploreOptions {
  /** How many seeds to try, at most. An integer >= 1. */
  runs: number;
  /**
   * The first seed; run `i` uses `seed + i` (modulo 2^32), so a result is reproducible
   * from it. @defaultValue a random seed
   */
  seed?: number;
}

/**
 * What {@link explore} found: every run passed, or the first seed whose run failed,
 * with what it threw. `new TestRuntime({ seed })` replays that run.
 *
 * @example
 * ```ts
 * const result = await explore(scenario, { runs: 100 });
 * if (!result.ok) console.log(`replay with seed ${result.seed}`, result.error);
 * ```
 */
export type ExploreResult =
  | {
      /** Every run passed. */
      readonly ok: true;
      /** How many ran. */
      readonly runs: number;
    }
  | {
      /** A run failed. */
      readonly ok: false;
      /** The seed of the first run that failed: `new TestRuntime({ seed })` replays it. */
      readonly seed: number;
      /** What that run threw. */
      readonly error: unknown;
    };

/**
 * Runs `scenario(rt)` on a fresh {@link TestRuntime} per seed, each under its own
 * interleaving, until one throws (or rejects) or `runs` have passed; shuts each runtime
 * down after its run. A scenario states its invariant by throwing when it breaks.
 *
 * @param scenario - a test body: starts processes on `rt`, drives them, checks.
 * @param opts - how many runs, and from which seed.
 * @returns `{ ok: true, runs }`, or `{ ok: false, seed, error }` for the first failing
 * seed, which `new TestRuntime({ seed })` replays.
 * @throws TypeError or RangeError (as a rejection) for bad options.
 * @example
 * ```ts
 * const result = await explore(async (rt) => {
 *   const account = await rt.start(Account, 100);
 *   await Promise.all([withdraw(rt, account, 100), withdraw(rt, account, 100)]);
 *   const balance = await GenServer.call(rt, account, 'balance');
 *   if (balance < 0) throw new Error(`balance ${balance}`);
 * }, { runs: 100 });
 * expect(result).toEqual({ ok: true, runs: 100 });
 * ```
 * @see {@link TestRuntime}
 */
export async function explore(
  scenario: (rt: TestRuntime) => unknown,
  opts: ExploreOptions,
): Promise<ExploreResult> {
  if (typeof scenario !== 'function') {
    throw new TypeError(
      `explore: expected \`scenario\` to be a function, got ${describeValue(scenario, 100)}`,
    );
  }
  if (typeof opts !== 'object' || opts === null) {
    throw new TypeError(
      `explore: expected options to be an object, got ${describeValue(opts, 100)}`,
    );
  }
  const { runs } = opts;
  if (!Number.isInteger(runs) || runs < 1) {
    throw new (typeof runs === 'number' ? RangeError : TypeError)(
      `explore: expected \`runs\` to be an integer >= 1, got ${describeValue(runs, 100)}`,
    );
  }
  let seed = checkSeed(opts.seed, 'explore');
  for (let i = 0; i < runs; i++, seed = (seed + 1) >>> 0) {
    const rt = new TestRuntime({ seed });
    try {
      await scenario(rt);
    } catch (error) {
      return { ok: false, seed, error };
    } finally {
      await rt.shutdown();
    }
  }
  return { ok: true, runs };
}
