import { describe, expect, it } from 'vitest';
import { runExample } from './run-example.js';

describe('examples/counter.ts', () => {
  it('runs as written: starts, calls, casts, stops the counter, then exits by itself with code 0', async () => {
    const { code, stdout, stderr } = await runExample('examples/counter.ts', 15_000);
    expect(stderr).toBe('');
    expect(stdout).toBe(
      [
        'started counter as <0.1.0>',
        'value: 13',
        'history: [5,-2]',
        'after reset: 1',
        'counter stopping (normal) at 1',
        'alive after stop: false',
        '',
      ].join('\n'),
    );
    expect(code).toBe(0);
  });
});
