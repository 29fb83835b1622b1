#!/usr/bin/env node
/**
 * `npm run bench`: runs every benchmark, each in its own Node.js process (with
 * --expose-gc, the TypeScript loader of lib/register.mjs, and room for a million
 * processes), collects the JSON line each prints, and shows a table of otp-ts against
 * the contract baseline (bench/baseline/), the limit baseline (bench/baseline/limit/)
 * and, with --beam, the same workloads as Erlang programs (bench/beam/) on one
 * scheduler. It checks issue 14's targets, exits with 1 when one is missed (or a
 * benchmark fails), writes the figures with the machine they ran on to
 * bench/results.json, and appends a standard run to the log at the end of
 * bench/RESULTS.md, passing or not.
 *
 *   node bench/run.mjs                   every benchmark at full size
 *   node bench/run.mjs --beam            and the BEAM's figures (needs `erl` on the PATH;
 *                                        without it, says so and leaves the BEAM column out)
 *   node bench/run.mjs --smoke           every benchmark at tiny sizes, in a few seconds
 *                                        (targets shown, not judged: the figures mean nothing)
 *   node bench/run.mjs --only=ring,call  some of them
 *   node bench/run.mjs --out=file.json   write the results there (by default, only a standard
 *                                        run, all benchmarks at full size, writes bench/results.json
 *                                        and is logged in bench/RESULTS.md)
 *   node bench/run.mjs --cpu-prof=dir    also write CPU profiles, in dir/<benchmark>/ (read them
 *                                        with bench/lib/hotspots.mjs)
 *   node bench/run.mjs --json            print the results as JSON instead of the table
 *
 * Any other `--name=value` goes to every benchmark (a size: `--hops=100000`);
 * `BENCH_NAME=value` in the environment does the same. The BEAM programs get the
 * parameters each JavaScript benchmark reports, so that both do the same work.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  accessSync,
  appendFileSync,
  constants,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

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
];

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.dirname(here);

const args = process.argv.slice(2);
const flag = (name) => {
  const hit = args.find((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (hit === undefined) return undefined;
  return hit.includes('=') ? hit.slice(hit.indexOf('=') + 1) : true;
};
const OWN = ['smoke', 'only', 'out', 'cpu-prof', 'json', 'beam'];
const smoke = flag('smoke') === true;
const withBeam = flag('beam') === true;
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
// bench/results.json and the log in RESULTS.md hold standard runs only: every
// benchmark, full size, nothing left out (with or without the BEAM).
const standard =
  !smoke &&
  only === undefined &&
  passThrough.length === 0 &&
  profileDir === undefined &&
  !Object.keys(process.env).some((k) => k.startsWith('BENCH_'));
const out = flag('out') ?? (standard ? path.join(here, 'results.json') : undefined);
const resultsMd = path.join(here, 'RESULTS.md');

const LEGEND = `How to read the table (bench/RESULTS.md has more):
  otp-ts    the library, through its public API
  baseline  bench/baseline/: a hand-written runtime that keeps otp-ts's contract (a wrapper
            object per message, a budget of 200 messages per turn, a yield to the event loop
            every 4 ms, a process table, links); the ratio to it measures the library's own work
  limit     bench/baseline/limit/: the least a JavaScript actor runtime can do (one object and
            a shared handler per actor, a ring-buffer mailbox, one run queue, a call's resolver
            in the message, nothing allocated per message but the message); the ceiling
  BEAM      the same workload as an Erlang program of bench/beam/, on Erlang/OTP with one
            scheduler (erl +S 1:1), with --beam
  ÷ X       otp-ts ÷ X, whatever the unit: for /s figures higher is better (below 1×, otp-ts is
            slower); for µs, bytes and × lower is better (above 1×, otp-ts is slower)
  figures   each the median of at least 3 runs (cases alternating in one process, a full GC
            before each), after warm-up runs
  target    issue 14's, on the ratio or value it names; BEAM targets are judged only with --beam.
            In parentheses: an older target, checked and shown, never failing the run
  result    pass or FAIL; any FAIL (or a benchmark that fails to run) makes the exit code 1
`;

/** The path of an executable on the PATH, or undefined. */
function which(command) {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const file = path.join(dir, command);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // Not here.
    }
  }
  return undefined;
}

/** Erlang file names: bench/beam/bench_fan_in.erl for fan-in. */
const beamModule = (name) => `bench_${name.replaceAll('-', '_')}`;

