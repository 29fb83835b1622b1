/**
 * The package as users get it: `npm pack`, then a fresh project outside the repository
 * installs the tarball (offline: its dependencies come from the local npm cache) and
 * uses it from an ES module, from a CommonJS module, and from TypeScript with
 * `moduleResolution` `node16` and `bundler`. Nothing here reaches the network.
 *
 * The tarball is built from dist/. When dist/ is missing or older than the sources,
 * `npm pack` runs the `prepack` script, which builds it; otherwise (as in CI, which
 * builds first) it packs what is there.
 */
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killPortMapper, listNames } from '../../src/dist/tcp/epmd.js';
import { freePort } from '../helpers.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** What dist/ is built from: a change to any of these makes it stale. */
const BUILD_INPUTS = [
  'src',
  'package.json',
  'tsconfig.json',
  'tsconfig.build.json',
  'tsup.config.ts',
  'scripts/strip-internal.ts',
];
const BUILD_OUTPUTS = [
  'epmd-daemon.js',
  'epmd-daemon.cjs',
  'index.js',
  'index.cjs',
  'index.d.ts',
  'index.d.cts',
  'observer.js',
  'observer.cjs',
  'observer.d.ts',
  'observer.d.cts',
  'testing.js',
  'testing.cjs',
  'testing.d.ts',
  'testing.d.cts',
];
const RUNTIME_DEPENDENCIES = ['eventemitter3', 'nanoid'];

function installedVersion(dep: string): string {
  const manifest = JSON.parse(
    readFileSync(join(root, 'node_modules', dep, 'package.json'), 'utf8'),
  ) as { version: string };
  return manifest.version;
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command without the `npm_*` variables of an enclosing `npm test`, so that
 * npm in the temporary project does not pick up the repository's configuration.
 */
function run(command: string, args: string[], cwd: string, timeout = 60_000): Promise<Run> {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.toLowerCase().startsWith('npm_')),
  );
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { cwd, env, timeout, maxBuffer: 16 * 1024 * 1024, shell: process.platform === 'win32' },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

function check(what: string, result: Run): Run {
  if (result.code !== 0) {
    throw new Error(
      `${what} failed with code ${result.code}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`,
    );
  }
  return result;
}

function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

function distIsFresh(): boolean {
  const dist = join(root, 'dist');
  if (!BUILD_OUTPUTS.every((file) => existsSync(join(dist, file)))) return false;
  const built = Math.min(...BUILD_OUTPUTS.map((file) => statSync(join(dist, file)).mtimeMs));
  const inputs = BUILD_INPUTS.map((p) => join(root, p)).filter((p) => existsSync(p));
  return Math.max(...inputs.map(newestMtime)) <= built;
}

// ── What the consumer project holds ─────────────────────────────────────────────

const ESM_SCRIPT = `
import { fileURLToPath } from 'node:url';
import { GenServer, NoProcError, Runtime, reply } from 'otp-ts';
import { TestRuntime } from 'otp-ts/testing';

class Counter extends GenServer {
  init(start) { return start; }
  handleCall(request, _from, count) {
    if (request === 'increment') return reply(count + 1, count + 1);
    return reply(count, count);
  }
}

const rt = new Runtime({ logger: false });
await rt.start(Counter, 41, { name: 'counter' });
const value = await GenServer.call(rt, 'counter', 'increment');
const noproc = await GenServer.call(rt, 'nobody', 'x').catch((e) => e instanceof NoProcError);
const { startObserver } = await import('otp-ts/observer');
const observer = await startObserver(rt);
const page = await (await fetch(observer.url)).text();
await observer.close();
await rt.shutdown();

// otp-ts/testing shares the core of otp-ts: a TestRuntime runs the same GenServer class.
const test = new TestRuntime({ seed: 1 });
await test.start(Counter, 1, { name: 'counter' });
const late = GenServer.call(test, 'counter', 'increment', 100);
await test.advance(100);
const testing = { value: await late, isRuntime: test instanceof Runtime, now: test.now() };
await test.shutdown();
console.log(JSON.stringify({
  value,
  noproc,
  testing,
  entry: fileURLToPath(import.meta.resolve('otp-ts')),
  testingEntry: fileURLToPath(import.meta.resolve('otp-ts/testing')),
  observer: fileURLToPath(import.meta.resolve('otp-ts/observer')),
  page: page.includes('otp-ts observer'),
}));
`;

