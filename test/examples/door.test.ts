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

describe('examples/door.ts', () => {
  it('opens on the code, relocks on its state timeout, and counts buttons postponed while open', async () => {
    const { code, stdout, stderr } = await run('examples/door.ts');
    expect(stderr).toBe('');
    expect(stdout).toBe(
      [
        'locked',
        'open',
        'after 1234: open',
        'button 1 postponed',
        'button 2 postponed',
        'locked',
        'after awaiting the lock: locked',
        'open',
        'after 34: open',
        'locked',
        'after awaiting the lock: locked',
        'door stopping (normal) while locked',
        '',
      ].join('\n'),
    );
    expect(code).toBe(0);
  });
});
