/**
 * Every example runs as written: each .ts file directly under examples/, and each
 * examples/<name>/main.ts, is run with tsx in a child process, as a reader would run it
 * (`npx tsx examples/counter.ts`), and must exit by itself with code 0. `otp-ts`
 * resolves to the sources through tsconfig.json's `paths`, so no build is needed.
 *
 * What each example prints is checked by its own test (e.g. counter.test.ts); this one
 * makes sure that none is forgotten.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const TIMEOUT_MS = 30_000;

/** examples/NAME.ts and examples/NAME/main.ts, as paths relative to the repository. */
function findExamples(): string[] {
  const dir = join(root, 'examples');
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
      found.push(`examples/${entry.name}`);
    } else if (entry.isDirectory() && existsSync(join(dir, entry.name, 'main.ts'))) {
      found.push(`examples/${entry.name}/main.ts`);
    }
  }
  return found.sort();
}

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
}

function runExample(file: string): Promise<Outcome> {
  return new Promise((resolve) => {
    const started = Date.now();
    execFile(
      process.execPath,
      ['--import', 'tsx', file],
      { cwd: root, timeout: TIMEOUT_MS, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
        const signal = error?.signal ?? null;
        const timedOut = signal === 'SIGKILL' && Date.now() - started >= TIMEOUT_MS;
        resolve({ code, signal, timedOut, stdout, stderr });
      },
    );
  });
}

const examples = findExamples();

describe('examples/', () => {
  it('holds examples to run', () => {
    expect(examples.length).toBeGreaterThan(0);
  });

  it.concurrent.each(examples)(
    '%s runs as written and exits by itself with code 0',
    async (file) => {
      const outcome = await runExample(file);
      if (outcome.timedOut) {
        throw new Error(
          `${file} did not exit within ${TIMEOUT_MS / 1000} s: does it stop its runtime (await rt.shutdown())?\n--- stdout\n${outcome.stdout}\n--- stderr\n${outcome.stderr}`,
        );
      }
      expect(
        outcome.code,
        `${file} exited with code ${outcome.code} (signal ${outcome.signal})\n--- stdout\n${outcome.stdout}\n--- stderr\n${outcome.stderr}`,
      ).toBe(0);
    },
    TIMEOUT_MS + 10_000,
  );
});
