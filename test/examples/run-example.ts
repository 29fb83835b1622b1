import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** What running an example printed, and its exit code. */
export interface ExampleRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `script` (a path from the repository's root) with tsx in a child process, as a
 * reader would (`npx tsx examples/counter.ts`), within `timeout` ms.
 */
export function runExample(script: string, timeout = 20_000): Promise<ExampleRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', script],
      { cwd: root, timeout },
      (error, stdout, stderr) => {
        resolve({ code: error === null ? 0 : (error.code as number | null), stdout, stderr });
      },
    );
  });
}
