import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { BusyWait } from '../../../src/dist/tcp/busy-wait.js';

/** Resolves once `done()` holds, checking on every turn of the event loop. */
async function turnsUntil(done: () => boolean): Promise<void> {
  while (!done()) await new Promise((resolve) => setImmediate(resolve));
}

describe('BusyWait', () => {
  it('keeps the event loop polling for its window after the last traffic, then stops', async () => {
    const wait = new BusyWait(2_000); // µs
    const start = performance.now();
    wait.touch();
    expect(wait.spinning).toBe(true);
    await turnsUntil(() => !wait.spinning);
    expect(performance.now() - start).toBeGreaterThanOrEqual(2);
  });

  it('a touch while it polls extends the window from then', async () => {
    const wait = new BusyWait(2_000);
    const start = performance.now();
    wait.touch();
    await turnsUntil(() => performance.now() - start >= 1);
    expect(wait.spinning).toBe(true);
    const again = performance.now();
    wait.touch();
    await turnsUntil(() => !wait.spinning);
    expect(performance.now() - again).toBeGreaterThanOrEqual(2);
  });

  it('with a window of 0 never polls', () => {
    const wait = new BusyWait(0);
    wait.touch();
    expect(wait.spinning).toBe(false);
  });
});
