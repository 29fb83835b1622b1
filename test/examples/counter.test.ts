import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

function run(script: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', script],
      { cwd: root, timeout: 15_000 },
      (error, stdout, stderr) => {
        resolve({ code: error === null ? 0 : (error.code as number | null), stdout, stderr });
      },
    );
  });
}

describe('examples/counter.ts', () => {
  it('runs as written: starts, calls, casts, stops the counter, then exits by itself with code 0', async () => {
    const { code, stdout, stderr } = await run('examples/counter.ts');
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
