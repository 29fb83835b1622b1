import { describe, expect, it } from 'vitest';
import { type CodecHost, decode, encode } from '../../src/dist/codec.js';
import {
  BitBinary,
  Down,
  Exit,
  ImproperList,
  NodeDown,
  NodeError,
  OpaqueTerm,
  Pid,
  Ref,
  registerMessageClass,
  Tuple,
} from '../../src/index.js';

/** A host with one-object-per-id tables, as a node layer keeps them. */
function host(): CodecHost {
  const pids = new Map<string, Pid>();
  const refs = new Map<string, Ref>();
  const make = <T>(map: Map<string, T>, key: string, fn: () => T): T => {
    let v = map.get(key);
    if (v === undefined) {
      v = fn();
      map.set(key, v);
    }
    return v;
  };
  const P = Pid as unknown as new (n: string, i: number, c: number) => Pid;
  const R = Ref as unknown as new (n: string, i: number, c: number) => Ref;
  return {
    pid: (n, i, c) => make(pids, `${n}/${i}/${c}`, () => new P(n, i, c)),
    ref: (n, i, c) => make(refs, `${n}/${i}/${c}`, () => new R(n, i, c)),
    exportPid: (pid) => void pids.set(`${pid.node}/${pid.id}/${pid.creation}`, pid),
    exportRef: (ref) => void refs.set(`${ref.node}/${ref.id}/${ref.creation}`, ref),
  };
}

/** Through the codec and a structured clone, as between two threads. */
function travel(value: unknown, h = host()): unknown {
  return decode(structuredClone(encode(value, h, 'send')), h);
}

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}
registerMessageClass(Point);

describe('encode and decode', () => {
  it('carry plain data as it is, and tagged values back to what they were', () => {
    const h = host();
    const P = Pid as unknown as new (n: string, i: number, c: number) => Pid;
    const pid = new P('a@h', 3, 7);
    h.exportPid(pid);
    const value = {
      n: 1,
      s: 'x',
      list: [1, [2, { three: 3 }]],
      pid,
      atom: Symbol.for('ok'),
      point: new Point(1, 2),
      signals: [new Exit(pid, 'normal'), new NodeDown('b@h', 'noconnection')],
      error: new NodeError('down', 'b@h', 'noconnection'),
      big: 2n ** 70n,
    };
    const back = travel(value, h) as typeof value;
    expect(back.pid).toBe(pid);
    expect(back.point).toBeInstanceOf(Point);
    expect(back.signals[0]).toBeInstanceOf(Exit);
    expect(back.signals[1]).toBeInstanceOf(NodeDown);
    expect(back.signals[1]).toEqual(value.signals[1]);
    expect(back.error).toBeInstanceOf(NodeError);
    expect(back.error).toMatchObject({ node: 'b@h', reason: 'noconnection', message: 'down' });
    expect(back.error.message).toBe('down');
    const { error: _e, ...rest } = back;
    const { error: _v, ...expected } = value;
    expect(rest).toEqual(expected);
  });

  it('carry the Erlang terms Tuple, ImproperList, BitBinary and OpaqueTerm back as themselves', () => {
    const value = [
      new Tuple(Symbol.for('ok'), [new Tuple()]),
      new ImproperList([1, { a: new Tuple(1) }], Symbol.for('tail')),
      new BitBinary(Uint8Array.of(0xa0), 3),
      new OpaqueTerm('fun', Uint8Array.of(112, 0, 0, 0, 4)),
    ];
    const back = travel(value) as typeof value;
    expect(back).toStrictEqual(value);
    expect(back[0]).toBeInstanceOf(Tuple);
    expect((back[1] as ImproperList).items[1]).toStrictEqual({ a: new Tuple(1) });
  });

  it('escape a user object that has the tag key, and keep a null prototype', () => {
    const odd = { '\u0000': 'p', n: 'x', i: 1, c: 1 };
    expect(travel(odd)).toEqual(odd);
    const bare = Object.assign(Object.create(null) as object, { a: 1 });
    const back = travel(bare) as object;
    expect(Object.getPrototypeOf(back)).toBeNull();
    expect(back).toEqual(bare);
  });

  it('keep a Down with a { name, node } in place of a pid', () => {
    const h = host();
    const R = Ref as unknown as new (n: string, i: number, c: number) => Ref;
    const ref = new R('a@h', 1, 1);
    const down = new Down(ref, { name: 'x', node: 'b@h' }, 'noproc');
    const back = travel(down, h) as Down;
    expect(back).toBeInstanceOf(Down);
    expect(back.ref).toBe(ref);
    expect(back.pid).toEqual({ name: 'x', node: 'b@h' });
  });

  it('refuse what cannot be copied with the TypeError of messages: copy, naming where', () => {
    expect(() => encode({ a: [1, () => 1] }, host(), 'send')).toThrow(
      /^send: cannot copy a function \(.*\) at message\.a\[1\]/,
    );
    expect(() => encode(Promise.resolve(1), host(), 'send')).toThrow(/cannot copy a promise/);
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(() => encode(circular, host(), 'send')).toThrow(/nested too deeply \(circular\?\)/);
  });
});
