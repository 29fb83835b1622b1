import { describe, expect, it } from 'vitest';
import {
  BitBinary,
  Down,
  Exit,
  type From,
  GenServer,
  ImproperList,
  NoProcError,
  OpaqueTerm,
  Runtime,
  registerMessageClass,
  reply,
  Sys,
  Tuple,
} from '../../src/index.js';
import { deferred, makeRuntime, probe } from '../helpers.js';

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
  norm(): number {
    return Math.hypot(this.x, this.y);
  }
}
registerMessageClass(Point);

class Unregistered {
  readonly n = 1;
}

/** A server that keeps what it is given and hands its state out. */
class Keeper extends GenServer<
  { items: unknown[] },
  { type: 'get' } | { type: 'put'; item: unknown },
  unknown
> {
  override init(): { items: unknown[] } {
    return { items: [] };
  }
  override handleCall(
    request: { type: 'get' } | { type: 'put'; item: unknown },
    _from: From,
    state: { items: unknown[] },
  ) {
    if (request.type === 'put') state.items.push(request.item);
    return reply(state, state);
  }
  override handleCast(item: unknown, state: { items: unknown[] }) {
    state.items.push(item);
    return state;
  }
}

describe("new Runtime({ messages: 'copy' })", () => {
  it('gives the receiver a copy: mutating either side changes nothing on the other', async () => {
    const rt = makeRuntime({ messages: 'copy' });
    const got = probe(rt);
    const sent = { list: [1, 2], nested: { a: 1 } };
    rt.send(got.pid, sent);
    sent.list.push(3);
    sent.nested.a = 99;
    const received = (await got.expectMessage()) as typeof sent;
    expect(received).toEqual({ list: [1, 2], nested: { a: 1 } });
    expect(received).not.toBe(sent);
  });

  it('copies casts, call requests, replies and Sys.getState results', async () => {
    const rt = makeRuntime({ messages: 'copy' });
    const pid = await rt.start(Keeper, undefined);
    const cast = { n: 1 };
    GenServer.cast(rt, pid, cast);
    cast.n = 2;
    const item = { n: 3 };
    const state = (await GenServer.call(rt, pid, { type: 'put', item })) as {
      items: { n: number }[];
    };
    item.n = 4;
    expect(state.items).toEqual([{ n: 1 }, { n: 3 }]);
    state.items.push({ n: 5 });
    const viaSys = (await Sys.getState(rt, pid)) as { items: unknown[] };
    expect(viaSys.items).toEqual([{ n: 1 }, { n: 3 }]);
    viaSys.items.length = 0;
    expect(await GenServer.call(rt, pid, { type: 'get' })).toEqual({ items: [{ n: 1 }, { n: 3 }] });
  });

  it('keeps pids and refs as themselves, and the prototypes of Exit, Down, errors, built-ins and registered classes', async () => {
    const rt = makeRuntime({ messages: 'copy' });
    const got = probe(rt);
    const other = probe(rt);
    const ref = rt.sendAfter(other.pid, 'never', 60_000);
    rt.cancelTimer(ref);
    const error = new RangeError('out', { cause: { why: 'test' } });
    const message = {
      pid: other.pid,
      ref,
      exit: new Exit(other.pid, 'shutdown'),
      down: new Down(ref, other.pid, 'normal'),
      error,
      otp: new NoProcError('send', 'nobody'),
      map: new Map<unknown, unknown>([[1, { a: 1 }]]),
      set: new Set([1, 2]),
      date: new Date(0),
      big: 10n ** 20n,
      bytes: new Uint8Array([1, 2, 3]),
      atom: Symbol.for('ok'),
      point: new Point(3, 4),
      absent: undefined,
    };
    rt.send(got.pid, message);
    const copy = (await got.expectMessage()) as typeof message;
    expect(copy.pid).toBe(other.pid);
    expect(copy.ref).toBe(ref);
    expect(copy.exit).toBeInstanceOf(Exit);
    expect(copy.exit).not.toBe(message.exit);
    expect(copy.exit.from).toBe(other.pid);
    expect(copy.down).toBeInstanceOf(Down);
    expect(copy.error).toBeInstanceOf(RangeError);
    expect(copy.error).not.toBe(error);
    expect(copy.error.message).toBe('out');
    expect(copy.error.cause).toEqual({ why: 'test' });
    expect(copy.otp).toBeInstanceOf(NoProcError);
    expect(copy.otp.message).toBe(message.otp.message);
    expect(copy.map.get(1)).toEqual({ a: 1 });
    expect(copy.map.get(1)).not.toBe(message.map.get(1));
    expect([...copy.set]).toEqual([1, 2]);
    expect(copy.date).toEqual(new Date(0));
    expect(copy.big).toBe(10n ** 20n);
    expect(copy.bytes).toEqual(new Uint8Array([1, 2, 3]));
    expect(copy.bytes).not.toBe(message.bytes);
    expect(copy.atom).toBe(Symbol.for('ok'));
    expect(copy.point).toBeInstanceOf(Point);
    expect(copy.point.norm()).toBe(5);
    expect('absent' in copy).toBe(true);
  });

  it('keeps the Erlang terms Tuple, ImproperList, BitBinary and OpaqueTerm as themselves, copied', async () => {
    const rt = makeRuntime({ messages: 'copy' });
    const got = probe(rt);
    const inner = { n: 1 };
    const message = [
      new Tuple(Symbol.for('ok'), inner),
      new ImproperList([1, inner], Symbol.for('tail')),
      new BitBinary(Uint8Array.of(0xa0), 3),
      new OpaqueTerm('export', Uint8Array.of(113, 1, 2)),
    ] as const;
    rt.send(got.pid, message);
    const copy = (await got.expectMessage()) as typeof message;
    expect(copy).toStrictEqual(message);
    const [tuple, list, bits, opaque] = copy;
    expect(tuple).toBeInstanceOf(Tuple);
    expect(tuple.length).toBe(2);
    expect(tuple.elements[1]).not.toBe(inner);
    expect(list).toBeInstanceOf(ImproperList);
    expect(list.items[1]).not.toBe(inner);
    expect(bits).toBeInstanceOf(BitBinary);
    expect(bits.bytes).not.toBe(message[2].bytes);
    expect(opaque).toBeInstanceOf(OpaqueTerm);
    expect(opaque.bytes).not.toBe(message[3].bytes);
  });

  it('keeps shared and circular references shared and circular', async () => {
    const rt = makeRuntime({ messages: 'copy' });
    const got = probe(rt);
    const shared = { v: 1 };
    const loop: { self?: unknown; a: unknown; b: unknown } = { a: shared, b: shared };
    loop.self = loop;
    rt.send(got.pid, loop);
    const copy = (await got.expectMessage()) as typeof loop;
    expect(copy.self).toBe(copy);
    expect(copy.a).toBe(copy.b);
    expect(copy.a).not.toBe(shared);
  });

  it('throws a TypeError naming the type and the path of what cannot be copied, and delivers nothing', async () => {
    const rt = makeRuntime({ messages: 'copy' });
    const got = probe(rt);
    const cases: [unknown, RegExp][] = [
      [{ items: [1, 2, () => 3] }, /^send: cannot copy a function \(.*\) at message\.items\[2\]/],
      [{ p: Promise.resolve(1) }, /^send: cannot copy a promise .* at message\.p/],
      [
        { s: Symbol('local') },
        /^send: cannot copy a symbol not made by Symbol\.for .* at message\.s/,
      ],
      [[new Unregistered()], /^send: cannot copy an instance of Unregistered .* at message\[0\]/],
    ];
    for (const [message, pattern] of cases) {
      expect(() => rt.send(got.pid, message)).toThrow(TypeError);
      expect(() => rt.send(got.pid, message)).toThrow(pattern);
    }
    await got.expectNoMessage(20);
  });

  it('rejects a call whose request cannot be copied, and fails a call whose reply cannot be', async () => {
    const rt = makeRuntime({ messages: 'copy' });
    const pid = await rt.start(Keeper, undefined);
    await expect(GenServer.call(rt, pid, { type: 'put', item: () => 1 })).rejects.toThrow(
      /^GenServer\.call: cannot copy a function .* at message\.item/,
    );
    class Leaky extends GenServer<number> {
      override handleCall(_request: unknown, _from: From, state: number) {
        return reply(() => state, state);
      }
    }
    const leaky = await rt.start(Leaky, 1);
    await expect(GenServer.call(rt, leaky, 'get')).rejects.toThrow(
      /^the reply to GenServer\.call: cannot copy a function/,
    );
    // The server goes on.
    expect(rt.isAlive(leaky)).toBe(true);
    expect(() => GenServer.cast(rt, pid, Symbol('x'))).toThrow(TypeError);
  });

  it("passes messages by reference with 'share', the default", async () => {
    const rt = makeRuntime();
    expect(rt.messages).toBe('share');
    const got = probe(rt);
    const sent = { a: 1 };
    rt.send(got.pid, sent);
    expect(await got.expectMessage()).toBe(sent);
  });

  it('rejects a messages option that is neither share nor copy', () => {
    expect(() => new Runtime({ messages: 'clone' as never })).toThrow(
      new TypeError(`new Runtime: expected \`messages\` to be 'share' or 'copy', got "clone"`),
    );
  });

  it('copies what sendAfter sends when it is called', async () => {
    const rt = makeRuntime({ messages: 'copy' });
    const got = probe(rt);
    const sent = { n: 1 };
    rt.sendAfter(got.pid, sent, 1);
    sent.n = 2;
    expect(await got.expectMessage()).toEqual({ n: 1 });
  });
});

describe('registerMessageClass', () => {
  it('throws a TypeError for something that is not a class', () => {
    expect(() => registerMessageClass(42 as never)).toThrow(
      /^registerMessageClass: expected `Class` to be a class, got 42$/,
    );
  });

  it("lets a registered class's instance come back without running its constructor", async () => {
    let constructed = 0;
    class Counted {
      readonly n: number;
      constructor(n: number) {
        constructed++;
        this.n = n;
      }
    }
    registerMessageClass(Counted);
    const rt = makeRuntime({ messages: 'copy' });
    const got = deferred<unknown>();
    const pid = rt.spawn(async (self) => got.resolve(await self.receive()));
    rt.send(pid, new Counted(7));
    const copy = (await got.promise) as Counted;
    expect(copy).toBeInstanceOf(Counted);
    expect(copy.n).toBe(7);
    expect(constructed).toBe(1);
  });
});
