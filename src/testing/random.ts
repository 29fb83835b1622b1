import { describeValue } from '../describe.js';

/**
 * A seeded source of numbers in [0, 1): mulberry32, a 32-bit generator that is small,
 * fast and good enough to pick among ready processes. The same seed gives the same
 * sequence on every platform (it uses only 32-bit integer arithmetic).
 * @internal
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A fresh seed when none is given: any 32-bit unsigned integer. @internal */
export function randomSeed(): number {
  return Math.floor(Math.random() * 4_294_967_296);
}

/**
 * The seed given, checked, or a fresh one.
 * @throws TypeError or RangeError naming `operation` for a seed that is not an integer
 * from 0 to 2^32 - 1.
 * @internal
 */
export function checkSeed(seed: unknown, operation: string): number {
  if (seed === undefined) return randomSeed();
  if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed > 0xffff_ffff) {
    throw new (typeof seed === 'number' ? RangeError : TypeError)(
      `${operation}: expected \`seed\` to be an integer from 0 to 4294967295, got ${describeValue(seed, 100)}`,
    );
  }
  return seed;
}
