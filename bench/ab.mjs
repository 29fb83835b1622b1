#!/usr/bin/env node
/**
 * `node bench/ab.mjs`: is one version of otp-ts faster than another? Copies the
 * sources of two versions into bench/.ab/, and runs several Node.js processes
 * (bench/lib/ab-cases.ts), each loading both versions and timing them in turn on one
 * workload, each round against the limit baseline. The processes load the versions in
 * turn, A first then B first: the copy loaded second ran about 5 % faster on
 * sequential calls in A/A runs. It prints each process's medians, then the median
 * over the processes.
 *
 * How far to trust it, on this 2-core virtual machine: one process's speed-up, for two
 * copies of the same version, came out anywhere from 0.84 to 1.21 (fan-in) and 1.02 to
 * 1.10 (calls); the median over 8 processes moves by a few per cent. Read less than
 * about 5 % as nothing.
 *
 *   node bench/ab.mjs                     HEAD (A) against the working tree (B), sequential calls
 *   node bench/ab.mjs 1912120 HEAD        two commits
 *   node bench/ab.mjs --case=fan-in       call, fan-in, cast or ring
 *   node bench/ab.mjs --runs=8            processes (default 6)
 *   node bench/ab.mjs --reps=41 --n=50000 rounds per process, and operations per round
 *                                         (casts and hops: 10×)
 *
 * A version is a git revision, or `.` for the working tree's src/.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const hit = args.find((a) => a.startsWith(`--${name}=`));
  return hit === undefined ? fallback : hit.slice(name.length + 3);
};
const [a = 'HEAD', b = '.'] = args.filter((a) => !a.startsWith('--'));
const runs = Number(option('runs', '6'));
if (!Number.isInteger(runs) || runs < 1) {
  console.error(`--runs: expected a whole number >= 1, got ${option('runs')}`);
  process.exit(1);
}
// Inside the repository, so that the copies find its node_modules; a folder of its
// own, so that two comparisons can run at once.
const parent = path.join(root, 'bench', '.ab');
mkdirSync(parent, { recursive: true });
const work = mkdtempSync(path.join(parent, 'run-'));

/** Puts `version`'s src/ in `dir`/src; returns the URL of its index. */
function place(version, dir) {
  mkdirSync(dir, { recursive: true });
  if (version === '.') {
    cpSync(path.join(root, 'src'), path.join(dir, 'src'), { recursive: true });
  } else {
    const tar = execFileSync('git', ['archive', '--format=tar', version, 'src'], {
      cwd: root,
      maxBuffer: 1 << 30,
    });
    execFileSync('tar', ['-x', '-C', dir], { input: tar });
  }
  return pathToFileURL(path.join(dir, 'src', 'index.ts')).href;
}

const median = (values) => {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const fixed = (value) => value.toFixed(3);

let status = 0;
try {
  const urlA = place(a, path.join(work, 'a'));
  const urlB = place(b, path.join(work, 'b'));
  const name = (version) => (version === '.' ? 'the working tree' : version);
  const kase = option('case', 'call');
  console.log(`A = ${name(a)}, B = ${name(b)}; ${kase}, ${runs} processes`);
  console.log('  process  loaded first  A ÷ limit  B ÷ limit  B speed-up (A time ÷ B time)');
  const rows = [];
  for (let run = 0; run < runs; run++) {
    const swapped = run % 2 === 1;
    const child = spawnSync(
      process.execPath,
      ['--expose-gc', '--import', './bench/lib/register.mjs', 'bench/lib/ab-cases.ts'],
      {
        cwd: root,
        env: {
          ...process.env,
          AB_FIRST: swapped ? urlB : urlA,
          AB_SECOND: swapped ? urlA : urlB,
          AB_CASE: kase,
          AB_REPS: option('reps', '21'),
          AB_N: option('n', '100000'),
        },
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    if (child.status !== 0) {
      status = child.status ?? 1;
      break;
    }
    const line = child.stdout.trim().split('\n').at(-1);
    const { first, second, speedUp } = JSON.parse(line);
    const row = swapped
      ? { aLimit: second, bLimit: first, speedUp: 1 / speedUp }
      : { aLimit: first, bLimit: second, speedUp };
    rows.push(row);
    console.log(
      `  ${String(run + 1).padEnd(7)}  ${(swapped ? 'B' : 'A').padEnd(12)}  ${fixed(row.aLimit).padEnd(9)}  ${fixed(row.bLimit).padEnd(9)}  ${fixed(row.speedUp)}`,
    );
  }
  if (status === 0) {
    const speedUps = rows.map((row) => row.speedUp);
    console.log(
      `  median                 ${fixed(median(rows.map((row) => row.aLimit))).padEnd(9)}  ${fixed(median(rows.map((row) => row.bLimit))).padEnd(9)}  ${fixed(median(speedUps))} (range ${fixed(Math.min(...speedUps))}–${fixed(Math.max(...speedUps))})`,
    );
  }
} finally {
  rmSync(work, { recursive: true, force: true });
  try {
    rmdirSync(parent);
  } catch {
    // Another comparison still runs there.
  }
}
process.exit(status);
