import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { type From, GenServer, reply, Supervisor } from '../../src/index.js';
import { type Observer, startObserver } from '../../src/observer/index.js';
import { makeRuntime } from '../helpers.js';
import { openSse, type SseStream } from './sse.js';

class Keeper extends GenServer<{ secret: string; note: string }, 'get', never> {
  override init(state: { secret: string; note: string }) {
    return state;
  }
  override handleCall(_request: 'get', _from: From, state: { secret: string; note: string }) {
    return reply(state.note, state);
  }
  override formatStatus(state: { secret: string; note: string }) {
    return { ...state, secret: '<hidden>' };
  }
}

const open: Observer[] = [];
const streams: SseStream[] = [];
afterEach(async () => {
  for (const s of streams.splice(0)) s.close();
  await Promise.all(open.splice(0).map((o) => o.close()));
});

async function observe(rt: Parameters<typeof startObserver>[0], opts = {}) {
  const observer = await startObserver(rt, { interval: 100, ...opts });
  open.push(observer);
  return observer;
}

async function sse(url: string): Promise<SseStream> {
  const stream = await openSse(url);
  streams.push(stream);
  return stream;
}

type Snap = {
  processes: number;
  tree: { name: string | null; pid: string; children: { name: string | null; pid: string }[] }[];
  table: {
    total: number;
    rows: { pid: string; name: string | null; queue: number; handled: number }[];
  };
  restarts: { childId: string; newPid: string | null }[];
};

