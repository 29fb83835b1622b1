import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// bench/ab.mjs is a tool, not a test: this only proves that each of its cases still
// runs two versions side by side and reports their ratios, at a tiny size.

const root = fileURLToPath(new URL('../..', import.meta.url));

function ab(args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(root, 'bench', 'ab.mjs'), ...args],
      { cwd: root, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ stdout, stderr, code });
      },
    );
  });
}

/** The median on the line of `label`. */
function figure(stdout: string, label: string): number {
  const line = stdout.split('\n').find((l) => l.trimStart().startsWith(label));
  expect(line, `a line for ${label} in\n${stdout}`).toBeDefined();
  return Number(
    line!
      .slice(line!.indexOf(label) + label.length)
      .trim()
      .split(' ')[0],
  );
}

describe('bench/ab.mjs', () => {
  it.each(['call', 'fan-in', 'cast', 'ring'])(
    'compares HEAD with the working tree on %s, each against the limit',
    async (name) => {
      const { stdout, stderr, code } = await ab([
        'HEAD',
        '.',
        `--case=${name}`,
        '--reps=2',
        '--n=2000',
      ]);
      expect(code, stderr).toBe(0);
      expect(stdout).toContain('A = HEAD, B = the working tree');
      expect(stdout).toContain(`${name}, 2 rounds`);
      for (const label of ['A ÷ limit', 'B ÷ limit', "B's speed-up (A time ÷ B time)"]) {
        const value = figure(stdout, label);
        expect(Number.isFinite(value) && value > 0, `${label}: ${value}`).toBe(true);
      }
    },
    60_000,
  );

  it('names a case it does not know, and exits with 1', async () => {
    const { stderr, code } = await ab(['HEAD', '.', '--case=pingpong', '--reps=1', '--n=10']);
    expect(code).toBe(1);
    expect(stderr).toContain('--case: expected one of call, fan-in, cast, ring, got pingpong');
  }, 60_000);
});
