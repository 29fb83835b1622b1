import { describe, expect, it } from 'vitest';
import { runExample } from './run-example.js';

describe('examples/backoff.ts', () => {
  it('runs as written: the client backs off while the service is down, reconnects when it returns, and the example exits with code 0', async () => {
    const { code, stdout, stderr } = await runExample('examples/backoff.ts', 15_000);
    expect(stderr).toBe('');
    const lines = stdout.split('\n');
    const pattern = [
      /^service listening on 127\.0\.0\.1$/,
      /^attempt 1: connected$/,
      /^echo: hello$/,
      /^service goes down$/,
      /^client lost its connection$/,
      /^attempt 2 after (\d+) ms: failed \(ECONNREFUSED\)$/,
      /^attempt 3 after (\d+) ms: failed \(ECONNREFUSED\)$/,
      /^attempt 4 after (\d+) ms: failed \(ECONNREFUSED\)$/,
      /^service is back$/,
      /^attempt 5 after (\d+) ms: connected$/,
      /^supervisor restarted client \(Error: connection lost\): <0\.\d+\.0> -> <0\.\d+\.0>$/,
      /^echo: hello again$/,
      /^supervisor still running: true$/,
      /^$/,
    ];
    expect(lines).toHaveLength(pattern.length);
    const waits: number[] = [];
    pattern.forEach((re, i) => {
      const m = re.exec(lines[i]!);
      expect(m, `line ${i + 1}: ${lines[i]}`).not.toBeNull();
      if (m?.[1] !== undefined) waits.push(Number(m[1]));
    });
    // 50, 100, 200, 400 ms, each less at most 10% jitter and a rounding millisecond or two.
    [50, 100, 200, 400].forEach((delay, i) => {
      expect(waits[i]).toBeGreaterThanOrEqual(delay * 0.9 - 2);
    });
    expect(code).toBe(0);
  });
});
