/**
 * A model-based test with fast-check, run on TestRuntime: random command sequences
 * against a cache server with time-to-live entries, each checked against a plain model,
 * under a random scheduling seed. Virtual time makes the expiries exact (an entry put
 * with ttl 30 is there at 29 and gone at 30) and instant; fast-check prints the seed of
 * a failing case with its commands, and `new TestRuntime({ seed })` replays it.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type From, GenServer, type Pid, type Returns, replyTo } from '../../src/index.js';
import { TestRuntime } from '../../src/testing/index.js';

// ── The system under test ─────────────────────────────────────────────────────

type CacheCall =
  | ({ type: 'get'; key: string } & Returns<string | undefined>)
  | ({ type: 'put'; key: string; value: string; ttl: number } & Returns<'ok'>)
  | ({ type: 'delete'; key: string } & Returns<'ok'>);
type Expire = { type: 'expire'; key: string; version: number };

interface Entry {
  value: string;
  version: number;
}

/** A key-value cache whose entries expire `ttl` ms after they were put. */
class TtlCache extends GenServer<Map<string, Entry>, CacheCall, never, Expire> {
  #version = 0;

  override init(): Map<string, Entry> {
    return new Map();
  }

  override handleCall(request: CacheCall, _from: From, entries: Map<string, Entry>) {
    switch (request.type) {
      case 'get':
        return replyTo(request, entries.get(request.key)?.value, entries);
      case 'put': {
        const version = ++this.#version;
        entries.set(request.key, { value: request.value, version });
        const expire: Expire = { type: 'expire', key: request.key, version };
        this.self.runtime.sendAfter(this.self.pid, expire, request.ttl);
        return replyTo(request, 'ok', entries);
      }
      case 'delete':
        entries.delete(request.key);
        return replyTo(request, 'ok', entries);
    }
  }

  override handleInfo(message: Expire, entries: Map<string, Entry>) {
    // An expiry of an entry put again since is stale: the newer put has its own.
    if (entries.get(message.key)?.version === message.version) entries.delete(message.key);
    return entries;
  }
}

// ── The model and the commands ───────────────────────────────────────────────

interface Model {
  now: number;
  entries: Map<string, { value: string; expiresAt: number }>;
}

interface Real {
  rt: TestRuntime;
  cache: Pid;
}

class Put implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly key: string,
    readonly value: string,
    readonly ttl: number,
  ) {}
  check = () => true;
  async run(model: Model, { rt, cache }: Real) {
    const reply = await GenServer.call(rt, cache, {
      type: 'put',
      key: this.key,
      value: this.value,
      ttl: this.ttl,
    });
    expect(reply).toBe('ok');
    model.entries.set(this.key, { value: this.value, expiresAt: model.now + this.ttl });
  }
  toString = () => `put(${this.key}, ${this.value}, ttl ${this.ttl})`;
}

class Get implements fc.AsyncCommand<Model, Real> {
  constructor(readonly key: string) {}
  check = () => true;
  async run(model: Model, { rt, cache }: Real) {
    const entry = model.entries.get(this.key);
    const expected = entry !== undefined && entry.expiresAt > model.now ? entry.value : undefined;
    expect(await GenServer.call(rt, cache, { type: 'get', key: this.key })).toBe(expected);
  }
  toString = () => `get(${this.key})`;
}

class Delete implements fc.AsyncCommand<Model, Real> {
  constructor(readonly key: string) {}
  check = () => true;
  async run(model: Model, { rt, cache }: Real) {
    await GenServer.call(rt, cache, { type: 'delete', key: this.key });
    model.entries.delete(this.key);
  }
  toString = () => `delete(${this.key})`;
}

class Advance implements fc.AsyncCommand<Model, Real> {
  constructor(readonly ms: number) {}
  check = () => true;
  async run(model: Model, { rt }: Real) {
    await rt.advance(this.ms);
    model.now += this.ms;
    expect(rt.now()).toBe(model.now);
  }
  toString = () => `advance(${this.ms})`;
}

const key = fc.constantFrom('a', 'b', 'c');
const commands = fc.commands(
  [
    fc
      .tuple(key, fc.string({ maxLength: 3 }), fc.integer({ min: 1, max: 100 }))
      .map(([k, v, ttl]) => new Put(k, v, ttl)),
    key.map((k) => new Get(k)),
    key.map((k) => new Delete(k)),
    fc.integer({ min: 0, max: 120 }).map((ms) => new Advance(ms)),
  ],
  { maxCommands: 40, size: 'max' },
);

describe('TtlCache against its model', () => {
  it('keeps an entry put again past the expiry of the first put, exactly to its own', async () => {
    const rt = new TestRuntime();
    const cache = await rt.start(TtlCache, undefined);
    const get = () => GenServer.call(rt, cache, { type: 'get', key: 'a' });
    await GenServer.call(rt, cache, { type: 'put', key: 'a', value: '1', ttl: 100 });
    await rt.advance(50);
    await GenServer.call(rt, cache, { type: 'put', key: 'a', value: '2', ttl: 100 });
    await rt.advance(99);
    expect(await get()).toBe('2');
    await rt.advance(1);
    expect(await get()).toBeUndefined();
    expect(rt.now()).toBe(150);
    await rt.shutdown();
  });

  it('answers every get as the model does, under any command sequence and scheduling seed', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: 0xffff_ffff }), commands, async (seed, cmds) => {
        const rt = new TestRuntime({ seed });
        try {
          const cache = await rt.start(TtlCache, undefined);
          await fc.asyncModelRun(
            () => ({ model: { now: 0, entries: new Map() }, real: { rt, cache } }),
            cmds,
          );
        } finally {
          await rt.shutdown();
        }
      }),
      { numRuns: 150 },
    );
  });
});
