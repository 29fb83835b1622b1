import { execFile } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Benchmarks are not tests: this only proves that each still runs and reports its
// figures, at tiny sizes, so that none rots between full runs.

const root = fileURLToPath(new URL('../..', import.meta.url));

const BENCHMARKS = [
  'spawn',
  'exit',
  'ring',
  'call',
  'cast',
  'fan-in',
  'restart',
  'registry',
  'selective-receive',
  'responsiveness',
  'task',
  'statem',
  'trace',
  'observer',
  'threads',
  'tcp',
] as const;

/** Benchmarks with an Erlang program in bench/beam/. */
const ON_BEAM = ['spawn', 'exit', 'ring', 'call', 'cast', 'fan-in', 'restart', 'registry', 'tcp'];

interface TargetResult {
  kind: 'baseline' | 'limit' | 'beam' | 'otp';
  advisory?: boolean;
  pass: boolean | null;
}

interface FigureResult {
  metric: string;
  otp: number;
  baseline: number | null;
  limit: number | null;
  beam: number | null;
  ratio: number | null;
  limitRatio: number | null;
  targets: TargetResult[];
  pass: boolean | null;
}

interface BenchmarkRun {
  name: string;
  ok: boolean;
  error?: string;
  beamError?: string;
  figures?: FigureResult[];
}

interface Results {
  mode: string;
  machine: { node: string; cores: number };
  beam: { available: boolean; reason?: string } | null;
  benchmarks: BenchmarkRun[];
}

/** Runs bench/run.mjs with `args`; its stdout, stderr and exit code. */
function run(
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(root, 'bench', 'run.mjs'), ...args],
      { cwd: root, env, timeout: 110_000, maxBuffer: 16 * 2 ** 20 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ stdout, stderr, code });
      },
    );
  });
}

const erlOnPath = (process.env.PATH ?? '').split(path.delimiter).some((dir) => {
  try {
    accessSync(path.join(dir, 'erl'), constants.X_OK);
    return true;
  } catch {
    return false;
  }
});

let dir: string;
let results: Results;
let table: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'otp-ts-bench-'));
  const out = path.join(dir, 'results.json');
  const { stdout, stderr, code } = await run(['--smoke', `--out=${out}`]);
  if (code !== 0) throw new Error(`bench/run.mjs --smoke exited with ${code}\n${stderr}`);
  table = stdout;
  results = JSON.parse(readFileSync(out, 'utf8')) as Results;
}, 120_000);

afterAll(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe('bench/run.mjs --smoke', () => {
  it('prints the legend first, runs every benchmark and records the machine', () => {
    expect(table.startsWith('How to read the table')).toBe(true);
    expect(results.mode).toBe('smoke');
    expect(results.machine.node).toBe(process.version);
    expect(results.machine.cores).toBeGreaterThan(0);
    expect(results.beam).toBeNull();
    expect(results.benchmarks.map((b) => b.name)).toEqual([...BENCHMARKS]);
  });

  it.each(BENCHMARKS)('%s reports each figure for otp-ts and its baselines', (name) => {
    const run = results.benchmarks.find((b) => b.name === name)!;
    expect(run.error).toBeUndefined();
    expect(run.ok).toBe(true);
    expect(run.figures?.length).toBeGreaterThan(0);
    for (const figure of run.figures ?? []) {
      const what = `${name}: ${figure.metric}`;
      expect(Number.isFinite(figure.otp), what).toBe(true);
      expect(figure.otp, what).toBeGreaterThanOrEqual(0);
      if (figure.baseline !== null) {
        expect(Number.isFinite(figure.baseline), what).toBe(true);
        expect(figure.ratio === null || Number.isFinite(figure.ratio)).toBe(true);
      }
      if (figure.limit !== null) {
        expect(Number.isFinite(figure.limit), what).toBe(true);
        expect(figure.limitRatio === null || Number.isFinite(figure.limitRatio)).toBe(true);
      }
      // No --beam: no BEAM figure, and its targets are not judged.
      expect(figure.beam, what).toBeNull();
      for (const target of figure.targets) {
        if (target.kind === 'beam') expect(target.pass, what).toBeNull();
        else expect(typeof target.pass, what).toBe('boolean');
      }
    }
    expect(table).toContain(`| ${name} `);
  });
});

describe('bench/run.mjs --beam', () => {
  it('says that erl is missing, leaves the BEAM column out and keeps the exit code', async () => {
    const { stdout, stderr, code } = await run(['--smoke', '--beam', '--only=cast', '--json'], {
      ...process.env,
      PATH: path.join(dir, 'no-erl-here'),
    });
    expect(code).toBe(0);
    expect(stderr).toContain('erl is not on the PATH');
    const parsed = JSON.parse(stdout) as Results;
    expect(parsed.beam).toEqual({ available: false, reason: 'erl is not on the PATH' });
    expect(parsed.benchmarks[0]?.figures?.[0]?.beam).toBeNull();
  }, 60_000);

  it.skipIf(!erlOnPath)(
    'runs the Erlang programs and reports a BEAM figure for each benchmark that has one',
    async () => {
      const out = path.join(dir, 'beam.json');
      const { stdout, stderr, code } = await run([
        '--smoke',
        '--beam',
        `--only=${ON_BEAM.join(',')}`,
        `--out=${out}`,
      ]);
      expect(code, stderr).toBe(0);
      expect(stdout).toContain('÷BEAM');
      const parsed = JSON.parse(readFileSync(out, 'utf8')) as Results;
      expect(parsed.beam?.available).toBe(true);
      for (const b of parsed.benchmarks) {
        expect(b.beamError, b.name).toBeUndefined();
        const withBeam = (b.figures ?? []).filter((f) => f.beam !== null);
        expect(withBeam.length, b.name).toBeGreaterThan(0);
        for (const f of withBeam)
          expect(Number.isFinite(f.beam), `${b.name}: ${f.metric}`).toBe(true);
      }
    },
    120_000,
  );
});
