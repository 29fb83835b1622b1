import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { decodeTerms } from '../../src/dist/etf/decode.js';
import { encodeTerm } from '../../src/dist/etf/encode.js';
import { type PidCodec, Tuple, type WirePid } from '../../src/dist/etf/terms.js';
import { ensurePortMapper } from '../../src/dist/tcp/ensure-port-mapper.js';
import {
  killPortMapper,
  listNames,
  lookupNode,
  PortMapper,
  registerNode,
} from '../../src/dist/tcp/epmd.js';
import { FrameReader, frame } from '../../src/dist/tcp/frames.js';
import {
  acceptHandshake,
  HandshakeError,
  initiateHandshake,
  OUR_FLAGS,
} from '../../src/dist/tcp/handshake.js';
import { TcpLink } from '../../src/dist/tcp/link.js';
import { freePort } from '../helpers.js';
import { ErlNode, ensureEpmd, erlEval } from './erlang.js';

const COOKIE = 'interop-cookie';
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const clean of cleanups.splice(0).reverse()) await clean();
});

beforeAll(async () => {
  await ensureEpmd();
});

/** A codec whose own pids are plain wire records (this test has no node layer). */
const codec: PidCodec = {
  pidOf: (v) => (typeof v === 'object' && v !== null && 'serial' in v ? (v as WirePid) : undefined),
  refOf: () => undefined,
  pid: (wire) => wire,
  ref: (wire) => wire,
};

async function listener(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(() => server.close());
  return { server, port: (server.address() as { port: number }).port };
}

function erlNode(name: string, code: string, cookie = COOKIE, env: string[] = []): ErlNode {
  const node = new ErlNode([...env, '-name', `${name}@127.0.0.1`, '-setcookie', cookie], code);
  cleanups.push(() => node.stop());
  return node;
}

describe('epmd', () => {
  it("registers an otp-ts node with Erlang's epmd, which lists it", async () => {
    const { port } = await listener();
    const { socket } = await registerNode({
      name: 'interop_js',
      port,
      hidden: true,
      highestVersion: 6,
      lowestVersion: 6,
    });
    cleanups.push(() => socket.destroy());
    expect(await lookupNode('interop_js')).toMatchObject({ port, hidden: true });
    expect(await erlEval('{ok, Names} = erl_epmd:names(), io:format("~p", [Names])')).toMatch(
      `{"interop_js",${port}}`,
    );
  });

  it("serves an Erlang node that registers with otp-ts's port mapper instead", async () => {
    const mapper = new PortMapper();
    const port = await mapper.listen(0);
    cleanups.push(() => mapper.close());
    const registered = once(mapper, 'register');
    // ERL_EPMD_PORT points erl at another port mapper than the host's epmd.
    const node = spawn(
      'erl',
      ['-sname', 'mapped', '-noshell', '-eval', 'receive after infinity -> ok end.'],
      {
        env: { ...process.env, ERL_EPMD_PORT: String(port) },
        stdio: 'ignore',
      },
    );
    cleanups.push(() => node.kill('SIGKILL'));
    expect(await registered).toEqual(['mapped']);
    expect(await lookupNode('mapped', { port })).toMatchObject({ name: 'mapped', hidden: false });
  });
});

/** Runs Erlang's `epmd` program as a client (`-names`, `-kill`); resolves its exit code and output. */
function epmdCommand(args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile('epmd', args, { timeout: 30_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({ code, out: stdout + stderr });
    });
  });
}

describe("otp-ts's epmd daemon and Erlang's epmd program", () => {
  it('lists the names registered with `epmd -names`, refuses `epmd -kill` while one is, then obeys it', async () => {
    const port = await freePort();
    expect(await ensurePortMapper({ port })).toBe('started');
    // Whatever happens below, the daemon must not outlive the suite.
    cleanups.push(() => killPortMapper({ port }).catch(() => false));
    const { socket } = await registerNode(
      { name: 'listed', port: 41234, hidden: true, highestVersion: 6, lowestVersion: 6 },
      { port },
    );
    const names = await epmdCommand(['-port', String(port), '-names']);
    expect(names).toEqual({
      code: 0,
      out: `epmd: up and running on port ${port} with data:\nname listed at port 41234\n`,
    });
    expect(await epmdCommand(['-port', String(port), '-kill'])).toEqual({
      code: 1,
      out: 'Killing not allowed - living nodes in database.\n',
    });
    socket.destroy();
    // Only the port tells when the daemon, another process, has seen the name go: each
    // round waits on its answer to NAMES.
    const limit = Date.now() + 10_000;
    while ((await listNames({ port })).names.length > 0) {
      if (Date.now() > limit) throw new Error('the daemon kept the name of a closed registration');
    }
    expect(await epmdCommand(['-port', String(port), '-kill'])).toEqual({
      code: 0,
      out: 'Killed\n',
    });
  });
});

