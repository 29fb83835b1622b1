import { describe, expect, it } from 'vitest';
import { runExample } from './run-example.js';

describe('examples/tasks.ts', () => {
  it('runs as written: the failing page exits, the hanging one is cancelled at the server, and at most 3 fetches run at once', async () => {
    const { code, stdout, stderr } = await runExample('examples/tasks.ts');
    const lines = stdout.split('\n');
    expect(lines.slice(0, 8)).toEqual([
      '/a: ok, "page /a"',
      '/b: ok, "page /b"',
      '/fail: exit, /fail answered 500',
      '/c: ok, "page /c"',
      '/hang: exit, timeout',
      '/d: ok, "page /d"',
      '/e: ok, "page /e"',
      'the server saw the hanging request cancelled',
    ]);
    const most = /^at most (\d) requests were in flight at once$/.exec(lines[8] ?? '');
    expect(most, lines[8]).not.toBeNull();
    expect(Number(most![1])).toBeLessThanOrEqual(3);
    // The one crash report is the failing page's task.
    expect(stderr).toMatch(/terminating\n\*\* \(reason\) Error: \/fail answered 500/);
    expect(stderr.match(/terminating/g)).toHaveLength(1);
    expect(code).toBe(0);
  });
});
