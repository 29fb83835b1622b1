/**
 * tcp: issue 19's figures, two otp-ts nodes in separate OS processes connected over
 * loopback by the TCP carrier (Erlang's distribution protocol), each beside two BEAM
 * nodes doing the same in the same run (bench/beam/bench_tcp.erl, with `--beam`).
 *
 * This process is one node (`bench@localhost`); bench/lib/tcp-node.ts, started from the
 * sources with the benchmarks' loader, is the other (`peer@localhost`), serving the
 * counter of bench/lib/counter.ts. Both find each other through a port mapper on a free
 * port (the one otp-ts starts when none answers there), never the host's epmd.
 *
 * - sequential calls: one `GenServer.call` after another to the peer's counter, each
 *   timed (calls/s, p50 and p99); raw: 8-byte ping-pong round trips between two
 *   Node.js processes over a loopback socket (the `limit` column).
 * - casts: `casts` `GenServer.cast`s, yielding to the event loop every 1,024 (as any
 *   producer lets its I/O run), then one call that confirms they all arrived.
 * - concurrent callers: `callers` processes on this node, `callsPerCaller` calls each.
 * - with `--beam` (bench/run.mjs passes it on): the same three from this otp-ts node to
 *   a gen_server on a BEAM node (`erl +S 1:1`, bench_tcp:serve/0), requests as atoms.
 *
 *   node bench/run.mjs --only=tcp --beam
 *   node --expose-gc --import ./bench/lib/register.mjs bench/tcp.ts [--beam] [--calls=N]
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Socket, connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { killPortMapper } from '../src/dist/tcp/epmd.js';
import { GenServer, type Pid, Runtime } from '../src/index.js';
import {
  check,
  compare,
  type Figure,
  main,
  now,
  param,
  percentile,
  report,
  type Sample,
  tick,
} from './lib/harness.js';

const CALLS = param('calls', 20_000, 200);
const CASTS = param('casts', 200_000, 2_000);
const CALLERS = param('callers', 1_000, 20);
const CALLS_PER_CALLER = param('callsPerCaller', 20, 5);
const REPS = param('reps', 3, 1);

/** Whether bench/run.mjs runs the BEAM too (`--beam`): then otp-ts ↔ BEAM is measured. */
const withBeam = process.argv.includes('--beam');

const here = path.dirname(fileURLToPath(import.meta.url));
const COOKIE = 'otp_ts_bench';
const PEER = 'peer@localhost';
const BEAM = 'beam@localhost';

/** A free TCP port on loopback (for the port mapper and the raw echo server). */
async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/** Resolves when `child` prints a line starting with `prefix`; rejects if it exits first. */
function lineFrom(child: ChildProcess, prefix: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (chunk: Buffer) => {
      text += chunk.toString();
      const line = text.split('\n').find((l) => l.startsWith(prefix));
      if (line !== undefined) {
        child.stdout!.off('data', onData);
        child.off('exit', onExit);
        resolve(line);
      }
    };
    const onExit = (code: number | null) =>
      reject(new Error(`bench: the other node exited (${code}) before "${prefix}": ${text}`));
    child.stdout!.on('data', onData);
    child.once('exit', onExit);
  });
}

/** The other otp-ts node: this process's Node.js flags (the loader, a --cpu-prof), its own entry. */
async function startPeer(epmd: number): Promise<ChildProcess> {
  const loader = new URL('./lib/register.mjs', import.meta.url).href;
  const flags = process.execArgv.some((a) => a.includes('register.mjs'))
    ? process.execArgv
    : ['--import', loader, ...process.execArgv];
  const child = spawn(
    process.execPath,
    [...flags, path.join(here, 'lib', 'tcp-node.ts'), PEER, COOKIE, String(epmd)],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  await lineFrom(child, 'ready');
  return child;
}

/** Ends the other node by closing its stdin, so that it shuts down (and writes its profile). */
async function stopPeer(child: ChildProcess): Promise<void> {
  const exited = once(child, 'exit');
  child.stdin!.end();
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** A BEAM node serving bench_counter as `counter`, registered with our port mapper. */
async function startBeam(epmd: number): Promise<{ node: ChildProcess; dir: string }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'otp-ts-bench-tcp-'));
  const sources = ['bench_beam', 'bench_counter', 'bench_tcp'].map((m) =>
    path.join(here, 'beam', `${m}.erl`),
  );
  const compiled = spawnSync('erlc', ['-o', dir, ...sources], { encoding: 'utf8' });
  if (compiled.status !== 0) {
    throw new Error(`bench: erlc failed: ${compiled.stdout}${compiled.stderr}${compiled.error}`);
  }
  const node = spawn(
    'erl',
    [
      '+S',
      '1:1',
      // It idles through the otp-ts ↔ otp-ts cases, which alternate with its own: its
      // scheduler must not spin (busy-wait) there, on one of the machine's two cores.
      '+sbwt',
      'none',
      '+sbwtdcpu',
      'none',
      '+sbwtdio',
      'none',
      '-sname',
      BEAM,
      '-setcookie',
      COOKIE,
      '-start_epmd',
      'false',
      '-epmd_port',
      String(epmd),
      '-noshell',
      '-pa',
      dir,
      '-eval',
      'bench_tcp:serve()',
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await lineFrom(node, 'ready');
  return { node, dir };
}

/** A raw echo server in another Node.js process: the ceiling of a round trip over loopback. */
async function startEcho(): Promise<{ child: ChildProcess; port: number }> {
  const code = `
    const net = require('node:net');
    const server = net.createServer((s) => { s.setNoDelay(true); s.pipe(s); });
    server.listen(0, '127.0.0.1', () => console.log('port ' + server.address().port));
    process.stdin.resume();
    process.stdin.on('end', () => process.exit(0));`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['pipe', 'pipe', 'inherit'] });
  const line = await lineFrom(child, 'port ');
  return { child, port: Number(line.slice(5)) };
}

