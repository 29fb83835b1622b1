import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { type AddressInfo, createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ensurePortMapper } from '../../../src/dist/tcp/ensure-port-mapper.js';
import {
  EpmdError,
  killPortMapper,
  listNames,
  lookupNode,
  PortMapper,
  registerNode,
} from '../../../src/dist/tcp/epmd.js';
import { freePort } from '../../helpers.js';

// Every daemon these tests start listens on a free loopback port, never on 4369, where a
// real epmd may run. Each test stops what it started; afterEach stops whatever a failed
// test left behind, so that no daemon outlives the run.
const ports: number[] = [];
afterEach(async () => {
  await Promise.all(ports.splice(0).map((port) => killPortMapper({ port }).catch(() => false)));
});

async function port(): Promise<number> {
  const p = await freePort();
  ports.push(p);
  return p;
}

const LOADER = new URL('../../../scripts/peer-register.mjs', import.meta.url).href;
const STARTER = fileURLToPath(new URL('../fixtures/epmd-starter.ts', import.meta.url));

/** Runs the starter in a Node.js process of its own, from the sources; resolves what it printed. */
function runStarter(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', LOADER, STARTER, String(port)],
      { timeout: 15_000 },
      (error, stdout, stderr) => (error === null ? resolve(stdout) : reject(new Error(stderr))),
    );
  });
}

/**
 * Asks the port until `done` says yes: where a daemon of another process acts, nothing
 * but its answers can tell when it has, so each round waits on one (no sleep between).
 * Bounded, so a test fails rather than hangs.
 */
async function until(what: string, done: () => Promise<boolean>): Promise<void> {
  const limit = Date.now() + 10_000;
  while (!(await done())) {
    if (Date.now() > limit) throw new Error(`gave up waiting until ${what}`);
  }
}

const isClosed = (port: number) => () =>
  listNames({ port }).then(
    () => false,
    (error: unknown) => error instanceof EpmdError && error.refused,
  );

const entry = (name: string, port: number) => ({
  name,
  port,
  hidden: true,
  highestVersion: 6,
  lowestVersion: 6,
});

describe('ensurePortMapper', () => {
  it('starts a daemon that outlives the process that started it, serves names, and stops on KILL_REQ', async () => {
    const p = await port();
    // The starter's process exits by itself: the daemon does not hold it.
    expect(await runStarter(p)).toBe('"started"');

    const { socket } = await registerNode(entry('alpha', 41234), { port: p });
    expect(await lookupNode('alpha', { port: p })).toEqual(entry('alpha', 41234));
    expect(await listNames({ port: p })).toEqual({
      port: p,
      names: [{ name: 'alpha', port: 41234 }],
    });
    // As epmd, it refuses to die while a node is registered.
    expect(await killPortMapper({ port: p })).toBe(false);

    socket.destroy();
    await until(
      'the name is released',
      async () => (await listNames({ port: p })).names.length === 0,
    );
    expect(await killPortMapper({ port: p })).toBe(true);
    await until('the port is closed', isClosed(p));
  });

  it('resolves found, and starts nothing, when an epmd answers already', async () => {
    const mapper = new PortMapper();
    const p = await mapper.listen(0);
    try {
      expect(await ensurePortMapper({ port: p })).toBe('found');
      // The only epmd there is the one of this test: closing it closes the port.
      await mapper.close();
      expect(await isClosed(p)()).toBe(true);
    } finally {
      await mapper.close();
    }
  });

  it('starts one daemon when two calls find none at once: one resolves started, the other found', async () => {
    const p = await port();
    const outcomes = await Promise.all([
      ensurePortMapper({ port: p }),
      ensurePortMapper({ port: p }),
    ]);
    expect(outcomes.sort()).toEqual(['found', 'started']);
    const { socket } = await registerNode(entry('beta', 41235), { port: p });
    expect(await lookupNode('beta', { port: p })).toEqual(entry('beta', 41235));
    socket.destroy();
    await until(
      'the name is released',
      async () => (await listNames({ port: p })).names.length === 0,
    );
    // One KILL_REQ leaves nothing listening: the other daemon gave up when it lost.
    expect(await killPortMapper({ port: p })).toBe(true);
    await until('the port is closed', isClosed(p));
    expect(await ensurePortMapper({ port: p })).toBe('started');
  });

  it('rejects with an EpmdError when something other than an epmd holds the port', async () => {
    const server = createServer((socket) => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port: p } = server.address() as AddressInfo;
    try {
      const error = await ensurePortMapper({ port: p }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(EpmdError);
      expect((error as EpmdError).message).toBe(
        `no epmd answers at 127.0.0.1:${p}, and none can be started there: a NAMES_RESP line that names no node, "/1.1 400 Bad Request\\r": is this an epmd?`,
      );
    } finally {
      server.close();
    }
  });

  it('rejects with an EpmdError when the daemon does not listen in time', async () => {
    const p = await port();
    const error = await ensurePortMapper({ port: p }, { timeout: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EpmdError);
    expect((error as EpmdError).message).toMatch(
      new RegExp(
        `^the epmd daemon did not listen on 127\\.0\\.0\\.1:${p} in time; run it by hand to see why: .*epmd-daemon\\.ts ${p} 127\\.0\\.0\\.1$`,
      ),
    );
  });
});