const CJS_SCRIPT = `
const { GenServer, NoProcError, Runtime, reply } = require('otp-ts');
const { TestRuntime } = require('otp-ts/testing');

class Counter extends GenServer {
  init(start) { return start; }
  handleCall(request, _from, count) {
    if (request === 'increment') return reply(count + 1, count + 1);
    return reply(count, count);
  }
}

(async () => {
  const rt = new Runtime({ logger: false });
  await rt.start(Counter, 41, { name: 'counter' });
  const value = await GenServer.call(rt, 'counter', 'increment');
  const noproc = await GenServer.call(rt, 'nobody', 'x').catch((e) => e instanceof NoProcError);
  const { startObserver } = require('otp-ts/observer');
  const observer = await startObserver(rt);
  const page = await (await fetch(observer.url)).text();
  await observer.close();
  await rt.shutdown();
  const test = new TestRuntime({ seed: 1 });
  await test.start(Counter, 1, { name: 'counter' });
  const late = GenServer.call(test, 'counter', 'increment', 100);
  await test.advance(100);
  const testing = { value: await late, isRuntime: test instanceof Runtime, now: test.now() };
  await test.shutdown();
  console.log(JSON.stringify({
    value,
    noproc,
    testing,
    entry: require.resolve('otp-ts'),
    testingEntry: require.resolve('otp-ts/testing'),
    observer: require.resolve('otp-ts/observer'),
    page: page.includes('otp-ts observer'),
  }));
})().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
`;

/** A peer's entry, in plain JavaScript: the peer runs the installed bundle. */
const PEER_ENTRY_ESM = `
import { GenServer, reply } from 'otp-ts';
class Square extends GenServer {
  init() { return null; }
  handleCall(n, _from, state) { return reply(n * n, state); }
}
export default async function boot(rt) {
  await rt.start(Square, undefined, { name: 'square' });
}
`;

const PEER_ESM_SCRIPT = `
import { GenServer, Runtime } from 'otp-ts';
const rt = new Runtime({ node: 'main@localhost', logger: false });
const peer = await rt.startPeer({ name: 'p1@localhost', entry: new URL('./peer-node.mjs', import.meta.url) });
const value = await GenServer.call(rt, { name: 'square', node: peer.node }, 7);
await rt.shutdown();
console.log(JSON.stringify({ value, nodes: rt.nodes() }));
`;

const PEER_ENTRY_CJS = `
const { GenServer, reply } = require('otp-ts');
class Square extends GenServer {
  init() { return null; }
  handleCall(n, _from, state) { return reply(n * n, state); }
}
module.exports = async function boot(rt) {
  await rt.start(Square, undefined, { name: 'square' });
};
`;

const PEER_CJS_SCRIPT = `
const { join } = require('node:path');
const { GenServer, Runtime } = require('otp-ts');
(async () => {
  const rt = new Runtime({ node: 'main@localhost', logger: false });
  const peer = await rt.startPeer({ name: 'p1@localhost', entry: join(__dirname, 'peer-node.cjs') });
  const value = await GenServer.call(rt, { name: 'square', node: peer.node }, 9);
  await rt.shutdown();
  console.log(JSON.stringify({ value }));
})().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
`;