describe('the handshake with an Erlang node', () => {
  it('accepts an Erlang node that connects to otp-ts', async () => {
    const { server, port } = await listener();
    const { creation, socket } = await registerNode({
      name: 'js_accept',
      port,
      hidden: true,
      highestVersion: 6,
      lowestVersion: 6,
    });
    cleanups.push(() => socket.destroy());
    const connected = once(server, 'connection') as Promise<[Socket]>;
    const erl = erlNode(
      'erl_connects',
      `io:format("connect ~p~n", [net_kernel:connect_node('js_accept@127.0.0.1')]), receive after infinity -> ok end.`,
    );
    const [incoming] = await connected;
    cleanups.push(() => incoming.destroy());
    const result = await acceptHandshake(incoming, {
      node: 'js_accept@127.0.0.1',
      cookie: COOKIE,
      creation,
      flags: OUR_FLAGS,
    });
    expect(result.node).toBe('erl_connects@127.0.0.1');
    expect(await erl.line(/^connect /)).toBe('connect true');
  });

  it('connects to an Erlang node, sends to a registered process and gets its answer', async () => {
    const erl = erlNode(
      'erl_echo',
      `register(echo, spawn(fun L() -> receive {From, M} -> From ! {echoed, M}, L() end end)), io:format("ready~n"), receive after infinity -> ok end.`,
    );
    await erl.line(/^ready$/);
    const entry = await lookupNode('erl_echo');
    const socket = createConnection({ host: '127.0.0.1', port: entry!.port });
    cleanups.push(() => socket.destroy());
    await once(socket, 'connect');
    const me = { node: 'js_echo@127.0.0.1', cookie: COOKIE, creation: 5, flags: OUR_FLAGS };
    const result = await initiateHandshake(socket, me, 'erl_echo@127.0.0.1');
    expect(result.node).toBe('erl_echo@127.0.0.1');
    const self: WirePid = { node: me.node, id: 1, serial: 0, creation: 5 };
    // REG_SEND {6, FromPid, Unused, ToName}, then the message.
    const control = encodeTerm(new Tuple(6, self, Symbol.for(''), Symbol.for('echo')), codec);
    const payload = encodeTerm(new Tuple(self, { hello: 'erlang' }), codec);
    socket.write(frame(4, new Uint8Array([112, ...control, ...payload])));
    const reader = new FrameReader(4, 1 << 20);
    const answer = await new Promise<unknown[]>((resolve) => {
      const onData = (chunk: Buffer) => {
        for (const f of reader.push(chunk)) {
          if (f.length === 0) continue; // a tick
          socket.off('data', onData);
          resolve(decodeTerms(f.subarray(1), codec));
        }
      };
      socket.on('data', onData);
      socket.resume();
      if (result.rest.length > 0) onData(Buffer.from(result.rest));
    });
    // SEND {2, Unused, ToPid}: to our pid.
    const [sent, message] = answer as [Tuple, Tuple];
    expect(sent.elements[0]).toBe(2);
    expect(sent.elements[2]).toMatchObject({ node: me.node, id: 1 });
    expect(message).toEqual(new Tuple(Symbol.for('echoed'), { hello: 'erlang' }));
  });

  it("keeps the connection up on ticks alone, at Erlang's pace, for several tick times", async () => {
    // Erlang's net_ticktime is 2 s here: it ticks every half second and drops a
    // connection silent for 2 s. Once we connect, it waits 5 s and lists its hidden nodes.
    const erl = erlNode(
      'erl_ticks',
      `net_kernel:monitor_nodes(true, [{node_type, hidden}]), io:format("ready~n"), receive {nodeup, _, _} -> ok end, timer:sleep(5000), io:format("hidden ~p~n", [nodes(hidden)]), receive after infinity -> ok end.`,
      COOKIE,
      ['-kernel', 'net_ticktime', '2'],
    );
    await erl.line(/^ready$/);
    const entry = await lookupNode('erl_ticks');
    const socket = createConnection({ host: '127.0.0.1', port: entry!.port });
    cleanups.push(() => socket.destroy());
    await once(socket, 'connect');
    const me = { node: 'js_ticks@127.0.0.1', cookie: COOKIE, creation: 6, flags: OUR_FLAGS };
    const result = await initiateHandshake(socket, me, 'erl_ticks@127.0.0.1');
    const link = new TcpLink(socket, result.rest, { tickTime: 2000 });
    cleanups.push(() => link.close());
    expect(await erl.line(/^hidden /)).toBe("hidden ['js_ticks@127.0.0.1']");
    expect(link.up).toBe(true);
  });

  it('refuses, and is refused by, a node whose cookie differs', async () => {
    const erl = erlNode(
      'erl_other_cookie',
      `io:format("ready~n"), receive after infinity -> ok end.`,
      'another-cookie',
    );
    await erl.line(/^ready$/);
    const entry = await lookupNode('erl_other_cookie');
    const socket = createConnection({ host: '127.0.0.1', port: entry!.port });
    cleanups.push(() => socket.destroy());
    await once(socket, 'connect');
    const error = await initiateHandshake(
      socket,
      { node: 'js_wrong@127.0.0.1', cookie: COOKIE, creation: 1, flags: OUR_FLAGS },
      'erl_other_cookie@127.0.0.1',
    ).catch((e: HandshakeError) => e);
    expect(error).toBeInstanceOf(HandshakeError);
    expect((error as HandshakeError).reason).toBe('bad_cookie');
  });
});
