#!/usr/bin/env node
/**
 * The hot spots of a CPU profile: functions by self time, as a share of the
 * profile's busy samples (idle excluded), with where each comes from.
 *
 *   node bench/run.mjs --only=call --cpu-prof=/tmp/prof
 *   BENCH_CASES=otp node bench/run.mjs --only=call --cpu-prof=/tmp/prof   (the otp-ts case only)
 *   node bench/lib/hotspots.mjs /tmp/prof/call [--top=25] [--callers=now]
 *
 * Given a folder, it reads the main thread's profile (the module loader's thread
 * writes one too).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = process.argv.slice(2);
let file = args.find((a) => !a.startsWith('--'));
if (file === undefined) {
  console.error('usage: node bench/lib/hotspots.mjs <file.cpuprofile | folder> [--top=25]');
  process.exit(2);
}
if (statSync(file).isDirectory()) {
  // Node.js names profiles CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile: the main thread is 0.
  const dir = file;
  const main = readdirSync(dir).filter((f) => /\.\d+\.0\.\d+\.cpuprofile$/.test(f));
  if (main[0] === undefined) throw new Error(`no main-thread .cpuprofile in ${dir}`);
  file = path.join(dir, main.sort().at(-1));
}
const top = Number(args.find((a) => a.startsWith('--top='))?.slice(6) ?? 25);
/**
 * `--callers=name`: also show which code (the nearest frame outside Node.js and V8)
 * the self time of the functions of that name is spent for.
 */
const callersOf = args.find((a) => a.startsWith('--callers='))?.slice(10);

const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const hits = new Map();
for (const id of profile.samples) hits.set(id, (hits.get(id) ?? 0) + 1);

function where(url) {
  if (url === '') return 'v8';
  if (url.startsWith('node:')) return 'node';
  const local = url.startsWith('file://') ? fileURLToPath(url) : url;
  const relative = path.relative(root, local);
  if (relative.startsWith('src/')) return 'otp-ts';
  if (relative.startsWith('bench/baseline/')) return 'baseline';
  if (relative.startsWith('bench/')) return 'bench';
  if (relative.startsWith('node_modules/')) return relative.split('/')[1];
  return 'other';
}

const rows = new Map();
let busy = 0;
for (const [id, count] of hits) {
  const frame = byId.get(id).callFrame;
  if (frame.functionName === '(idle)') continue;
  busy += count;
  const local = frame.url.startsWith('file://')
    ? path.relative(root, fileURLToPath(frame.url))
    : frame.url;
  const key = `${frame.functionName || '(anonymous)'}\t${local}:${frame.lineNumber + 1}`;
  const row = rows.get(key) ?? {
    name: frame.functionName || '(anonymous)',
    at: local ? `${local}:${frame.lineNumber + 1}` : '',
    from: where(frame.url),
    count: 0,
  };
  row.count += count;
  rows.set(key, row);
}

const bySource = new Map();
for (const row of rows.values()) bySource.set(row.from, (bySource.get(row.from) ?? 0) + row.count);
const pct = (n) => `${((100 * n) / busy).toFixed(1)}%`;

console.log(`${path.basename(file)}: ${busy} busy samples`);
console.log(
  `by source: ${[...bySource]
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${pct(v)}`)
    .join(', ')}`,
);
for (const row of [...rows.values()].sort((a, b) => b.count - a.count).slice(0, top)) {
  console.log(`${pct(row.count).padStart(6)}  ${row.from.padEnd(8)}  ${row.name}  ${row.at}`);
}

if (callersOf !== undefined) {
  const parent = new Map();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parent.set(child, node);
  const callers = new Map();
  let total = 0;
  for (const [id, count] of hits) {
    const node = byId.get(id);
    if (node.callFrame.functionName !== callersOf) continue;
    total += count;
    // The first caller outside Node.js and V8: the code that asked for it.
    let up = parent.get(id);
    while (up !== undefined && ['node', 'v8'].includes(where(up.callFrame.url)))
      up = parent.get(up.id);
    const caller = up?.callFrame;
    const label =
      caller === undefined
        ? '(root)'
        : `${caller.functionName || '(anonymous)'} ${where(caller.url)}`;
    callers.set(label, (callers.get(label) ?? 0) + count);
  }
  console.log(`\ncallers of ${callersOf} (${pct(total)} self in all):`);
  for (const [label, count] of [...callers].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${pct(count).padStart(6)}  ${label}`);
  }
}