/**
 * Compiles bench/beam/*.erl into a temporary directory. Returns what the BEAM runs
 * need, or a reason why there is no BEAM column.
 */
function setUpBeam() {
  const erl = which('erl');
  if (erl === undefined) {
    return { available: false, reason: 'erl is not on the PATH' };
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'otp-ts-beam-'));
  const sources = readdirSync(path.join(here, 'beam'))
    .filter((f) => f.endsWith('.erl'))
    .map((f) => path.join(here, 'beam', f));
  const list = sources.map((f) => JSON.stringify(f)).join(',');
  const compiled = spawnSync(
    erl,
    [
      '-noshell',
      '-eval',
      `Ok = [compile:file(F, [{outdir, ${JSON.stringify(dir)}}, report]) || F <- [${list}]], ` +
        `io:format("~s~n", [erlang:system_info(otp_release)]), ` +
        `halt(case lists:all(fun(R) -> element(1, R) =:= ok end, Ok) of true -> 0; false -> 1 end).`,
    ],
    { encoding: 'utf8' },
  );
  if (compiled.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    const why = `${compiled.stdout ?? ''}${compiled.stderr ?? ''}`.trim();
    return {
      available: false,
      reason: `the Erlang programs did not compile: ${why}`,
      failed: true,
    };
  }
  return { available: true, erl, dir, otpRelease: compiled.stdout.trim().split('\n').pop() };
}

