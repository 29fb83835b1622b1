import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

function run(script: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', script],
      { cwd: root, timeout: 20_000 },
      (error, stdout, stderr) => {
        resolve({ code: error === null ? 0 : (error.code as number | null), stdout, stderr });
      },
    );
  });
}

describe('examples/tasks.ts', () => {
  it('runs as written: the failing page exits, the hanging one is cancelled at the server, and at most 3 fetches run at once', async () => {
    const { code, stdout, stderr } = await run('examples/tasks.ts');
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