/** A TypeScript consumer: it must type-check, and the `@ts-expect-error` lines must be errors. */
const TS_CONSUMER = `
import {
  type ChildSpec,
  type ExitReason,
  type From,
  GenServer,
  NoProcError,
  type Pid,
  Runtime,
  reply,
  Supervisor,
} from 'otp-ts';
import { type Observer, startObserver } from 'otp-ts/observer';
import { type Probe, TestRuntime } from 'otp-ts/testing';

class Counter extends GenServer<number, 'get' | 'increment', 'reset'> {
  override init(start: number): number {
    return start;
  }
  override handleCall(request: 'get' | 'increment', _from: From, count: number) {
    return request === 'increment' ? reply(count + 1, count + 1) : reply(count, count);
  }
  override handleCast(_request: 'reset', _count: number): number {
    return 0;
  }
}

export async function main(): Promise<number> {
  const rt = new Runtime({ logger: false });
  const child: ChildSpec = { id: 'counter', start: [Counter, 41, { name: 'counter' }] };
  await rt.start(Supervisor, { children: [child], strategy: 'one_for_one' });
  GenServer.cast(rt, 'counter', 'reset');
  const value = await GenServer.call<number>(rt, 'counter', 'increment');
  // @ts-expect-error Counter's init takes a number
  await rt.start(Counter, 'not a number').catch(() => undefined);
  // @ts-expect-error internal members are stripped from the declarations
  rt.scheduler;
  // Events, typed through the runtime's emitter class, which the declarations keep.
  const exits: string[] = [];
  const onExit = (pid: Pid, reason: ExitReason): void => void exits.push(\`\${pid} \${String(reason)}\`);
  rt.on('exit', onExit).off('exit', onExit);
  // @ts-expect-error an 'exit' listener gets a pid, not a number
  rt.on('exit', (pid: number) => pid);
  const error: unknown = await GenServer.call(rt, 'nobody', 'x').catch((e: unknown) => e);
  // The observer takes the Runtime of 'otp-ts': one class in both entries' declarations.
  const observer: Observer = await startObserver(rt, { port: 0 });
  // @ts-expect-error the observer takes a Runtime
  await startObserver({}).catch(() => undefined);
  await observer.close();
  await rt.shutdown();
  return error instanceof NoProcError ? value : -1;
}

export async function withTestRuntime(): Promise<number> {
  // A TestRuntime is a Runtime of the same declaration: GenServer.call takes it.
  const rt: Runtime = new TestRuntime({ seed: 1 });
  const test = rt as TestRuntime;
  const pid = await test.start(Counter, 1);
  const probe: Probe = test.probe();
  await probe.expectNoMessage(10);
  // @ts-expect-error the seed is read-only
  test.seed = 2;
  const value = await GenServer.call<number>(rt, pid, 'get');
  await test.shutdown();
  return value + test.now();
}
`;

const TSCONFIG_BASE = {
  strict: true,
  noEmit: true,
  skipLibCheck: false,
  target: 'ES2022',
  lib: ['ES2022'],
  types: [],
};

const TSCONFIG_NODE16 = {
  compilerOptions: { ...TSCONFIG_BASE, module: 'node16', moduleResolution: 'node16' },
  // One consumer of each format: .mts resolves `import` (index.d.ts), .cts `require` (index.d.cts).
  files: ['consumer.mts', 'consumer.cts'],
};

const TSCONFIG_BUNDLER = {
  compilerOptions: { ...TSCONFIG_BASE, module: 'esnext', moduleResolution: 'bundler' },
  files: ['consumer.ts'],
};

// ── The test ─────────────────────────────────────────────────────────────────────

let work: string;
let project: string;
let tarball: string;
let installedBy: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'otp-ts-package-'));
  project = join(work, 'consumer');
  mkdirSync(project);

  const fresh = distIsFresh();
  check(
    'npm pack',
    await run(
      npm,
      ['pack', '--pack-destination', work, ...(fresh ? ['--ignore-scripts'] : [])],
      root,
      120_000,
    ),
  );
  const packed = readdirSync(work).filter((f) => f.endsWith('.tgz'));
  expect(packed).toHaveLength(1);
  tarball = join(work, packed[0]!);

  await writeFile(
    join(project, 'package.json'),
    `${JSON.stringify({ name: 'otp-ts-consumer', version: '1.0.0', private: true }, null, 2)}\n`,
  );
  // Offline, npm takes the newest version its cached metadata knows, whose tarball may
  // not be cached: name the versions the repository installed (so they are in the
  // cache) beside the tarball. They must satisfy the package's own ranges, or npm
  // would try to fetch another version and fail.
  const deps = RUNTIME_DEPENDENCIES.map((dep) => `${dep}@${installedVersion(dep)}`);
  const install = await run(
    npm,
    [
      'install',
      '--offline',
      '--no-audit',
      '--no-fund',
      '--ignore-scripts',
      '--loglevel=error',
      '--prefix',
      project,
      tarball,
      ...deps,
    ],
    project,
  );
  if (install.code === 0) {
    installedBy = 'npm install --offline';
  } else if (/ENOTCACHED/.test(install.stdout + install.stderr)) {
    // The npm cache lacks a dependency (the repository was installed some other way):
    // install by hand, the package from its tarball and its dependencies from the
    // repository's node_modules, which is what npm would have put there.
    const target = join(project, 'node_modules', 'otp-ts');
    mkdirSync(target, { recursive: true });
    check('tar', await run('tar', ['-xzf', tarball, '-C', target, '--strip-components=1'], work));
    for (const dep of RUNTIME_DEPENDENCIES) {
      cpSync(join(root, 'node_modules', dep), join(project, 'node_modules', dep), {
        recursive: true,
      });
    }
    installedBy = 'tar and a copy of the dependencies (the npm cache lacks them)';
    console.warn(`package test: installed by ${installedBy}`);
  } else {
    check('npm install of the tarball', install);
  }

  await Promise.all([
    writeFile(join(project, 'esm.mjs'), ESM_SCRIPT),
    writeFile(join(project, 'cjs.cjs'), CJS_SCRIPT),
    writeFile(join(project, 'peer-node.mjs'), PEER_ENTRY_ESM),
    writeFile(join(project, 'peer.mjs'), PEER_ESM_SCRIPT),
    writeFile(join(project, 'peer-node.cjs'), PEER_ENTRY_CJS),
    writeFile(join(project, 'peer.cjs'), PEER_CJS_SCRIPT),
    writeFile(join(project, 'consumer.mts'), TS_CONSUMER),
    writeFile(join(project, 'consumer.cts'), TS_CONSUMER),
    writeFile(join(project, 'consumer.ts'), TS_CONSUMER),
    writeFile(join(project, 'tsconfig.node16.json'), JSON.stringify(TSCONFIG_NODE16, null, 2)),
    writeFile(join(project, 'tsconfig.bundler.json'), JSON.stringify(TSCONFIG_BUNDLER, null, 2)),
  ]);
}, 180_000);

