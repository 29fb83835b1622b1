// The TCP carrier against a real Erlang node, both ways: calls and casts, the README's
// natural terms, links, monitors, a node going down and a wrong cookie. The Erlang side
// is test/interop/fixtures/interop_peer.erl, a gen_server registered as `peer` that
// the otp-ts node drives by calls, so every step waits on a reply or a message.

import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Tuple } from '../../src/dist/etf/terms.js';
import { killPortMapper } from '../../src/dist/tcp/epmd.js';
import {
  CallError,
  Down,
  Exit,
  type From,
  GenServer,
  NoProcError,
  Pid,
  Ref,
  type ReplyResult,
  type Runtime,
  reply,
  Sys,
} from '../../src/index.js';
import { deferred, freePort, makeRuntime, type Probe, probe, rejection } from '../helpers.js';
import { ErlNode } from './erlang.js';

const COOKIE = 'interop-tcp';
/** Unique per run, so that runs on one host (one epmd) never share a node name. */
const RUN = randomBytes(3).toString('hex');
const ERL = `erl_${RUN}@localhost`;
const PEER = { name: 'peer', node: ERL };

const atom = (name: string): symbol => Symbol.for(name);
const t = (...elements: unknown[]): Tuple => new Tuple(...elements);

let erl: ErlNode;
let ebin: string;

/** Compiles the Erlang side into a temporary directory. */
async function compile(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'otp-ts-interop-'));
  const source = fileURLToPath(new URL('./fixtures/interop_peer.erl', import.meta.url));
  await new Promise<void>((resolve, reject) => {
    execFile('erlc', ['-o', dir, source], (error, _stdout, stderr) =>
      error ? reject(new Error(`erlc failed: ${stderr}`)) : resolve(),
    );
  });
  return dir;
}

/** An Erlang node running the peer server, named `name`, with `cookie`. */
async function startErl(name: string, cookie = COOKIE): Promise<ErlNode> {
  const node = new ErlNode(
    ['-sname', name, '-setcookie', cookie, '-pa', ebin],
    'interop_peer:start(), receive after infinity -> ok end.',
  );
  await node.line(/^ready$/);
  return node;
}

beforeAll(async () => {
  ebin = await compile();
  erl = await startErl(ERL);
});

afterAll(async () => {
  await erl?.stop();
  if (ebin !== undefined) await rm(ebin, { recursive: true, force: true });
});

let nextNode = 1;
/** A fresh distributed runtime, with a node name of its own (shut down after the test). */
async function distributed(): Promise<Runtime & { log: { text(): string } }> {
  const rt = makeRuntime({ node: `ts_${RUN}_${nextNode++}@localhost` });
  await rt.startDistribution({ cookie: COOKIE });
  return rt;
}

/** Asks the Erlang peer server (of `node`) to do something; resolves its reply. */
function ask(rt: Runtime, request: unknown, node = ERL): Promise<unknown> {
  return GenServer.call(rt, { name: 'peer', node }, request, 10_000);
}

/** How Erlang prints `term` (`~0p`): what the Erlang side saw. */
async function erlText(rt: Runtime, term: unknown): Promise<string> {
  return (await ask(rt, t(atom('text'), term))) as string;
}

/** Evaluates an Erlang expression on the Erlang node, with `bindings` (variable → value). */
function erlEval(
  rt: Runtime,
  code: string,
  bindings: Record<string, unknown> = {},
): Promise<unknown> {
  const bound = new Map(Object.entries(bindings).map(([k, v]) => [atom(k), v]));
  return ask(rt, t(atom('eval'), code, bound));
}

/** The state of the otp-ts server Erlang calls: casts go to `report`. */
interface EchoState {
  readonly report: Pid;
  readonly casts: number;
}

