#!/usr/bin/env node
/**
 * `node bench/ab.mjs`: is one version of otp-ts faster than another? Copies the
 * sources of two versions into bench/.ab/, loads both in one Node.js process and
 * times them in turn on one workload (bench/lib/ab-cases.ts), each round against
 * the limit baseline. Two runs of the same version differ by up to about 5 % here;
 * separate processes, as `npm run bench` runs them, by up to 30 %.
 *
 *   node bench/ab.mjs                     HEAD (A) against the working tree (B), sequential calls
 *   node bench/ab.mjs 1912120 HEAD        two commits
 *   node bench/ab.mjs --case=fan-in       call, fan-in, cast or ring
 *   node bench/ab.mjs --reps=41 --n=50000 rounds, and operations per round (casts and hops: 10×)
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

let status = 1;
try {
  const env = {
    ...process.env,
    AB_A: place(a, path.join(work, 'a')),
    AB_B: place(b, path.join(work, 'b')),
    AB_CASE: option('case', 'call'),
    AB_REPS: option('reps', '21'),
    AB_N: option('n', '100000'),
  };
  console.log(
    `A = ${a === '.' ? 'the working tree' : a}, B = ${b === '.' ? 'the working tree' : b}`,
  );
  const child = spawnSync(
    process.execPath,
    ['--expose-gc', '--import', './bench/lib/register.mjs', 'bench/lib/ab-cases.ts'],
    { cwd: root, env, stdio: 'inherit' },
  );
  status = child.status ?? 1;
} finally {
  rmSync(work, { recursive: true, force: true });
  try {
    rmdirSync(parent);
  } catch {
    // Another comparison still runs there.
  }
}
process.exit(status);