// ── sequential calls ──
async function calls(rt: Runtime, node: string, request: unknown, scale: number): Promise<Sample> {
  const n = Math.max(1, Math.round(CALLS * scale));
  const dest = { name: 'counter', node };
  const latencies = new Float64Array(n);
  const t0 = now();
  for (let i = 0; i < n; i++) {
    const t = now();
    await GenServer.call(rt, dest, request);
    latencies[i] = now() - t;
  }
  const t1 = now();
  latencies.sort();
  return {
    value: n / ((t1 - t0) / 1000),
    p50: percentile(latencies, 50) * 1000,
    p99: percentile(latencies, 99) * 1000,
  };
}

async function rawPingPong(port: number, scale: number): Promise<Sample> {
  const n = Math.max(1, Math.round(CALLS * scale));
  const socket: Socket = tcpConnect(port, '127.0.0.1');
  socket.setNoDelay(true);
  await once(socket, 'connect');
  const ping = Buffer.alloc(8);
  let got = 0;
  let wake: () => void = () => {};
  socket.on('data', (chunk) => {
    got += chunk.length;
    if (got >= 8) {
      got -= 8;
      wake();
    }
  });
  const latencies = new Float64Array(n);
  const t0 = now();
  for (let i = 0; i < n; i++) {
    const t = now();
    const back = new Promise<void>((resolve) => {
      wake = resolve;
    });
    socket.write(ping);
    await back;
    latencies[i] = now() - t;
  }
  const t1 = now();
  socket.destroy();
  latencies.sort();
  return { value: n / ((t1 - t0) / 1000), p50: percentile(latencies, 50) * 1000 };
}

// ── casts ──
async function casts(
  rt: Runtime,
  node: string,
  get: unknown,
  inc: unknown,
  scale: number,
): Promise<Sample> {
  const n = Math.max(1, Math.round(CASTS * scale));
  const dest = { name: 'counter', node };
  const before = await GenServer.call<number>(rt, dest, get);
  const t0 = now();
  for (let i = 0; i < n; i++) {
    GenServer.cast(rt, dest, inc);
    if ((i & 1023) === 1023) await tick();
  }
  const after = await GenServer.call<number>(rt, dest, get);
  const t1 = now();
  check(after - before === n, `the other node counted every cast (${after - before} of ${n})`);
  return { value: n / ((t1 - t0) / 1000) };
}

// ── concurrent callers ──
async function concurrent(
  rt: Runtime,
  node: string,
  request: unknown,
  scale: number,
): Promise<Sample> {
  const callers = Math.max(1, Math.round(CALLERS * scale));
  const dest = { name: 'counter', node };
  const t0 = now();
  const exits: Promise<unknown>[] = [];
  for (let c = 0; c < callers; c++) {
    const pid: Pid = rt.spawn(async (self) => {
      for (let i = 0; i < CALLS_PER_CALLER; i++) await GenServer.call(self, dest, request);
    });
    exits.push(rt.awaitExit(pid));
  }
  const reasons = await Promise.all(exits);
  const t1 = now();
  check(
    reasons.every((r) => r === 'normal'),
    'every caller finished',
  );
  return { value: (callers * CALLS_PER_CALLER) / ((t1 - t0) / 1000) };
}