/** An otp-ts GenServer for Erlang to call: replies `{reply, Request}`, reports each call and cast. */
class Echo extends GenServer<EchoState, unknown, unknown> {
  override init(report: Pid): EchoState {
    return { report, casts: 0 };
  }
  override handleCall(
    request: unknown,
    _from: From<unknown>,
    state: EchoState,
  ): ReplyResult<unknown, EchoState> {
    this.self.send(state.report, t(atom('called'), request));
    return reply(t(atom('reply'), request), state);
  }
  override handleCast(request: unknown, state: EchoState): EchoState {
    this.self.send(state.report, t(atom('cast'), request));
    return { ...state, casts: state.casts + 1 };
  }
}

/** A process of `rt` that traps exits and hands every message it gets to `report`. */
async function trapping(rt: Runtime, report: Probe): Promise<Pid> {
  const ready = deferred();
  const pid = rt.spawn(async (self) => {
    self.trapExit(true);
    ready.resolve();
    for (;;) self.send(report.pid, await self.receive());
  });
  await ready.promise;
  return pid;
}

/** A new agent on the Erlang node (trapping exits or not), which reports to `to`. */
async function agent(rt: Runtime, to: Pid, trap = false): Promise<Pid> {
  const pid = await ask(rt, t(atom('agent'), to, trap));
  expect(pid).toBeInstanceOf(Pid);
  expect((pid as Pid).node).toBe(ERL);
  return pid as Pid;
}

/** The text of the next message an agent reports having got (`{got, Agent, Msg, Text}`). */
async function agentGot(p: Probe): Promise<{ message: unknown; text: string }> {
  const got = (await p.expectMessage(isTuple('got'), 10_000)) as Tuple;
  return { message: got.elements[2], text: got.elements[3] as string };
}

/** Whether `m` is a tuple whose first element is the atom `first`. */
const isTuple =
  (first: string) =>
  (m: unknown): boolean =>
    m instanceof Tuple && m.elements[0] === atom(first);

describe('Erlang calls and casts an otp-ts GenServer', () => {
  it('calls it by {Name, Node} and by pid, and gets its replies', async () => {
    const rt = await distributed();
    const p = probe(rt);
    const pid = await rt.start(Echo, p.pid, { name: 'echo' });
    const byName = await ask(rt, t(atom('call'), t(atom('echo'), atom(rt.node)), 'hello'));
    expect(byName).toEqual(t(atom('ok'), t(atom('reply'), 'hello')));
    const byPid = await ask(rt, t(atom('call'), pid, [1, atom('two'), 3.5]));
    expect(byPid).toEqual(t(atom('ok'), t(atom('reply'), [1, atom('two'), 3.5])));
  });

  it('casts to it by {Name, Node} and by pid, in order', async () => {
    const rt = await distributed();
    const p = probe(rt);
    const pid = await rt.start(Echo, p.pid, { name: 'echo' });
    expect(await ask(rt, t(atom('cast'), t(atom('echo'), atom(rt.node)), 'first'))).toBe(
      atom('ok'),
    );
    expect(await ask(rt, t(atom('cast'), pid, t(atom('second'), 2)))).toBe(atom('ok'));
    expect(await p.expectMessage()).toEqual(t(atom('cast'), 'first'));
    expect(await p.expectMessage()).toEqual(t(atom('cast'), t(atom('second'), 2)));
  });

  it('gets noproc for a name nobody holds', async () => {
    const rt = await distributed();
    const result = (await ask(rt, t(atom('call'), t(atom('nobody'), atom(rt.node)), 'x'))) as Tuple;
    expect(result.elements[0]).toBe(atom('exit'));
    const reason = result.elements[1] as Tuple;
    expect(reason.elements[0]).toBe(atom('noproc'));
  });

  it('answers sys:get_state, sys:suspend, sys:resume and sys:terminate, and unknown_system_msg to the rest', async () => {
    const rt = await distributed();
    const p = probe(rt);
    const pid = await rt.start(Echo, p.pid, { name: 'echo' });
    const echo = t(atom('echo'), atom(rt.node));
    const sys = (f: string, ...args: unknown[]) =>
      ask(rt, t(atom('sys'), atom(f), [echo, ...args]));
    expect(await sys('get_state')).toEqual(t(atom('ok'), { report: p.pid, casts: 0 }));
    await sys('suspend');
    await sys('resume');
    // What otp-ts has no word for gets sys's own answer, not a hang.
    expect(await sys('statistics', atom('get'))).toEqual(
      t(
        atom('ok'),
        t(
          atom('error'),
          t(atom('unknown_system_msg'), t(atom('debug'), t(atom('statistics'), atom('get')))),
        ),
      ),
    );
    const exited = rt.awaitExit(pid);
    await sys('terminate', t(atom('shutdown'), 'bye'));
    expect(await exited).toEqual({ shutdown: 'bye' });
  });
});

