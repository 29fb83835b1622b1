import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Benchmarks are not tests: this only proves that each still runs and reports its
// figures, at tiny sizes, so that none rots between full runs.

const root = fileURLToPath(new URL('../..', import.meta.url));

const BENCHMARKS = [
  'spawn',
  'ring',
  'call',
  'cast',
  'fan-in',
  'restart',
  'registry',
  'selective-receive',
  'responsiveness',
] as const;

interface FigureResult {
  metric: string;
  otp: number;
  baseline: number | null;
  ratio: number | null;
  targetSpec: unknown;
  pass: boolean | null;
}

interface BenchmarkRun {
  name: string;
  ok: boolean;
  error?: string;
  figures?: FigureResult[];
}

interface Results {
  mode: string;
  machine: { node: string; cores: number };
  benchmarks: BenchmarkRun[];
}

let dir: string;
let results: Results;
let table: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'otp-ts-bench-'));
  const out = path.join(dir, 'results.json');
  table = await new Promise<string>((resolve, reject) => {
    execFile(
      process.execPath,
      [path.join(root, 'bench', 'run.mjs'), '--smoke', `--out=${out}`],
      { cwd: root, timeout: 90_000, maxBuffer: 16 * 2 ** 20 },
      (error, stdout, stderr) =>
        error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout),
    );
  });
  results = JSON.parse(readFileSync(out, 'utf8')) as Results;
}, 120_000);

afterAll(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe('bench/run.mjs --smoke', () => {
  it('runs every benchmark and records the machine', () => {
    expect(results.mode).toBe('smoke');
    expect(results.machine.node).toBe(process.version);
    expect(results.machine.cores).toBeGreaterThan(0);
    expect(results.benchmarks.map((b) => b.name)).toEqual([...BENCHMARKS]);
  });

  it.each(BENCHMARKS)('%s reports each figure for otp-ts and the baseline', (name) => {
    const run = results.benchmarks.find((b) => b.name === name)!;
    expect(run.error).toBeUndefined();
    expect(run.ok).toBe(true);
    expect(run.figures?.length).toBeGreaterThan(0);
    for (const figure of run.figures ?? []) {
      expect(Number.isFinite(figure.otp), `${name}: ${figure.metric}`).toBe(true);
      expect(figure.otp, `${name}: ${figure.metric}`).toBeGreaterThanOrEqual(0);
      if (figure.baseline !== null) {
        expect(Number.isFinite(figure.baseline), `${name}: ${figure.metric}`).toBe(true);
        expect(figure.ratio === null || Number.isFinite(figure.ratio)).toBe(true);
      }
      if (figure.targetSpec !== null) expect(typeof figure.pass).toBe('boolean');
    }
    expect(table).toContain(`| ${name} `);
  });
});
