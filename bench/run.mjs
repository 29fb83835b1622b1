#!/usr/bin/env node
/**
 * `npm run bench`: runs every benchmark of issue 7, each in its own Node.js process
 * (with --expose-gc, the TypeScript loader of lib/register.mjs, and room for a
 * million processes), collects the JSON line each prints, shows a table of otp-ts
 * against the baseline with the ratio and the target, and writes the figures with
 * the machine they ran on to bench/results.json.
 *
 *   node bench/run.mjs                   every benchmark at full size
 *   node bench/run.mjs --smoke           every benchmark at tiny sizes, in a few seconds
 *   node bench/run.mjs --only=ring,call  some of them
 *   node bench/run.mjs --out=file.json   write the results there (by default, only a standard
 *                                        run, all benchmarks at full size, writes bench/results.json)
 *   node bench/run.mjs --cpu-prof=dir    also write CPU profiles, in dir/<benchmark>/ (read them
 *                                        with bench/lib/hotspots.mjs)
 *   node bench/run.mjs --json            print the results as JSON instead of the table
 *
 * Any other `--name=value` goes to every benchmark (a size: `--hops=100000`);
 * `BENCH_NAME=value` in the environment does the same.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

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
];

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.dirname(here);

const args = process.argv.slice(2);
const flag = (name) => {
  const hit = args.find((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (hit === undefined) return undefined;
  return hit.includes('=') ? hit.slice(hit.indexOf('=') + 1) : true;
};
const OWN = ['smoke', 'only', 'out', 'cpu-prof', 'json'];
const smoke = flag('smoke') === true;
const only = typeof flag('only') === 'string' ? flag('only').split(',') : undefined;
const unknown = only?.filter((name) => !BENCHMARKS.includes(name)) ?? [];
if (unknown.length > 0) {
  console.error(
    `bench: unknown benchmark ${unknown.join(', ')}; expected ${BENCHMARKS.join(', ')}`,
  );
  process.exit(2);
}
const profileDir = flag('cpu-prof');
const asJson = flag('json') === true;
const passThrough = args.filter(
  (a) => a.startsWith('--') && !OWN.includes(a.slice(2).split('=')[0]),
);
// bench/results.json holds standard runs only: every benchmark, full size, nothing left out.
const standard =
  !smoke &&
  only === undefined &&
  passThrough.length === 0 &&
  profileDir === undefined &&
  !Object.keys(process.env).some((k) => k.startsWith('BENCH_'));
const out = flag('out') ?? (standard ? path.join(here, 'results.json') : undefined);

/** Runs one benchmark in a child process; resolves with its parsed result or an error. */
function runOne(name) {
  const nodeArgs = [
    '--expose-gc',
    '--max-old-space-size=8192',
    '--import',
    pathToFileURL(path.join(here, 'lib', 'register.mjs')).href,
  ];
  if (typeof profileDir === 'string') {
    // One folder per benchmark: the loader's thread writes a profile of its own.
    const dir = path.resolve(profileDir, name);
    mkdirSync(dir, { recursive: true });
    nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${dir}`, '--cpu-prof-interval=100');
  }
  const file = path.join(here, `${name}.ts`);
  const childArgs = [...nodeArgs, file, ...(smoke ? ['--smoke'] : []), ...passThrough];
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, childArgs, {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk) => {
      stderr += chunk;
      if (!asJson) process.stderr.write(chunk);
    });
    const limit = smoke ? 60_000 : 30 * 60_000;
    const timer = setTimeout(() => child.kill('SIGKILL'), limit);
    child.on('close', (code, sig) => {
      clearTimeout(timer);
      const wallMs = Math.round(performance.now() - started);
      const line = stdout
        .trim()
        .split('\n')
        .reverse()
        .find((l) => l.startsWith('{'));
      if (code !== 0 || line === undefined) {
        const why = sig !== null ? `killed by ${sig}` : `exited with code ${code}`;
        resolve({ name, ok: false, wallMs, error: `${why}: ${stderr.trim().slice(-2000)}` });
        return;
      }
      try {
        resolve({ name, ok: true, wallMs, result: JSON.parse(line) });
      } catch (error) {
        resolve({ name, ok: false, wallMs, error: `unreadable output: ${error}` });
      }
    });
  });
}

function targetText(target, unit) {
  if (target === undefined) return '';
  const op = target.op === '>=' ? '≥' : '≤';
  return target.kind === 'ratio' ? `ratio ${op} ${target.value}` : `${op} ${target.value} ${unit}`;
}

function evaluate(figure) {
  const finite = (v) => typeof v === 'number' && Number.isFinite(v);
  const ratio =
    finite(figure.otp) && finite(figure.baseline) && figure.baseline !== 0
      ? figure.otp / figure.baseline
      : null;
  let pass = null;
  const target = figure.target;
  if (target !== undefined) {
    const value = target.kind === 'ratio' ? ratio : figure.otp;
    pass = finite(value)
      ? target.op === '>='
        ? value >= target.value
        : value <= target.value
      : false;
  }
  return {
    metric: figure.metric,
    unit: figure.unit,
    better: figure.better,
    otp: figure.otp,
    baseline: figure.baseline,
    ratio,
    target: targetText(target, figure.unit),
    targetSpec: target ?? null,
    pass,
    ...(figure.note === undefined ? {} : { note: figure.note }),
  };
}

/** A figure in 3-4 significant digits, with k/M for large numbers. */
function fmt(value, unit) {
  if (value === null || value === undefined) return '–';
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  const sig = (v) =>
    Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2);
  let text;
  if (abs >= 1e6) text = `${sig(value / 1e6)} M`;
  else if (abs >= 1e4) text = `${sig(value / 1e3)} k`;
  else text = sig(value);
  return unit ? `${text} ${unit}` : text;
}

function machine() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryGB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    v8: process.versions.v8,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
  };
}

/** The commit measured, and whether src/ had uncommitted changes. */
function source() {
  try {
    const git = (...a) => execFileSync('git', a, { cwd: root, encoding: 'utf8' }).trim();
    return {
      commit: git('rev-parse', '--short', 'HEAD'),
      srcModified: git('status', '--porcelain', '--', 'src') !== '',
    };
  } catch {
    return { commit: 'unknown', srcModified: null };
  }
}

function table(benchmarks) {
  const rows = [['benchmark', 'metric', 'otp-ts', 'baseline', 'ratio', 'target', 'result']];
  for (const b of benchmarks) {
    if (!b.ok) {
      rows.push([b.name, 'ERROR', '', '', '', '', 'error']);
      continue;
    }
    for (const f of b.figures) {
      rows.push([
        b.name,
        f.metric,
        fmt(f.otp, f.unit),
        fmt(f.baseline, f.unit),
        f.ratio === null ? '–' : `${f.ratio.toFixed(f.ratio < 0.1 ? 3 : 2)}×`,
        f.target,
        f.pass === null ? '' : f.pass ? 'pass' : 'FAIL',
      ]);
    }
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const line = (r) => `| ${r.map((cell, c) => cell.padEnd(widths[c])).join(' | ')} |`;
  return [
    line(rows[0]),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...rows.slice(1).map(line),
  ].join('\n');
}

const selected = only ?? BENCHMARKS;
const startedAt = new Date();
const loadStart = os.loadavg();
const benchmarks = [];
for (const name of selected) {
  if (!asJson) process.stderr.write(`bench: ${name}${smoke ? ' (smoke)' : ''}...\n`);
  const run = await runOne(name);
  if (run.ok) {
    benchmarks.push({
      name,
      ok: true,
      wallMs: run.wallMs,
      durationMs: run.result.durationMs,
      params: run.result.params,
      figures: run.result.figures.map(evaluate),
    });
  } else {
    benchmarks.push({ name, ok: false, wallMs: run.wallMs, error: run.error });
    if (!asJson) process.stderr.write(`bench: ${name} failed: ${run.error}\n`);
  }
}
const figures = benchmarks.flatMap((b) => (b.ok ? b.figures : []));
const results = {
  date: startedAt.toISOString(),
  mode: smoke ? 'smoke' : 'full',
  machine: { ...machine(), loadAverage: { start: loadStart, end: os.loadavg() } },
  source: source(),
  summary: {
    benchmarks: benchmarks.length,
    errors: benchmarks.filter((b) => !b.ok).length,
    targets: figures.filter((f) => f.pass !== null).length,
    passed: figures.filter((f) => f.pass === true).length,
    failed: figures.filter((f) => f.pass === false).length,
  },
  benchmarks,
};
if (out !== undefined) writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
if (asJson) {
  process.stdout.write(`${JSON.stringify(results)}\n`);
} else {
  const m = results.machine;
  console.log(
    `\notp-ts benchmarks (${results.mode}), ${results.date}\n${m.cpu}, ${m.cores} cores, ${m.memoryGB} GB, Node.js ${m.node}, load average ${loadStart.map((l) => l.toFixed(1)).join(' ')}\n`,
  );
  console.log(table(benchmarks));
  const s = results.summary;
  console.log(
    `\n${s.passed} of ${s.targets} targets met${s.errors > 0 ? `; ${s.errors} benchmark(s) failed to run` : ''}${smoke ? ' (smoke sizes: the figures mean nothing)' : ''}${out === undefined ? '' : `; written to ${path.relative(process.cwd(), out)}`}`,
  );
}
process.exitCode = results.summary.errors > 0 ? 1 : 0;