main(async () => {
  const epmd = await freePort();
  const rt = new Runtime({ logger: false, node: 'bench@localhost' });
  // No epmd answers on that free port: otp-ts starts its port mapper there, detached,
  // and this benchmark stops it at the end.
  await rt.startDistribution({ cookie: COOKIE, epmd });
  const peer = await startPeer(epmd);
  const echo = await startEcho();
  const beam = withBeam ? await startBeam(epmd) : undefined;
  try {
    check(await rt.connect(PEER), `${PEER} is reachable`);
    if (beam !== undefined) check(await rt.connect(BEAM), `${BEAM} is reachable`);
    const [get, inc] = [Symbol.for('get'), Symbol.for('inc')];
    const toBeam = beam !== undefined;

    const callCases: Record<string, (scale: number) => Promise<Sample>> = {
      otp: (s) => calls(rt, PEER, 'get', s),
      raw: (s) => rawPingPong(echo.port, s),
    };
    if (toBeam) callCases.beam = (s) => calls(rt, BEAM, get, s);
    const callRuns = await compare(REPS, 'higher', callCases);

    const castCases: Record<string, (scale: number) => Promise<Sample>> = {
      otp: (s) => casts(rt, PEER, 'get', 'inc', s),
    };
    if (toBeam) castCases.beam = (s) => casts(rt, BEAM, get, inc, s);
    const castRuns = await compare(REPS, 'higher', castCases);

    const concurrentCases: Record<string, (scale: number) => Promise<Sample>> = {
      otp: (s) => concurrent(rt, PEER, 'get', s),
    };
    if (toBeam) concurrentCases.beam = (s) => concurrent(rt, BEAM, get, s);
    const concurrentRuns = await compare(REPS, 'higher', concurrentCases);

    const beamTarget = (op: '>=' | '<=') => ({ kind: 'beam' as const, op, value: 1 });
    const figures: Figure[] = [
      {
        metric: 'sequential calls to a node over TCP',
        unit: 'calls/s',
        better: 'higher',
        otp: callRuns.otp!.value,
        baseline: null,
        limit: callRuns.raw!.value,
        beam: 'calls',
        target: beamTarget('>='),
        note: 'limit: raw 8-byte ping-pong between two Node.js processes over loopback',
      },
      {
        metric: 'p50 latency of a call over TCP',
        unit: 'µs',
        better: 'lower',
        otp: callRuns.otp!.p50!,
        baseline: null,
        limit: callRuns.raw!.p50!,
        beam: 'p50',
        target: beamTarget('<='),
      },
      {
        metric: `casts to a node over TCP (${CASTS}, then a call)`,
        unit: 'msg/s',
        better: 'higher',
        otp: castRuns.otp!.value,
        baseline: null,
        beam: 'casts',
        target: beamTarget('>='),
      },
      {
        metric: `${CALLERS} concurrent callers to a node over TCP`,
        unit: 'calls/s',
        better: 'higher',
        otp: concurrentRuns.otp!.value,
        baseline: null,
        beam: 'concurrent',
        target: beamTarget('>='),
      },
    ];
    if (toBeam) {
      const note = 'otp-ts node calling a gen_server on a BEAM node; BEAM column: BEAM → BEAM';
      figures.push(
        {
          metric: 'otp-ts → BEAM: sequential calls',
          unit: 'calls/s',
          better: 'higher',
          otp: callRuns.beam!.value,
          baseline: null,
          beam: 'calls',
          note,
        },
        {
          metric: 'otp-ts → BEAM: p50 latency of a call',
          unit: 'µs',
          better: 'lower',
          otp: callRuns.beam!.p50!,
          baseline: null,
          beam: 'p50',
          note,
        },
        {
          metric: `otp-ts → BEAM: casts (${CASTS}, then a call)`,
          unit: 'msg/s',
          better: 'higher',
          otp: castRuns.beam!.value,
          baseline: null,
          beam: 'casts',
          note,
        },
        {
          metric: `otp-ts → BEAM: ${CALLERS} concurrent callers`,
          unit: 'calls/s',
          better: 'higher',
          otp: concurrentRuns.beam!.value,
          baseline: null,
          beam: 'concurrent',
          note,
        },
      );
    }
    report('tcp', figures);
  } finally {
    await rt.shutdown();
    await stopPeer(peer);
    echo.child.stdin!.end();
    if (beam !== undefined) {
      beam.node.kill('SIGKILL');
      rmSync(beam.dir, { recursive: true, force: true });
    }
    await stopPortMapper(epmd);
  }
});

/**
 * Stops the port mapper this benchmark started. It refuses while a name is registered,
 * and the nodes' registrations end as their connections close: ask again a few times.
 */
async function stopPortMapper(port: number): Promise<void> {
  const limit = Date.now() + 5_000;
  while (Date.now() < limit) {
    // Each round waits on the port mapper's answer.
    if (await killPortMapper({ port }).catch(() => true)) return;
  }
  process.stderr.write(`bench: the port mapper on port ${port} would not stop\n`);
}
