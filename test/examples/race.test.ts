import { describe, expect, it } from 'vitest';
import { runExample } from './run-example.js';

describe('examples/race.ts', () => {
  it('finds the check-then-act race with explore, replays it from its seed, and passes with the fix', async () => {
    const { code, stdout, stderr } = await runExample('examples/race.ts', 30_000);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    const found =
      /^racy: seed (\d+) fails: the balance went to -100 \(seed \1: new TestRuntime\(\{ seed: \1 \}\) replays this run\)$/.exec(
        lines[0] ?? '',
      );
    expect(found, lines[0]).not.toBeNull();
    const seed = found![1];
    expect(lines.slice(1)).toEqual([
      `replay 1 of seed ${seed}: fails again`,
      `replay 2 of seed ${seed}: fails again`,
      `replay 3 of seed ${seed}: fails again`,
      'atomic: 100 runs, no failure',
    ]);
  });
});