describe('otp-ts calls and casts an Erlang gen_server', () => {
  it('calls it by { name, node } and gets its reply', async () => {
    const rt = await distributed();
    expect(await GenServer.call(rt, PEER, t(atom('echo'), 'hi'))).toEqual(t(atom('echoed'), 'hi'));
  });

  it('calls it by pid, from a process, and a pid comes back as the same pid', async () => {
    const rt = await distributed();
    const peerPid = await GenServer.call(rt, PEER, atom('self'));
    expect(peerPid).toBeInstanceOf(Pid);
    expect((peerPid as Pid).node).toBe(ERL);
    const done = deferred<unknown>();
    const caller = rt.spawn(async (self) => {
      done.resolve(await GenServer.call(self, peerPid as Pid, t(atom('echo'), self.pid)));
    });
    expect(await done.promise).toEqual(t(atom('echoed'), caller));
    expect(((await done.promise) as Tuple).elements[1]).toBe(caller);
    expect(await GenServer.call(rt, PEER, atom('self'))).toBe(peerPid);
  });

  it('Sys.getState, Sys.suspend and Sys.resume reach it as the sys requests of Erlang', async () => {
    const rt = await distributed();
    GenServer.cast(rt, PEER, t(atom('hello'), 'sys'));
    // The state is #{cast => {hello, <<"sys">>}}: a map with an atom key.
    expect(await Sys.getState(rt, PEER)).toEqual(
      new Map([[atom('cast'), t(atom('hello'), 'sys')]]),
    );
    await Sys.suspend(rt, PEER);
    await expect(GenServer.call(rt, PEER, atom('get_cast'), 100)).rejects.toMatchObject({
      name: 'CallTimeoutError',
    });
    await Sys.resume(rt, PEER);
    expect(await GenServer.call(rt, PEER, atom('get_cast'))).toEqual(t(atom('hello'), 'sys'));
  });

  it('casts to it, and the cast is there before a later call', async () => {
    const rt = await distributed();
    GenServer.cast(rt, PEER, t(atom('hello'), 'cast'));
    expect(await GenServer.call(rt, PEER, atom('get_cast'))).toEqual(t(atom('hello'), 'cast'));
  });
});

describe('a remote start on an Erlang node', () => {
  it('leaves the connection up: Erlang starts otp_ts:start/4, which it has not, and the process exits with undef', async () => {
    const rt = await distributed();
    const pid = await rt.start({ module: 'file:///nowhere/none.js', export: 'X' }, 1, {
      node: ERL,
    });
    expect(pid.node).toBe(ERL);
    // Dead already when the monitor arrives (noproc), or seen dying of undef.
    const reason = await rt.awaitExit(pid);
    const undef = reason instanceof Tuple && reason.elements[0] === atom('undef');
    expect(undef || reason === 'noproc').toBe(true);
    expect(rt.nodes()).toContain(ERL);
    expect(await GenServer.call(rt, PEER, atom('self'))).toBeInstanceOf(Pid);
  });
});