afterAll(() => {
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
});

describe('npm pack', () => {
  it('ships dist, its sources, the README, the LICENSE and the CHANGELOG, and nothing else', async () => {
    const { stdout } = check('tar', await run('tar', ['-tzf', tarball], work));
    const files = stdout.split('\n').filter((line) => line !== '');
    const unexpected = files.filter(
      (file) =>
        !/^package\/(package\.json|README\.md|LICENSE|CHANGELOG\.md|dist\/(index|observer|testing|chunk-[\w-]+|[a-z-]+-[\w-]{8})\.(js|cjs|d\.ts|d\.cts)(\.map)?|dist\/epmd-daemon\.c?js(\.map)?|src\/[a-z/-]+\.ts)$/.test(
          file,
        ),
    );
    expect(unexpected).toEqual([]);
    for (const file of ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'dist/index.js'])
      expect(files).toContain(`package/${file}`);
    for (const file of ['dist/index.cjs', 'dist/index.d.ts', 'dist/index.d.cts'])
      expect(files).toContain(`package/${file}`);
    for (const file of BUILD_OUTPUTS.filter((f) => f.startsWith('observer')))
      expect(files).toContain(`package/dist/${file}`);
    for (const ext of ['js', 'cjs', 'd.ts', 'd.cts'])
      expect(files).toContain(`package/dist/testing.${ext}`);
    // The epmd daemon's program, which a node runs from beside its own code.
    for (const ext of ['js', 'cjs']) expect(files).toContain(`package/dist/epmd-daemon.${ext}`);
  });

  it('installs into a fresh project outside the repository, offline', () => {
    expect(project.startsWith(root)).toBe(false);
    expect(installedBy).toBeDefined();
    for (const dep of ['otp-ts', ...RUNTIME_DEPENDENCIES])
      expect(existsSync(join(project, 'node_modules', dep, 'package.json'))).toBe(true);
    // The install above names the dependencies: a new one must be added to the list.
    const manifest = JSON.parse(
      readFileSync(join(project, 'node_modules', 'otp-ts', 'package.json'), 'utf8'),
    ) as { dependencies?: Record<string, string> };
    expect(Object.keys(manifest.dependencies ?? {}).sort()).toEqual(RUNTIME_DEPENDENCIES);
  });

  it('has source maps whose every source is a file it ships', () => {
    const dist = join(project, 'node_modules', 'otp-ts', 'dist');
    const maps = readdirSync(dist).filter((file) => file.endsWith('.map'));
    expect(maps).toEqual(
      expect.arrayContaining([
        'testing.js.map',
        'testing.cjs.map',
        'observer.js.map',
        'observer.cjs.map',
      ]),
    );
    const shipped = new Set<string>();
    for (const map of maps) {
      const { sources } = JSON.parse(readFileSync(join(dist, map), 'utf8')) as {
        sources: string[];
      };
      // The CommonJS bundle inlines nanoid (see tsup.config.ts); its sources stay embedded
      // in the map's sourcesContent, as they are not ours to ship.
      const ours = sources.filter((source) => !source.includes('node_modules'));
      expect(ours.length, map).toBeGreaterThan(0);
      for (const source of ours) {
        expect(existsSync(join(dist, source)), `${map}: ${source}`).toBe(true);
        if (source.startsWith('../src/')) shipped.add(source);
      }
    }
    // Between them, the maps point at the sources of the whole library.
    expect(shipped.size).toBeGreaterThan(50);
  });
});

