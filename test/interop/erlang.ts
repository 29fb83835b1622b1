// Running real Erlang for the interop suite. `erl` must be on the PATH: a missing
// Erlang fails the suite (it is never skipped), and `.ci/run` installs erlang-nox.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';

/** Runs `code` (Erlang expressions, the last one's value ignored) in a fresh `erl -noshell`; resolves its stdout. */
export function erlEval(code: string, args: string[] = []): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'erl',
      [...args, '-noshell', '-eval', `${code}, init:stop().`],
      { timeout: 30_000 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`erl failed: ${error.message}\n${stderr}`));
        else resolve(stdout);
      },
    );
  });
}

/** A program whose output (stdout and stderr) is read line by line. */
export class LineProgram {
  readonly process: ChildProcess;
  readonly #lines: string[] = [];
  #waiters: Array<{ match: RegExp; resolve: (line: string) => void }> = [];
  #buffer = '';

  readonly #group: boolean;

  /**
   * Runs `command` with `args`; `input` gives it a stdin to write to (see {@link send}),
   * `group` a process group of its own, so that a kill reaches the children it starts
   * (tsx runs the script in a child of its own, and does not pass SIGKILL on).
   */
  constructor(
    command: string,
    args: string[],
    opts: { input?: boolean; cwd?: string; group?: boolean } = {},
  ) {
    this.#group = opts.group ?? false;
    this.process = spawn(command, args, {
      stdio: [opts.input ? 'pipe' : 'ignore', 'pipe', 'pipe'],
      cwd: opts.cwd,
      detached: this.#group,
    });
    const onText = (chunk: Buffer) => {
      this.#buffer += chunk.toString();
      let at = this.#buffer.indexOf('\n');
      while (at !== -1) {
        this.#line(this.#buffer.slice(0, at));
        this.#buffer = this.#buffer.slice(at + 1);
        at = this.#buffer.indexOf('\n');
      }
    };
    this.process.stdout!.on('data', onText);
    this.process.stderr!.on('data', onText);
  }

  /** Resolves the first line (seen or to come) that `match` matches. */
  line(match: RegExp): Promise<string> {
    const seen = this.#lines.find((l) => match.test(l));
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve) => this.#waiters.push({ match, resolve }));
  }

  /** Every line so far. */
  get text(): string {
    return this.#lines.join('\n');
  }

  /** Writes a line to its stdin. */
  send(line: string): void {
    this.process.stdin!.write(`${line}\n`);
  }

  /** Resolves its exit code once it has exited. */
  async exited(): Promise<number | null> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) {
      return this.process.exitCode;
    }
    const [code] = (await once(this.process, 'exit')) as [number | null];
    return code;
  }

  /** Sends `signal` (to its whole group for SIGKILL, when it has one) and waits for its exit. */
  async stop(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return;
    const exited = once(this.process, 'exit');
    if (this.#group && signal === 'SIGKILL') process.kill(-this.process.pid!, signal);
    else this.process.kill(signal);
    await exited;
  }

  #line(text: string): void {
    this.#lines.push(text);
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) {
      if (w.match.test(text)) w.resolve(text);
      else this.#waiters.push(w);
    }
  }
}

/** An `erl` node running `code`, its output read line by line. */
export class ErlNode extends LineProgram {
  constructor(args: string[], code: string) {
    super('erl', [...args, '-noshell', '-eval', code]);
  }
}

/** Makes sure an epmd runs on the host (as `erl` itself does when it starts distributed). */
export function ensureEpmd(): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('epmd', ['-daemon'], (error) => (error ? reject(error) : resolve()));
  });
}
