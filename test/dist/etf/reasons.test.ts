import { describe, expect, it } from 'vitest';
import { Pid, Ref } from '../../../src/core/pid.js';
import { decodeTerm } from '../../../src/dist/etf/decode.js';
import { encodeTerm } from '../../../src/dist/etf/encode.js';
import { decodeReasonTerm, encodeReasonTerm } from '../../../src/dist/etf/reasons.js';
import type { PidCodec } from '../../../src/dist/etf/terms.js';
import { CallError, isNormalExit, Tuple } from '../../../src/index.js';

const codec: PidCodec = {
  pidOf: (v) =>
    v instanceof Pid ? { node: v.node, id: v.id, serial: 0, creation: v.creation } : undefined,
  refOf: (v) =>
    v instanceof Ref ? { node: v.node, creation: v.creation, words: [v.id, 0, 0] } : undefined,
  pid: (w) => new Pid(w.node, w.id, w.creation),
  ref: (w) => new Ref(w.node, w.words[0]!, w.creation),
};

/** The term a reason is on the wire, as the message decoder reads it. */
const wire = (reason: unknown) =>
  decodeTerm(Uint8Array.of(131, ...encodeReasonTerm(reason, codec).bytes), codec);
/** A reason there and back. */
const round = (reason: unknown) => decodeReasonTerm(wire(reason));

describe('encodeReasonTerm', () => {
  it("writes OTP's words as atoms and { shutdown: x } as {shutdown, X}", () => {
    for (const word of [
      'normal',
      'shutdown',
      'kill',
      'killed',
      'noproc',
      'noconnection',
      'timeout',
    ]) {
      expect(wire(word)).toBe(Symbol.for(word));
    }
    expect(wire({ shutdown: 'restart' })).toEqual(new Tuple(Symbol.for('shutdown'), 'restart'));
    expect(wire({ shutdown: 'timeout' })).toEqual(
      new Tuple(Symbol.for('shutdown'), Symbol.for('timeout')),
    );
  });

  it('writes any other string as a binary, and anything else as the message mapping does', () => {
    expect(wire('oops')).toBe('oops');
    expect(wire(Symbol.for('badarg'))).toBe(Symbol.for('badarg'));
    expect(wire({ shutdown: 1, other: 2 })).toEqual({ shutdown: 1, other: 2 });
    expect(wire(new RangeError('bad'))).toBeInstanceOf(RangeError);
  });

  it('writes a reason that has no term as its description, keeping {shutdown, X} around it', () => {
    expect(wire(() => 1)).toMatch(/Function/);
    const inner = wire({ shutdown: () => 1 }) as Tuple;
    expect(inner).toBeInstanceOf(Tuple);
    expect(inner.elements[0]).toBe(Symbol.for('shutdown'));
    expect(inner.elements[1]).toMatch(/Function/);
    const hostile = new Proxy(
      {},
      {
        getPrototypeOf: () => {
          throw new Error('trap');
        },
      },
    );
    expect(typeof wire(hostile)).toBe('string');
  });

  it('gives bytes to embed as they are in a control message', () => {
    const from = new Pid('a@h', 1, 1);
    const to = new Pid('b@h', 2, 1);
    const control = encodeTerm(new Tuple(3, from, to, encodeReasonTerm('killed', codec)), codec);
    expect(decodeTerm(control, codec)).toEqual(new Tuple(3, from, to, Symbol.for('killed')));
  });
});

describe('decodeReasonTerm', () => {
  it("reads OTP's words as strings, other atoms as symbols, {shutdown, X} as { shutdown: x }", () => {
    expect(decodeReasonTerm(Symbol.for('normal'))).toBe('normal');
    expect(decodeReasonTerm(Symbol.for('noconnection'))).toBe('noconnection');
    expect(decodeReasonTerm(Symbol.for('badarg'))).toBe(Symbol.for('badarg'));
    expect(decodeReasonTerm(new Tuple(Symbol.for('shutdown'), Symbol.for('normal')))).toEqual({
      shutdown: 'normal',
    });
    const other = new Tuple(Symbol.for('shutdown'), 1, 2);
    expect(decodeReasonTerm(other)).toBe(other);
    expect(decodeReasonTerm('text')).toBe('text');
  });

  it('gives back every reason as it left, normal ones still normal', () => {
    const reasons: unknown[] = [
      'normal',
      'shutdown',
      'killed',
      'custom',
      { shutdown: 'custom' },
      { shutdown: { shutdown: 'noproc' } },
      { shutdown: undefined },
      Symbol.for('badarith'),
      [1, 'two'],
      { code: 3 },
      new CallError('failed', 'timeout', 'db'),
      undefined,
      null,
      42,
    ];
    for (const reason of reasons) {
      const back = round(reason);
      expect(back).toStrictEqual(reason);
      expect(isNormalExit(back)).toBe(isNormalExit(reason));
    }
    // The one exception: a symbol of one of OTP's words is that atom, which comes back as the word.
    expect(round(Symbol.for('normal'))).toBe('normal');
  });
});