/** Spawns `command`; resolves with its stdout's last JSON line parsed, or an error. */
function runChild(name, command, childArgs, limitMs) {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(command, childArgs, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk) => {
      stderr += chunk;
      if (!asJson) process.stderr.write(chunk);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
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

/** Runs one benchmark in a child process. */
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
  // --beam goes on too: a benchmark may measure against the BEAM itself (tcp: otp-ts ↔ BEAM).
  const childArgs = [
    ...nodeArgs,
    file,
    ...(smoke ? ['--smoke'] : []),
    ...(beamOn ? ['--beam'] : []),
    ...passThrough,
  ];
  return runChild(name, process.execPath, childArgs, smoke ? 60_000 : 30 * 60_000);
}

/** Runs a benchmark's Erlang program with the parameters its JavaScript side reported. */
function runBeam(beam, name, params) {
  const kv = Object.entries(params ?? {}).map(([k, v]) => `${k}=${v}`);
  if (smoke) kv.push('smoke=1');
  const childArgs = [
    '+S',
    '1:1',
    '+P',
    '2000000',
    '-noshell',
    '-pa',
    beam.dir,
    '-run',
    'bench_beam',
    'main',
    beamModule(name),
    ...kv,
  ];
  return runChild(name, beam.erl, childArgs, smoke ? 60_000 : 15 * 60_000);
}

const OP = { '>=': '≥', '<=': '≤' };
const COLUMN = { baseline: '÷base', limit: '÷limit', beam: '÷BEAM' };

function targetText(target, unit) {
  const text =
    target.kind === 'otp'
      ? `${OP[target.op]} ${target.value} ${unit}`
      : `${COLUMN[target.kind]} ${OP[target.op]} ${target.value}`;
  return target.advisory ? `(${text})` : text;
}

const finite = (v) => typeof v === 'number' && Number.isFinite(v);
const ratioOf = (otp, other) => (finite(otp) && finite(other) && other !== 0 ? otp / other : null);

/** A figure with its ratios and each target checked; `beamValues` is the BEAM program's output. */
function evaluate(figure, beamValues) {
  const beam =
    figure.beam !== undefined && beamValues !== undefined && finite(beamValues[figure.beam])
      ? beamValues[figure.beam]
      : null;
  const limit = figure.limit ?? null;
  const ratios = {
    baseline: ratioOf(figure.otp, figure.baseline),
    limit: ratioOf(figure.otp, limit),
    beam: ratioOf(figure.otp, beam),
  };
  const specs = figure.target === undefined ? [] : [figure.target].flat();
  const targets = specs.map((spec) => {
    const checked = spec.kind === 'otp' ? figure.otp : ratios[spec.kind];
    // A BEAM target without a BEAM figure is not judged; any other missing figure fails.
    const judged = spec.kind !== 'beam' || beamValues !== undefined;
    const pass = !judged
      ? null
      : finite(checked)
        ? spec.op === '>='
          ? checked >= spec.value
          : checked <= spec.value
        : false;
    return { ...spec, text: targetText(spec, figure.unit), checked, pass };
  });
  const judged = targets.filter((t) => !t.advisory && t.pass !== null);
  const advisory = targets.filter((t) => t.advisory && t.pass !== null);
  return {
    metric: figure.metric,
    unit: figure.unit,
    better: figure.better,
    otp: figure.otp,
    baseline: figure.baseline,
    limit,
    beam,
    ratio: ratios.baseline,
    limitRatio: ratios.limit,
    beamRatio: ratios.beam,
    target: targets.map((t) => t.text).join('; '),
    targets,
    pass: judged.length === 0 ? null : judged.every((t) => t.pass),
    advisoryPass: advisory.length === 0 ? null : advisory.every((t) => t.pass),
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

const fmtRatio = (r) => (r === null ? '–' : `${r.toFixed(r < 0.1 ? 3 : 2)}×`);

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

function resultText(f) {
  const parts = [];
  if (f.pass !== null) parts.push(f.pass ? 'pass' : 'FAIL');
  if (f.advisoryPass !== null) parts.push(f.advisoryPass ? '(pass)' : '(miss)');
  return parts.join(' ');
}

function table(benchmarks, beamColumn) {
  const header = ['benchmark', 'metric', 'otp-ts', 'baseline', '÷base', 'limit', '÷limit'];
  if (beamColumn) header.push('BEAM', '÷BEAM');
  header.push('target', 'result');
  const rows = [header];
  for (const b of benchmarks) {
    if (!b.ok) {
      const row = header.map(() => '');
      row[0] = b.name;
      row[1] = 'ERROR';
      row[row.length - 1] = 'error';
      rows.push(row);
      continue;
    }
    for (const f of b.figures) {
      const row = [
        b.name,
        f.metric,
        fmt(f.otp, f.unit),
        fmt(f.baseline, f.unit),
        fmtRatio(f.ratio),
        fmt(f.limit, f.unit),
        fmtRatio(f.limitRatio),
      ];
      if (beamColumn) row.push(fmt(f.beam, f.unit), fmtRatio(f.beamRatio));
      row.push(f.target, resultText(f));
      rows.push(row);
    }
    if (b.beamError !== undefined) {
      const row = header.map(() => '');
      row[0] = b.name;
      row[1] = 'BEAM ERROR';
      row[row.length - 1] = 'error';
      rows.push(row);
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

/** Appends a standard run to the log at the end of bench/RESULTS.md. */
function logRun(results, machineLine, tableText, summaryText) {
  const heading = '## Run log';
  const existing = existsSync(resultsMd) ? readFileSync(resultsMd, 'utf8') : '';
  let entry = '';
  if (!existing.includes(`\n${heading}\n`)) {
    entry +=
      `\n${heading}\n\nEvery standard \`npm run bench\` (all benchmarks, full size, with or without ` +
      '`--beam`) appends its table here, passing or not, written by `bench/run.mjs`.\n';
  }
  const s = results.summary;
  const src = results.source;
  entry +=
    `\n### ${results.date.slice(0, 16).replace('T', ' ')} UTC, \`${src.commit}\`` +
    `${src.srcModified ? ' (src/ modified)' : ''}: ${s.passed} of ${s.targets} targets met` +
    `${s.errors > 0 ? `, ${s.errors} error(s)` : ''}\n\n${machineLine}\n\n${tableText}\n\n${summaryText}\n`;
  appendFileSync(resultsMd, entry);
}

const selected = only ?? BENCHMARKS;
const startedAt = new Date();
const loadStart = os.loadavg();
if (!asJson) console.log(LEGEND);
let beam;
if (withBeam) {
  beam = setUpBeam();
  if (!beam.available) {
    process.stderr.write(`bench: --beam: ${beam.reason}; the BEAM column is left out.\n`);
  } else if (!asJson) {
    process.stderr.write(`bench: --beam: Erlang/OTP ${beam.otpRelease}, ${beam.erl}\n`);
  }
}
const beamOn = beam?.available === true;
const benchmarks = [];
for (const name of selected) {
  if (!asJson) process.stderr.write(`bench: ${name}${smoke ? ' (smoke)' : ''}...\n`);
  const run = await runOne(name);
  if (!run.ok) {
    benchmarks.push({ name, ok: false, wallMs: run.wallMs, error: run.error });
    if (!asJson) process.stderr.write(`bench: ${name} failed: ${run.error}\n`);
    continue;
  }
  let beamRun;
  const hasProgram = existsSync(path.join(here, 'beam', `${beamModule(name)}.erl`));
  if (beamOn && hasProgram) {
    if (!asJson) process.stderr.write(`bench: ${name} on the BEAM...\n`);
    beamRun = await runBeam(beam, name, run.result.params);
    if (!beamRun.ok && !asJson) {
      process.stderr.write(`bench: ${name} on the BEAM failed: ${beamRun.error}\n`);
    }
  }
  const beamValues = beamRun?.ok ? beamRun.result : undefined;
  benchmarks.push({
    name,
    ok: true,
    wallMs: run.wallMs,
    durationMs: run.result.durationMs,
    params: run.result.params,
    ...(beamRun === undefined ? {} : { beamWallMs: beamRun.wallMs }),
    ...(beamRun !== undefined && !beamRun.ok ? { beamError: beamRun.error } : {}),
    figures: run.result.figures.map((f) => evaluate(f, beamValues)),
  });
}
if (beamOn) rmSync(beam.dir, { recursive: true, force: true });

const figures = benchmarks.flatMap((b) => (b.ok ? b.figures : []));
const targets = figures.flatMap((f) => f.targets.filter((t) => !t.advisory && t.pass !== null));
const advisory = figures.flatMap((f) => f.targets.filter((t) => t.advisory && t.pass !== null));
const results = {
  date: startedAt.toISOString(),
  mode: smoke ? 'smoke' : 'full',
  machine: { ...machine(), loadAverage: { start: loadStart, end: os.loadavg() } },
  source: source(),
  beam: withBeam
    ? beamOn
      ? { available: true, otpRelease: beam.otpRelease, flags: '+S 1:1 +P 2000000' }
      : { available: false, reason: beam.reason }
    : null,
  summary: {
    benchmarks: benchmarks.length,
    // Erlang programs that do not compile are an error of the suite, as a benchmark that fails.
    errors:
      benchmarks.filter((b) => !b.ok || b.beamError !== undefined).length +
      (beam?.failed === true ? 1 : 0),
    targets: targets.length,
    passed: targets.filter((t) => t.pass).length,
    failed: targets.filter((t) => !t.pass).length,
    advisory: advisory.length,
    advisoryMissed: advisory.filter((t) => !t.pass).length,
    notJudged: figures.flatMap((f) => f.targets.filter((t) => t.pass === null)).length,
  },
  benchmarks,
};
if (out !== undefined) writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);

const m = results.machine;
const s = results.summary;
const beamLine = !withBeam
  ? 'BEAM: not run (add --beam)'
  : beamOn
    ? `BEAM: Erlang/OTP ${beam.otpRelease}, erl +S 1:1 +P 2000000`
    : `BEAM: left out, ${beam.reason}`;
const machineLine =
  `${m.cpu}, ${m.cores} cores, ${m.memoryGB} GB, Node.js ${m.node}, load average ` +
  `${loadStart.map((l) => l.toFixed(1)).join(' ')}; ${beamLine}`;
const header =
  `otp-ts benchmarks (${results.mode}), ${results.date}, commit ${results.source.commit}` +
  `${results.source.srcModified ? ' (src/ modified)' : ''}\n${machineLine}`;
const summary =
  `${s.passed} of ${s.targets} targets met` +
  `${s.advisory > 0 ? `; older targets: ${s.advisory - s.advisoryMissed} of ${s.advisory} met` : ''}` +
  `${s.notJudged > 0 ? `; ${s.notJudged} BEAM target(s) not judged` : ''}` +
  `${s.errors > 0 ? `; ${s.errors} benchmark(s) failed to run` : ''}` +
  `${smoke ? ' (smoke sizes: the figures mean nothing, and no target fails the run)' : ''}`;
const tableText = table(benchmarks, beamOn);
const text = `${header}\n\n${tableText}\n\n${summary}`;
if (asJson) {
  process.stdout.write(`${JSON.stringify(results)}\n`);
} else {
  console.log(`\n${text}`);
  if (out !== undefined) console.log(`written to ${path.relative(process.cwd(), out)}`);
}
if (standard) {
  logRun(results, machineLine, tableText, summary);
  if (!asJson) console.log(`logged at the end of ${path.relative(process.cwd(), resultsMd)}`);
}
process.exitCode = s.errors > 0 || (!smoke && s.failed > 0) ? 1 : 0;
