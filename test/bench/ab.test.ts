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

/** The ratios on each line of the table that starts with `label`. */
function ratios(stdout: string, label: RegExp): number[][] {
  return stdout
    .split('\n')
    .filter((line) => label.test(line.trim()))
    .map((line) =>
      line
        .trim()
        .split(/\s+/)
        .map(Number)
        .filter((value) => !Number.isNaN(value)),
    );
}

describe('bench/ab.mjs', () => {
  it.each(['call', 'fan-in', 'cast', 'ring'])(
    'compares HEAD with the working tree on %s, in processes that load them in turn',
    async (name) => {
      const { stdout, stderr, code } = await ab([
        'HEAD',
        '.',
        `--case=${name}`,
        '--runs=2',
        '--reps=2',
        '--n=2000',
      ]);
      expect(code, stderr).toBe(0);
      expect(stdout).toContain(`A = HEAD, B = the working tree; ${name}, 2 processes`);
      const rows = ratios(stdout, /^[12] /);
      expect(rows).toHaveLength(2);
      expect(stdout).toMatch(/^ {2}1 +A /m);
      expect(stdout).toMatch(/^ {2}2 +B /m);
      const [median] = ratios(stdout, /^median/);
      for (const row of [...rows, median!]) {
        // The process number, then A ÷ limit, B ÷ limit and B's speed-up (and the range).
        const figures = row.slice(row.length === 4 ? 1 : 0, (row.length === 4 ? 1 : 0) + 3);
        expect(figures).toHaveLength(3);
        for (const figure of figures)
          expect(figure > 0 && Number.isFinite(figure), stdout).toBe(true);
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
