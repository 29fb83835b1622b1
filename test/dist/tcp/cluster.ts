// Nodes in OS processes of their own for the TCP carrier's tests, found through a
// port mapper of the test's own (on a free port: never a real epmd's).
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { PortMapper } from '../../../src/dist/tcp/epmd.js';
import type { Runtime } from '../../../src/index.js';
import { makeRuntime } from '../../helpers.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/tcp-node.ts', import.meta.url));
const REGISTER = fileURLToPath(new URL('../../../scripts/peer-register.mjs', import.meta.url));

export const COOKIE = 'tcp-test-cookie';

let mapper: PortMapper;
/** The port of the tests' port mapper. */
export let epmd = 0;
const children = new Set<ChildProcess>();

/** Starts the tests' port mapper, and kills every node process a test left. */
export function useCluster(): void {
  beforeAll(async () => {
    mapper = new PortMapper();
    epmd = await mapper.listen(0);
  });
  afterEach(async () => {
    await Promise.all([...children].map((child) => killNode(child)));
  });
  afterAll(async () => {
    await mapper.close();
  });
}

let next = 1;
/** A fresh node name. */
export function nodeName(prefix: string): string {
  return `${prefix}${process.pid}x${next++}@localhost`;
}

/** A distributed main node (shut down after the test). */
export async function mainNode(
  opts: { tickTime?: number } = {},
): Promise<Runtime & { log: { text(): string } }> {
  const rt = makeRuntime({ node: nodeName('main') });
  await rt.startDistribution({ cookie: COOKIE, epmd, ...opts });
  return rt;
}

/**
 * A node in an OS process of its own, running the echo fixture. With `parent`, it
 * connects to that node once booted, and this resolves when `parent` sees it come up.
 */
export async function startNode(
  opts: { parent?: Runtime; cookie?: string; node?: string; arg?: unknown } = {},
): Promise<{ node: string; child: ChildProcess }> {
  const node = opts.node ?? nodeName('peer');
  const up =
    opts.parent === undefined
      ? undefined
      : new Promise<void>((resolve) => {
          const onUp = (n: string) => {
            if (n !== node) return;
            opts.parent!.off('nodeup', onUp);
            resolve();
          };
          opts.parent!.on('nodeup', onUp);
        });
  const child = spawn(
    process.execPath,
    [
      '--import',
      REGISTER,
      FIXTURE,
      JSON.stringify({
        node,
        cookie: opts.cookie ?? COOKIE,
        epmd,
        parent: opts.parent?.node,
        arg: opts.arg,
      }),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.add(child);
  let output = '';
  child.stdout!.on('data', (d) => (output += String(d)));
  child.stderr!.on('data', (d) => (output += String(d)));
  const booted = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', () => {
      if (output.includes('booted')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`node ${node} exited (${code}): ${output}`)));
  });
  await booted;
  await up;
  return { node, child };
}

/** Kills a node's OS process, as a machine that fails. */
export async function killNode(child: ChildProcess): Promise<void> {
  children.delete(child);
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}