function post(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', headers: { 'content-type': 'application/json', ...headers } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

describe('startObserver', () => {
  it('serves the page on loopback, with a policy that allows no inline script', async () => {
    const rt = makeRuntime();
    const observer = await observe(rt);
    expect(observer.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const res = await fetch(observer.url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await res.text()).toContain('<script src="app.js" defer></script>');
    expect((await fetch(new URL('app.js', observer.url))).status).toBe(200);
  });

  it('streams the supervision tree and the process table, sorted by mailbox length', async () => {
    const rt = makeRuntime();
    await rt.start(Supervisor, {
      children: [{ id: 'keeper', start: [Keeper, { secret: 's', note: 'n' }, { name: 'keeper' }] }],
    });
    const busy = rt.spawn((self) => self.receive({ match: () => false }), { name: 'busy' });
    for (let i = 0; i < 5; i++) rt.send(busy, i);
    const observer = await observe(rt);
    const stream = await sse(new URL('events?sort=queue&limit=2', observer.url).href);
    const { data } = await stream.next('snapshot');
    const snap = data as Snap;
    expect(snap.processes).toBe(3);
    expect(snap.tree).toHaveLength(1);
    expect(snap.tree[0]!.children.map((c) => c.name)).toEqual(['keeper']);
    expect(snap.table.total).toBe(3);
    expect(snap.table.rows).toHaveLength(2);
    expect(snap.table.rows[0]).toMatchObject({ name: 'busy', queue: 5 });
  });

  it('pages the process table and sorts it by name', async () => {
    const rt = makeRuntime();
    for (const name of ['c', 'a', 'b']) rt.spawn((self) => self.receive(), { name });
    const observer = await observe(rt);
    const stream = await sse(new URL('events?sort=name&offset=1&limit=1', observer.url).href);
    const snap = (await stream.next('snapshot')).data as Snap;
    expect(snap.table.rows.map((r) => r.name)).toEqual(['b']);
  });

  it("shows a process's info and its state through formatStatus, as text", async () => {
    const rt = makeRuntime();
    const pid = await rt.start(Keeper, { secret: 'hunter2', note: '<script>alert(1)</script>' });
    const observer = await observe(rt);
    const res = await fetch(
      new URL(`api/process?pid=${encodeURIComponent(String(pid))}`, observer.url),
    );
    const details = (await res.json()) as { pid: string; behaviour: string; state: string };
    expect(details).toMatchObject({ pid: String(pid), behaviour: 'GenServer' });
    expect(details.state).toContain("secret: '<hidden>'");
    expect(details.state).toContain('<script>alert(1)</script>');
    expect(details.state).not.toContain('hunter2');
  });

  it('kills a process, which its supervisor restarts, and lists the restart', async () => {
    const rt = makeRuntime();
    await rt.start(Supervisor, {
      children: [{ id: 'keeper', start: [Keeper, { secret: 's', note: 'n' }, { name: 'keeper' }] }],
    });
    const old = rt.whereis('keeper')!;
    const observer = await observe(rt);
    const stream = await sse(new URL('events', observer.url).href);
    const restarted = new Promise<unknown>((resolve) =>
      rt.once('restart', (...args) => resolve(args)),
    );
    const res = await post(new URL('api/kill', observer.url).href, { pid: String(old) });
    expect(res.status).toBe(200);
    await restarted;
    const snap = (await stream.next('snapshot', (s: Snap) => s.restarts.length > 0)).data as Snap;
    expect(snap.restarts[0]).toMatchObject({
      childId: '"keeper"',
      newPid: String(rt.whereis('keeper')),
    });
    expect(rt.isAlive(old)).toBe(false);
  });

  it('starts a trace from a request, streams its events, and stops it', async () => {
    const rt = makeRuntime();
    const pid = rt.spawn((self) => self.receive({ match: () => false }));
    const observer = await observe(rt);
    const stream = await sse(new URL('events', observer.url).href);
    await stream.next('snapshot');
    const started = await post(new URL('api/trace', observer.url).href, { target: String(pid) });
    expect(JSON.parse(started.body)).toMatchObject({ running: true, target: String(pid) });
    rt.send(pid, { hello: '<b>world</b>' });
    const { data } = await stream.next('trace');
    expect(data).toMatchObject({
      type: 'receive',
      pid: String(pid),
      text: "got { hello: '<b>world</b>' }",
    });
    const stopped = await post(new URL('api/trace/stop', observer.url).href, {});
    expect(JSON.parse(stopped.body)).toMatchObject({ running: false, endReason: 'stopped' });
    expect(rt.tracer).toBeUndefined();
  });

  it('refuses actions that are not JSON (a cross-site form) and Host headers that are not loopback', async () => {
    const rt = makeRuntime();
    const pid = rt.spawn((self) => self.receive());
    const observer = await observe(rt);
    const form = await post(
      new URL('api/kill', observer.url).href,
      { pid: String(pid) },
      { 'content-type': 'text/plain' },
    );
    expect(form.status).toBe(415);
    const rebound = await post(
      new URL('api/kill', observer.url).href,
      { pid: String(pid) },
      { host: 'evil.example:80' },
    );
    expect(rebound.status).toBe(403);
    expect(rt.isAlive(pid)).toBe(true);
  });

  it('requires the token when one is given, and puts it in the url', async () => {
    const rt = makeRuntime();
    const observer = await observe(rt, { token: 'correct-horse' });
    expect(observer.url).toMatch(/\?token=correct-horse$/);
    const bare = new URL(observer.url);
    bare.search = '';
    expect((await fetch(bare)).status).toBe(401);
    expect((await fetch(`${bare.href}?token=wrong-horse!`)).status).toBe(401);
    expect((await fetch(observer.url)).status).toBe(200);
  });

  it('refuses to bind off loopback without a token, and checks its options', async () => {
    const rt = makeRuntime();
    await expect(startObserver(rt, { host: '0.0.0.0' })).rejects.toThrow(/requires a `token`/);
    await expect(startObserver(rt, { port: -1 })).rejects.toThrow(RangeError);
    await expect(startObserver(rt, { token: 'short' })).rejects.toThrow(/at least 8 characters/);
  });

  it('stops its updates and its trace when closed', async () => {
    const rt = makeRuntime();
    const observer = await observe(rt);
    await post(new URL('api/trace', observer.url).href, { target: 'all' });
    expect(rt.tracer).toBeDefined();
    await observer.close();
    expect(rt.tracer).toBeUndefined();
    expect(rt.listenerCount('crash')).toBe(0);
    await expect(fetch(observer.url)).rejects.toThrow();
  });
});
