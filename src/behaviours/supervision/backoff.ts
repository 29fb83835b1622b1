import type { NormalizedBackoff } from './child-spec.js';

/**
 * How long a child with `backoff` waits before its restart after its `n`th
 * consecutive failure: `min * factor ** (n - 1)` ms, capped at `max`, then spread by
 * ±`jitter` of itself. `random` is `Math.random` but for tests, which pin it to check
 * the bounds exactly.
 * @internal
 */
export function backoffDelay(
  backoff: NormalizedBackoff,
  n: number,
  random: () => number = Math.random,
): number {
  const { min, max, factor, jitter } = backoff;
  // With min 0 the product would be 0 * Infinity (NaN) once the power overflows.
  const grown = min === 0 ? 0 : min * factor ** (n - 1);
  const capped = Math.min(grown, max);
  if (jitter === 0) return capped;
  return capped * (1 + jitter * (2 * random() - 1));
}