describe('terms between otp-ts and Erlang', () => {
  it("reach Erlang as the README's natural terms", async () => {
    const rt = await distributed();
    expect(await erlText(rt, 'text')).toBe('<<"text">>');
    expect(await erlText(rt, atom('ok'))).toBe('ok');
    expect(await erlText(rt, atom('Elixir.Store'))).toBe("'Elixir.Store'");
    expect(await erlText(rt, t(atom('ok'), 42, -7, 2.5))).toBe('{ok,42,-7,2.5}');
    expect(await erlText(rt, [1, 'two', [atom('three')]])).toBe('[1,<<"two">>,[three]]');
    expect(await erlText(rt, { name: 'Test1', employees: 2 })).toBe(
      '#{<<"employees">> => 2,<<"name">> => <<"Test1">>}',
    );
    expect(await erlText(rt, new Map([[atom('a'), 1]]))).toBe('#{a => 1}');
    expect(await erlText(rt, 2n ** 70n)).toBe(String(2n ** 70n));
    expect(await erlText(rt, [])).toBe('[]');
  });

  it('come from Erlang as the same JavaScript values, and go back unchanged', async () => {
    const rt = await distributed();
    const p = probe(rt);
    const pid = await rt.start(Echo, p.pid, { name: 'echo' });
    const reply = await erlEval(
      rt,
      'gen_server:call(Echo, {hello, <<"bin">>, <<"h\\303\\251">>, [1, 2.5, ok], #{<<"k">> => v}, #{a => 1}, Echo, self(), make_ref()}).',
      { Echo: pid },
    );
    const called = (await p.expectMessage(isTuple('called'))) as Tuple;
    const [, request] = called.elements as [symbol, Tuple];
    const [hello, bin, utf8, list, object, map, echo, erlPid, ref] = request.elements;
    expect([hello, bin, utf8, list, object]).toEqual([
      atom('hello'),
      'bin',
      'h\u00e9',
      [1, 2.5, atom('ok')],
      { k: atom('v') },
    ]);
    expect(map).toEqual(new Map([[atom('a'), 1]]));
    expect(echo).toBe(pid);
    expect(erlPid).toBeInstanceOf(Pid);
    expect((erlPid as Pid).node).toBe(ERL);
    expect(ref).toBeInstanceOf(Ref);
    // The reply held all of them: Erlang got back the very terms it sent.
    expect(
      await erlEval(rt, 'R = Reply, {reply, Req} = R, element(8, Req) =:= self().', {
        Reply: reply,
      }),
    ).toBe(true);
    expect(reply).toEqual(t(atom('reply'), request));
  });

  it('keep the identity of pids: an otp-ts pid that went to Erlang comes back as the same object', async () => {
    const rt = await distributed();
    const p = probe(rt);
    const echoed = (await GenServer.call(
      rt,
      PEER,
      t(atom('echo'), [p.pid, rt.whereis('x') ?? atom('undefined')]),
    )) as Tuple;
    expect((echoed.elements[1] as unknown[])[0]).toBe(p.pid);
  });
});