describe('the installed package', () => {
  it("is imported from an ES module, which makes a GenServer call, on a Runtime and on otp-ts/testing's TestRuntime", async () => {
    const { stdout } = check('node esm.mjs', await run(process.execPath, ['esm.mjs'], project));
    const out = JSON.parse(stdout);
    expect(out.value).toBe(42);
    expect(out.noproc).toBe(true);
    expect(out.entry).toBe(join(project, 'node_modules', 'otp-ts', 'dist', 'index.js'));
    expect(out.testing).toEqual({ value: 2, isRuntime: true, now: 100 });
    expect(out.testingEntry).toBe(join(project, 'node_modules', 'otp-ts', 'dist', 'testing.js'));
    expect(out.observer).toBe(join(project, 'node_modules', 'otp-ts', 'dist', 'observer.js'));
    expect(out.page).toBe(true);
  });

  it("is required from a CommonJS module, which makes a GenServer call, on a Runtime and on otp-ts/testing's TestRuntime", async () => {
    const { stdout } = check('node cjs.cjs', await run(process.execPath, ['cjs.cjs'], project));
    const out = JSON.parse(stdout);
    expect(out.value).toBe(42);
    expect(out.noproc).toBe(true);
    expect(out.entry).toBe(join(project, 'node_modules', 'otp-ts', 'dist', 'index.cjs'));
    expect(out.testing).toEqual({ value: 2, isRuntime: true, now: 100 });
    expect(out.testingEntry).toBe(join(project, 'node_modules', 'otp-ts', 'dist', 'testing.cjs'));
    expect(out.observer).toBe(join(project, 'node_modules', 'otp-ts', 'dist', 'observer.cjs'));
    expect(out.page).toBe(true);
  });

  it('starts a peer on a worker thread from an ES module, and exits by itself', async () => {
    const { stdout } = check('node peer.mjs', await run(process.execPath, ['peer.mjs'], project));
    expect(JSON.parse(stdout)).toEqual({ value: 49, nodes: [] });
  });

  it('starts a peer on a worker thread from a CommonJS module', async () => {
    const { stdout } = check('node peer.cjs', await run(process.execPath, ['peer.cjs'], project));
    expect(JSON.parse(stdout)).toEqual({ value: 81 });
  });

  it('type-checks a TypeScript consumer with moduleResolution node16 (ESM and CommonJS)', async () => {
    check(
      'tsc -p tsconfig.node16.json',
      await run(process.execPath, [tsc, '-p', 'tsconfig.node16.json'], project),
    );
  });

  it('type-checks a TypeScript consumer with moduleResolution bundler', async () => {
    check(
      'tsc -p tsconfig.bundler.json',
      await run(process.execPath, [tsc, '-p', 'tsconfig.bundler.json'], project),
    );
  });

  it("runs the epmd daemon's program from its ES module and its CommonJS file, which answer as epmd and stop on KILL_REQ", async () => {
    for (const file of ['epmd-daemon.js', 'epmd-daemon.cjs']) {
      const port = await freePort();
      const daemon = spawn(
        process.execPath,
        [join(project, 'node_modules', 'otp-ts', 'dist', file), String(port), '127.0.0.1'],
        { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] },
      );
      const exited = once(daemon, 'exit');
      const [report] = (await once(daemon, 'message')) as [unknown];
      expect(report, file).toEqual({ t: 'listening', port });
      expect(await listNames({ port }), file).toEqual({ port, names: [] });
      expect(await killPortMapper({ port }), file).toBe(true);
      expect(await exited, file).toEqual([0, null]);
    }
  });

  it('has no @internal member in its declarations', () => {
    const dist = join(project, 'node_modules', 'otp-ts', 'dist');
    const declarations = readdirSync(dist).filter((f) => /\.d\.c?ts$/.test(f));
    expect(declarations).toEqual(
      expect.arrayContaining(['testing.d.ts', 'testing.d.cts', 'observer.d.ts', 'observer.d.cts']),
    );
    for (const file of declarations) {
      const text = readFileSync(join(project, 'node_modules', 'otp-ts', 'dist', file), 'utf8');
      expect(text).not.toContain('@internal');
      expect(text).not.toMatch(/\bspawnProcess\b|\bemitSafely\b|\bdeliver\(/);
    }
  });
});