describe('links between otp-ts and Erlang processes', () => {
  /** An Erlang agent linked to a trapping otp-ts process; both report to one probe. */
  async function linkedFromErlang(rt: Runtime) {
    const p = probe(rt);
    const trapper = await trapping(rt, p);
    const a = await agent(rt, p.pid);
    rt.send(a, t(atom('link'), trapper));
    expect(await p.expectMessage(isTuple('linked'))).toEqual(t(atom('linked'), a, trapper));
    return { p, trapper, a };
  }

  it.each([
    ['kill', atom('kill'), 'kill'],
    ['normal', atom('normal'), 'normal'],
    ['shutdown', atom('shutdown'), 'shutdown'],
    ['{shutdown, x}', t(atom('shutdown'), 'x'), { shutdown: 'x' }],
    ['{shutdown, {a, 1}}', t(atom('shutdown'), t(atom('a'), 1)), { shutdown: t(atom('a'), 1) }],
    ['an error reason', t(atom('bad'), 'thing'), t(atom('bad'), 'thing')],
  ])(
    'an Erlang process that exits with %s: the trapping otp-ts process gets the Exit, the reason mapped',
    async (_, reason, expected) => {
      const rt = await distributed();
      const { p, a } = await linkedFromErlang(rt);
      rt.send(a, t(atom('die'), reason));
      expect(await p.expectMessage((m) => m instanceof Exit, 10_000)).toEqual(
        new Exit(a, expected),
      );
    },
  );

  it("an Erlang process killed by exit(Pid, kill): the otp-ts process gets 'killed'", async () => {
    const rt = await distributed();
    const { p, a } = await linkedFromErlang(rt);
    expect(await ask(rt, t(atom('exit'), a, atom('kill')))).toBe(true);
    expect(await p.expectMessage((m) => m instanceof Exit, 10_000)).toEqual(new Exit(a, 'killed'));
  });

  it('an Erlang process that fails with erlang:error: the reason is {Reason, Stack}', async () => {
    const rt = await distributed();
    const { p, a } = await linkedFromErlang(rt);
    rt.send(a, t(atom('error'), atom('badarg')));
    const exit = (await p.expectMessage((m) => m instanceof Exit, 10_000)) as Exit;
    expect(exit.from).toBe(a);
    expect(exit.reason).toBeInstanceOf(Tuple);
    expect((exit.reason as Tuple).elements[0]).toBe(atom('badarg'));
    expect(Array.isArray((exit.reason as Tuple).elements[1])).toBe(true);
  });

  it('an otp-ts process linked to a non-trapping Erlang process takes it down', async () => {
    const rt = await distributed();
    const p = probe(rt);
    const a = await agent(rt, p.pid);
    const watcher = await agent(rt, p.pid);
    rt.send(watcher, t(atom('monitor'), a));
    await p.expectMessage(isTuple('monitoring'));
    const linked = deferred();
    const pid = rt.spawn(async (self) => {
      self.link(a);
      linked.resolve();
      await self.receive();
    });
    await linked.promise;
    rt.exit(pid, 'kill');
    const { text } = await agentGot(p);
    expect(text).toMatch(/^\{'DOWN',#Ref<[\d.]+>,process,<[\d.]+>,killed\}$/);
  });

  it.each([
    ['normal', 'normal', 'normal'],
    ['shutdown', 'shutdown', 'shutdown'],
    ['{ shutdown: x }', { shutdown: 'x' }, '{shutdown,<<"x">>}'],
    ['kill (from rt.exit)', 'kill', 'killed'],
    ['an Error', new Error('boom'), "{'$otp',error,"],
  ])(
    'an otp-ts process that exits with %s: the trapping Erlang process gets {EXIT, Pid, Reason}',
    async (_, reason, text) => {
      const rt = await distributed();
      const p = probe(rt);
      const a = await agent(rt, p.pid, true);
      const linked = deferred();
      const pid = rt.spawn(async (self) => {
        self.link(a);
        linked.resolve();
        await self.receive();
        self.exit(reason);
      });
      await linked.promise;
      if (reason === 'kill') rt.exit(pid, 'kill');
      else rt.send(pid, 'go');
      const got = await agentGot(p);
      expect(got.text).toContain(`{'EXIT',`);
      expect(got.text).toContain(`,${text}`);
      expect(got.message).toEqual(
        t(
          atom('EXIT'),
          pid,
          reason === 'kill' ? atom('killed') : (got.message as Tuple).elements[2],
        ),
      );
    },
  );

  it('an otp-ts process links to an Erlang process and is unlinked again: no exit crosses', async () => {
    const rt = await distributed();
    const p = probe(rt);
    const a = await agent(rt, p.pid, true);
    const done = deferred();
    rt.spawn(async (self) => {
      self.link(a);
      self.unlink(a);
      done.resolve();
      self.exit('shutdown');
    });
    await done.promise;
    // The agent hears of nothing but this, sent after the exit.
    rt.send(a, 'after');
    expect((await agentGot(p)).message).toBe('after');
  });
});

describe('monitors between otp-ts and Erlang processes', () => {
  it("Erlang's erlang:monitor(process, {Name, Node}) gets 'DOWN' with {Name, Node} and the reason", async () => {
    const rt = await distributed();
    const p = probe(rt);
    await rt.start(Echo, p.pid, { name: 'echo' });
    const a = await agent(rt, p.pid);
    rt.send(a, t(atom('monitor'), t(atom('echo'), atom(rt.node))));
    const [, , ref] = ((await p.expectMessage(isTuple('monitoring'))) as Tuple).elements;
    await GenServer.stop(rt, 'echo', { shutdown: 'x' });
    const got = await agentGot(p);
    expect(got.message).toEqual(
      t(
        atom('DOWN'),
        ref,
        atom('process'),
        t(atom('echo'), atom(rt.node)),
        t(atom('shutdown'), 'x'),
      ),
    );
    expect(got.text).toMatch(
      new RegExp(
        `^\\{'DOWN',#Ref<[\\d.]+>,process,\\{echo,${rt.node}\\},\\{shutdown,<<"x">>\\}\\}$`,
      ),
    );
  });

  it("Erlang's monitor of an otp-ts pid gets 'DOWN' killed; of a missing name, noproc", async () => {
    const rt = await distributed();
    const p = probe(rt);
    const pid = rt.spawn((self) => self.receive());
    const a = await agent(rt, p.pid);
    rt.send(a, t(atom('monitor'), pid));
    await p.expectMessage(isTuple('monitoring'));
    rt.exit(pid, 'kill');
    expect((await agentGot(p)).message).toEqual(
      t(atom('DOWN'), expect.any(Ref), atom('process'), pid, atom('killed')),
    );
    rt.send(a, t(atom('monitor'), t(atom('nobody'), atom(rt.node))));
    await p.expectMessage(isTuple('monitoring'));
    expect((await agentGot(p)).message).toEqual(
      t(
        atom('DOWN'),
        expect.any(Ref),
        atom('process'),
        t(atom('nobody'), atom(rt.node)),
        atom('noproc'),
      ),
    );
  });

  it('self.monitor of an Erlang pid gets a Down with the reason mapped', async () => {
    const rt = await distributed();
    const p = probe(rt);
    const a = await agent(rt, p.pid);
    const result = deferred<[Ref, unknown]>();
    rt.spawn(async (self) => {
      const ref = self.monitor(a);
      self.send(a, t(atom('die'), t(atom('shutdown'), 'x')));
      result.resolve([ref, await self.receive()]);
    });
    const [ref, down] = await result.promise;
    expect(down).toEqual(new Down(ref, a, { shutdown: 'x' }));
  });

  it('self.monitor of { name, node } on Erlang gets a Down whose pid is that { name, node }', async () => {
    const rt = await distributed();
    const p = probe(rt);
    const a = await agent(rt, p.pid);
    const name = `agent_${nextNode}`;
    rt.send(a, t(atom('register'), atom(name)));
    await p.expectMessage(isTuple('registered'));
    const result = deferred<[Ref, unknown]>();
    rt.spawn(async (self) => {
      const ref = self.monitor({ name, node: ERL });
      self.send({ name, node: ERL }, t(atom('die'), atom('normal')));
      result.resolve([ref, await self.receive()]);
    });
    const [ref, down] = await result.promise;
    expect(down).toEqual(new Down(ref, { name, node: ERL }, 'normal'));
  });

  it("self.monitor of a name nobody holds on Erlang gets a Down 'noproc'", async () => {
    const rt = await distributed();
    const result = deferred<[Ref, unknown]>();
    rt.spawn(async (self) => {
      const ref = self.monitor({ name: 'nobody', node: ERL });
      result.resolve([ref, await self.receive()]);
    });
    const [ref, down] = await result.promise;
    expect(down).toEqual(new Down(ref, { name: 'nobody', node: ERL }, 'noproc'));
  });
});

describe('an Erlang node going down', () => {
  it("fires links with 'noconnection', monitors with Down 'noconnection', and rejects a call in flight", async () => {
    const rt = await distributed();
    const other = `erl_${RUN}_down@localhost`;
    const doomed = await startErl(other);
    try {
      const p = probe(rt);
      const peer = { name: 'peer', node: other };
      const a = (await ask(rt, t(atom('agent'), p.pid, false), other)) as Pid;
      const trapper = await trapping(rt, p);
      rt.send(a, t(atom('link'), trapper));
      await p.expectMessage(isTuple('linked'));
      const monitored = deferred<Ref>();
      const downs = deferred<unknown>();
      rt.spawn(async (self) => {
        const ref = self.monitor(a);
        self.monitorNode(other);
        monitored.resolve(ref);
        downs.resolve([await self.receive(), await self.receive()]);
      });
      const ref = await monitored.promise;
      const inFlight = rejection(GenServer.call(rt, peer, atom('hang'), 30_000));
      // The server has taken the call when it answers the next one (one connection, in order).
      expect(await GenServer.call(rt, peer, atom('self'))).toBeInstanceOf(Pid);
      await doomed.stop();
      const error = await inFlight;
      expect(error).toBeInstanceOf(CallError);
      expect(error).not.toBeInstanceOf(NoProcError);
      expect((error as CallError).reason).toBe('noconnection');
      expect(await p.expectMessage((m) => m instanceof Exit, 10_000)).toEqual(
        new Exit(a, 'noconnection'),
      );
      const [down, nodeDown] = (await downs.promise) as [Down, unknown];
      expect(down).toEqual(new Down(ref, a, 'noconnection'));
      expect(nodeDown).toMatchObject({ node: other });
      expect(rt.nodes()).not.toContain(other);
    } finally {
      await doomed.stop();
    }
  });
});

describe("otp-ts's port mapper, with no epmd on the port", () => {
  it('an Erlang node registers with it, and otp-ts and Erlang find each other through it', async () => {
    const epmd = await freePort();
    const rt = makeRuntime({ node: `ts_${RUN}_pm@localhost` });
    // Nothing answers on that port: otp-ts starts its port mapper there.
    await rt.startDistribution({ cookie: COOKIE, epmd });
    const name = `erl_${RUN}_pm@localhost`;
    const node = new ErlNode(
      [
        '-sname',
        name,
        '-setcookie',
        COOKIE,
        '-start_epmd',
        'false',
        '-epmd_port',
        String(epmd),
        '-pa',
        ebin,
      ],
      `interop_peer:start(),
       io:format("pong ~p~n", [net_adm:ping('${rt.node}')]),
       receive after infinity -> ok end.`,
    );
    try {
      expect(await node.line(/^pong /)).toBe('pong pong');
      expect(await GenServer.call(rt, { name: 'peer', node: name }, t(atom('echo'), 1))).toEqual(
        t(atom('echoed'), 1),
      );
    } finally {
      await node.stop();
      await rt.shutdown();
      // The daemon is detached: stop it once the names are gone.
      while (!(await killPortMapper({ port: epmd }).catch(() => true))) {
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
  });
});

describe('a node with another cookie', () => {
  it('is refused both ways: net_kernel:connect_node gives false, rt.connect resolves false', async () => {
    const rt = await distributed();
    const other = `erl_${RUN}_cookie@localhost`;
    const stranger = new ErlNode(
      ['-sname', other, '-setcookie', 'another-cookie', '-pa', ebin],
      `interop_peer:start(), io:format("connect ~p~n", [net_kernel:connect_node('${rt.node}')]), receive after infinity -> ok end.`,
    );
    try {
      expect(await stranger.line(/^connect /)).toBe('connect false');
      expect(await rt.connect(other)).toBe(false);
      expect(rt.nodes()).toEqual([]);
      // The right cookie still connects.
      expect(await rt.connect(ERL)).toBe(true);
    } finally {
      await stranger.stop();
    }
  });
});
