import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Pid, Ref } from '../../src/core/pid.js';
import {
  type CodecHost,
  decode as codecDecode,
  encode as codecEncode,
} from '../../src/dist/codec.js';
import { decodeTerm, decodeTerms } from '../../src/dist/etf/decode.js';
import { encodeTerm } from '../../src/dist/etf/encode.js';
import {
  BitBinary,
  ImproperList,
  OpaqueTerm,
  type PidCodec,
  TermError,
  Tuple,
  type WirePid,
  type WireRef,
} from '../../src/dist/etf/terms.js';
import {
  CallError,
  Down,
  Exit,
  NodeDown,
  NodeError,
  NoProcError,
  registerMessageClass,
  StartError,
} from '../../src/index.js';

class Point {
  constructor(
    readonly x: number,
    readonly y: unknown,
  ) {}
}
registerMessageClass(Point);

class AppError extends Error {
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
    this.name = 'AppError';
  }
}
registerMessageClass(AppError);

/** A codec that interns pids and refs by their wire form, as the node layer does. */
function testCodec(): PidCodec {
  const pids = new Map<string, Pid>();
  const refs = new Map<string, Ref>();
  return {
    pidOf: (value) =>
      value instanceof Pid
        ? { node: value.node, id: value.id, serial: 0, creation: value.creation }
        : undefined,
    refOf: (value) =>
      value instanceof Ref
        ? { node: value.node, creation: value.creation, words: [value.id, 0, 0] }
        : undefined,
    pid: (wire: WirePid) => {
      const key = `${wire.node}/${wire.id}/${wire.creation}`;
      let pid = pids.get(key);
      if (pid === undefined) pids.set(key, (pid = new Pid(wire.node, wire.id, wire.creation)));
      return pid;
    },
    ref: (wire: WireRef) => {
      const key = `${wire.node}/${wire.words.join('.')}/${wire.creation}`;
      let ref = refs.get(key);
      if (ref === undefined)
        refs.set(key, (ref = new Ref(wire.node, wire.words[0]!, wire.creation)));
      return ref;
    },
  };
}

const hex = (text: string) => Uint8Array.from(Buffer.from(text, 'hex'));
const toHex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex').toUpperCase();

// Made by Erlang/OTP 25: `binary:encode_hex(term_to_binary(Term, [{minor_version, 2}]))`.
const FROM_ERLANG = {
  int_small: '83612A',
  int_neg: '8362FFFFFFF9',
  int_big: '836E0D00D20A3F4EEEE073C3F60FE98E01',
  int_negbig: '836E0901000000000000000001',
  float: '8346400C000000000000',
  atom: '8377026F6B',
  atom_utf8: '83770668C3A96C6C6F',
  bool: '83770474727565',
  nil_atom: '8377036E696C',
  undef: '837709756E646566696E6564',
  binary: '836D0000000568656C6C6F',
  binary_utf8: '836D0000000A68C3A96C6C6F20E282AC',
  raw_binary: '836D00000003FF0001',
  list: '836C0000000361016D000000016177026F6B6A',
  charlist: '836B0003616263',
  improper: '836C0000000161016102',
  tuple: '83680377026F6B61016D0000000178',
  empty_list: '836A',
  empty_tuple: '836800',
  map_bin: '8374000000026D000000016161016D00000001626B000102',
  map_atom: '8374000000017701616101',
  nested: '83680277057265706C796C0000000174000000016D000000016B680261014640000000000000006A',
  bits: '834D000000010320',
  fun_export: '837177056C6973747377036D61706102',
  compressed: '8350000002C2789CCB61606030CA602A67CACFCE0532991393924779A3BCA1C3CB02000CD0A73F',
  pid: '835864000D6E6F6E6F6465406E6F686F7374000000090000000000000000',
  ref: '835A000364000D6E6F6E6F6465406E6F686F73740000000000029A8DA5EC00029CFF04C2',
};

describe('decodeTerm', () => {
  const codec = testCodec();
  const decode = (name: keyof typeof FROM_ERLANG) => decodeTerm(hex(FROM_ERLANG[name]), codec);

  it('reads the integers, floats and atoms Erlang sends', () => {
    expect(decode('int_small')).toBe(42);
    expect(decode('int_neg')).toBe(-7);
    expect(decode('int_big')).toBe(123456789012345678901234567890n);
    expect(decode('int_negbig')).toBe(-18446744073709551616n);
    expect(decode('float')).toBe(3.5);
    expect(decode('atom')).toBe(Symbol.for('ok'));
    expect(decode('atom_utf8')).toBe(Symbol.for('héllo'));
    expect(decode('bool')).toBe(true);
    expect(decode('nil_atom')).toBeNull();
    expect(decode('undef')).toBeUndefined();
  });

  it('reads a UTF-8 binary as a string and any other binary as bytes', () => {
    expect(decode('binary')).toBe('hello');
    expect(decode('binary_utf8')).toBe('héllo €');
    expect(decode('raw_binary')).toEqual(Uint8Array.from([255, 0, 1]));
  });

  it('reads lists, charlists, improper lists, tuples and maps', () => {
    expect(decode('list')).toEqual([1, 'a', Symbol.for('ok')]);
    expect(decode('charlist')).toEqual([97, 98, 99]);
    expect(decode('improper')).toEqual(new ImproperList([1], 2));
    expect(decode('tuple')).toEqual(new Tuple(Symbol.for('ok'), 1, 'x'));
    expect(decode('empty_list')).toEqual([]);
    expect(decode('empty_tuple')).toEqual(new Tuple());
    expect(decode('map_bin')).toEqual({ a: 1, b: [2] });
    expect(decode('map_atom')).toEqual(new Map([[Symbol.for('a'), 1]]));
    expect(decode('nested')).toEqual(new Tuple(Symbol.for('reply'), [{ k: new Tuple(1, 2) }]));
  });

  it('reads bit binaries, and keeps funs and ports as opaque terms', () => {
    expect(decode('bits')).toEqual(new BitBinary(Uint8Array.from([0x20]), 3));
    const fun = decode('fun_export') as OpaqueTerm;
    expect(fun).toBeInstanceOf(OpaqueTerm);
    expect(fun.kind).toBe('export');
    // Sent back, it is the same term.
    expect(toHex(encodeTerm(fun, codec))).toBe(FROM_ERLANG.fun_export);
  });

  it('inflates a compressed term', () => {
    const list = decode('compressed') as Tuple[];
    expect(list).toHaveLength(50);
    expect(list[49]).toEqual(new Tuple(Symbol.for('ok'), 'abc'));
  });

  it('reads pids and references through the codec, the same one each time', () => {
    const pid = decode('pid') as Pid;
    expect(pid).toBeInstanceOf(Pid);
    expect(pid).toMatchObject({ node: 'nonode@nohost', id: 9, creation: 0 });
    expect(decode('pid')).toBe(pid);
    expect(decode('ref')).toBeInstanceOf(Ref);
  });

  it('reads the control message and the payload of a distribution message, back to back', () => {
    const bytes = new Uint8Array([...hex(FROM_ERLANG.tuple), ...hex(FROM_ERLANG.binary)]);
    expect(decodeTerms(bytes, codec)).toEqual([new Tuple(Symbol.for('ok'), 1, 'x'), 'hello']);
  });
});

describe('encodeTerm', () => {
  const codec = testCodec();
  const encode = (value: unknown) => toHex(encodeTerm(value, codec));

  it("writes the natural values exactly as Erlang's term_to_binary does", () => {
    expect(encode(42)).toBe(FROM_ERLANG.int_small);
    expect(encode(-7)).toBe(FROM_ERLANG.int_neg);
    expect(encode(123456789012345678901234567890n)).toBe(FROM_ERLANG.int_big);
    expect(encode(3.5)).toBe(FROM_ERLANG.float);
    expect(encode(Symbol.for('ok'))).toBe(FROM_ERLANG.atom);
    expect(encode(Symbol.for('héllo'))).toBe(FROM_ERLANG.atom_utf8);
    expect(encode(true)).toBe(FROM_ERLANG.bool);
    expect(encode(null)).toBe(FROM_ERLANG.nil_atom);
    expect(encode(undefined)).toBe(FROM_ERLANG.undef);
    expect(encode('hello')).toBe(FROM_ERLANG.binary);
    expect(encode('héllo €')).toBe(FROM_ERLANG.binary_utf8);
    expect(encode([1, 'a', Symbol.for('ok')])).toBe(FROM_ERLANG.list);
    expect(encode([97, 98, 99])).toBe(FROM_ERLANG.charlist);
    expect(encode(new ImproperList([1], 2))).toBe(FROM_ERLANG.improper);
    expect(encode(new Tuple(Symbol.for('ok'), 1, 'x'))).toBe(FROM_ERLANG.tuple);
    expect(encode([])).toBe(FROM_ERLANG.empty_list);
    expect(encode(new Tuple())).toBe(FROM_ERLANG.empty_tuple);
    expect(encode({ a: 1, b: [2] })).toBe(FROM_ERLANG.map_bin);
    expect(encode(new Map([[Symbol.for('a'), 1]]))).toBe(FROM_ERLANG.map_atom);
    expect(encode(new Tuple(Symbol.for('reply'), [{ k: new Tuple(1, 2.0) }]))).not.toBe(
      FROM_ERLANG.nested, // 2.0 is the integer 2 in JavaScript: Erlang's float 2.0 has no JS twin
    );
  });

  it('throws a TermError naming the path of what has no term', () => {
    expect(() => encodeTerm({ a: [1, () => 0] }, codec)).toThrow(
      /a function .* at message\.a\[1\]/,
    );
    expect(() => encodeTerm({ s: Symbol('local') }, codec)).toThrow(/Symbol.for/);
    class Secret {}
    expect(() => encodeTerm([new Secret()], codec)).toThrow(
      /an instance of Secret \(.*\) at message\[0\]/,
    );
    const loop: unknown[] = [];
    loop.push(loop);
    expect(() => encodeTerm(loop, codec)).toThrow(TermError);
  });
});

/** Values of every kind the table maps, nested. */
const values = fc.letrec((tie) => ({
  leaf: fc.oneof(
    fc.string({ unit: 'grapheme' }),
    // Any UTF-16 code units, lone surrogates included.
    fc
      .array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 6 })
      .map((units) => String.fromCharCode(...units)),
    fc.constantFrom(-0, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, -(2 ** 31) - 1),
    fc.integer(),
    fc.maxSafeInteger(),
    fc.double(),
    fc.bigInt(),
    fc.boolean(),
    fc.constant(null),
    fc.constant(undefined),
    fc.string({ minLength: 1, maxLength: 20 }).map((s) => Symbol.for(s)),
    fc.constantFrom('true', 'false', 'nil', 'undefined', '$otp', 'map').map((s) => Symbol.for(s)),
    fc.uint8Array({ maxLength: 20 }),
    fc.float64Array({ maxLength: 4 }).map((a) => new Float64Array(a)),
    fc.int16Array({ maxLength: 4 }).map((a) => new DataView(a.buffer)),
    fc.uint8Array({ maxLength: 6 }).map((a) => a.buffer),
    fc.date(),
    fc.date({ noInvalidDate: false }),
    fc.constant(new Pid('a@h', 7, 2)),
    fc.constant(new Ref('a@h', 9, 2)),
    fc
      .record({
        bytes: fc.uint8Array({ minLength: 1, maxLength: 4 }),
        bits: fc.integer({ min: 1, max: 7 }),
      })
      .map(({ bytes, bits }) => new BitBinary(bytes, bits)),
  ),
  node: fc.oneof(
    { depthSize: 'small' },
    tie('leaf'),
    fc.array(tie('node'), { maxLength: 4 }),
    fc.dictionary(fc.string({ unit: 'grapheme', maxLength: 8 }), tie('node'), { maxKeys: 4 }),
    fc.array(tie('node'), { maxLength: 4 }).map((items) => new Tuple(...items)),
    fc
      .array(fc.tuple(tie('leaf'), tie('node')), { maxLength: 3 })
      .map((entries) => new Map(entries)),
    fc.array(fc.integer(), { maxLength: 4 }).map((items) => new Set(items)),
    fc.string().map((message) => new RangeError(message)),
    // Tuples that read as tagged ones.
    fc
      .tuple(fc.constantFrom('map', 'date', 'error', 'x'), tie('node'))
      .map(([kind, payload]) => new Tuple(Symbol.for('$otp'), Symbol.for(kind), payload)),
    fc
      .tuple(fc.array(tie('node'), { minLength: 1, maxLength: 3 }), tie('leaf'))
      .filter(([, tail]) => !Array.isArray(tail))
      .map(([items, tail]) => new ImproperList(items, tail)),
    fc
      .dictionary(fc.string({ maxLength: 6 }), tie('node'), { maxKeys: 3 })
      .map((fields) => Object.assign(Object.create(null) as object, fields)),
    fc
      .array(fc.tuple(fc.string({ maxLength: 4 }), tie('node')), { maxLength: 3 })
      .map((entries) => new Map(entries)),
    fc.tuple(tie('node'), tie('node')).map(([x, y]) => new Point(x as number, y)),
    fc.tuple(fc.string(), tie('node')).map(([node, reason]) => new NodeDown(node, reason)),
    tie('node').map((reason) => new Exit(new Pid('a@h', 1, 1), reason)),
    tie('node').map((reason) => new Down(new Ref('a@h', 2, 1), new Pid('a@h', 1, 1), reason)),
    tie('node').map((reason) => new CallError('call failed', reason, 'server')),
    fc.constant(new NoProcError('GenServer.call', 'nobody')),
    tie('node').map((reason) => new StartError('start failed', reason, 'child', { cause: reason })),
    fc.constant(new NodeError('down', 'b@h', 'noconnection')),
    fc.tuple(fc.string(), fc.integer()).map(([m, code]) => new AppError(m, code)),
    fc
      .tuple(fc.string(), tie('node'))
      .map(([m, extra]) => Object.assign(new TypeError(m, { cause: extra }), { extra })),
  ),
})).node;

describe('a round trip through the term format', () => {
  it('gives back every value as it was', () => {
    const codec = testCodec();
    fc.assert(
      fc.property(values, (value) => {
        const back = decodeTerm(encodeTerm(value, codec), codec);
        expect(back).toStrictEqual(value);
      }),
      { numRuns: 1000 },
    );
  });

  it('gives back what the thread codec gives back, for every value the thread codec carries', () => {
    const codec = testCodec();
    const host: CodecHost = {
      pid: (node, id, creation) => codec.pid({ node, id, serial: 0, creation }) as Pid,
      ref: (node, id, creation) => codec.ref({ node, creation, words: [id, 0, 0] }) as Ref,
      exportPid: () => {},
      exportRef: () => {},
    };
    fc.assert(
      fc.property(values, (value) => {
        const overThreads = codecDecode(structuredClone(codecEncode(value, host, 'send')), host);
        const overTcp = decodeTerm(encodeTerm(value, codec), codec);
        expect(overTcp).toStrictEqual(overThreads);
      }),
      { numRuns: 500 },
    );
  });

  it("keeps otp-ts's errors with their class, message, stack, cause and fields", () => {
    const codec = testCodec();
    const round = (v: unknown) => decodeTerm(encodeTerm(v, codec), codec);
    const error = new CallError('GenServer.call to <0.3.0> failed', 'noproc', 'db', {
      cause: new RangeError('inner'),
    });
    const back = round(error) as CallError;
    expect(back).toBeInstanceOf(CallError);
    expect(back).toMatchObject({ name: 'CallError', reason: 'noproc', dest: 'db' });
    expect(back.message).toBe(error.message);
    expect(back.stack).toBe(error.stack);
    expect(back.cause).toBeInstanceOf(RangeError);
    expect(Object.keys(back)).toEqual(Object.keys(error));
    // An error of a class this node does not know: an Error that keeps its name.
    class Unknown extends Error {}
    Object.defineProperty(Unknown.prototype, 'name', { value: 'Unknown' });
    const unknown = round(new Unknown('?')) as Error;
    expect(Object.getPrototypeOf(unknown)).toBe(Error.prototype);
    expect(unknown.name).toBe('Unknown');
    expect(Object.keys(unknown)).toEqual([]);
    // A registered class with a field named __proto__ gets it as a field, not a prototype.
    const odd = round(new Point(1, JSON.parse('{"__proto__": {"polluted": 1}}'))) as Point;
    expect(odd).toBeInstanceOf(Point);
    expect(Object.keys(odd.y as object)).toEqual(['__proto__']);
    expect(({} as { polluted?: number }).polluted).toBeUndefined();
  });

  it('keeps the order of a Map of string keys, integer-like ones included', () => {
    const codec = testCodec();
    const map = new Map([
      ['b', 1],
      ['1', 2],
    ]);
    expect([...(decodeTerm(encodeTerm(map, codec), codec) as Map<string, number>).keys()]).toEqual([
      'b',
      '1',
    ]);
  });

  it('keeps -0, NaN, the infinities, small bigints, a Map of string keys and a Buffer-free Uint8Array', () => {
    const codec = testCodec();
    const round = (v: unknown) => decodeTerm(encodeTerm(v, codec), codec);
    expect(Object.is(round(-0), -0)).toBe(true);
    expect(round(Number.NaN)).toBeNaN();
    expect(round(Number.NEGATIVE_INFINITY)).toBe(Number.NEGATIVE_INFINITY);
    expect(round(5n)).toBe(5n);
    expect(round(new Map([['a', 1]]))).toEqual(new Map([['a', 1]]));
    expect(round(Uint8Array.from([104, 105]))).toEqual(Uint8Array.from([104, 105]));
    expect(round('\uFEFFbom')).toBe('\uFEFFbom');
    const pid = new Pid('a@b', 3, 1);
    const ref = new Ref('a@b', 4, 1);
    expect(round(new Exit(pid, 'normal'))).toEqual(new Exit(pid, 'normal'));
    expect(round(new Down(ref, pid, 'killed'))).toEqual(new Down(ref, pid, 'killed'));
  });
});

describe('decoding untrusted bytes', () => {
  const codec = testCodec();

  function onlyTermErrors(bytes: Uint8Array): void {
    try {
      decodeTerm(bytes, codec);
    } catch (error) {
      expect(error).toBeInstanceOf(TermError);
    }
  }

  it('throws nothing but a TermError for random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (tail) => {
        onlyTermErrors(new Uint8Array([131, ...tail]));
      }),
      { numRuns: 2000 },
    );
  });

  it('throws nothing but a TermError for valid terms truncated or with a byte changed', () => {
    fc.assert(
      fc.property(values, fc.nat(), fc.nat(255), (value, at, byte) => {
        const bytes = encodeTerm(value, codec);
        onlyTermErrors(bytes.subarray(0, at % bytes.length));
        const changed = bytes.slice();
        changed[at % bytes.length] = byte;
        onlyTermErrors(changed);
      }),
      { numRuns: 1000 },
    );
  });

  it('gives back a value or the tuple itself for a tagged tuple with any payload, and throws nothing', () => {
    const kinds = [
      'float',
      'bigint',
      'bytes',
      'arraybuffer',
      'DataView',
      'utf16',
      'symbol',
      'tuple',
      'map',
      'nullproto',
      'set',
      'date',
      'error',
      'class',
      'exit',
      'down',
      'nodedown',
      'Int32Array',
      'BigInt64Array',
      'constructor',
      '__proto__',
      'toString',
    ];
    const atom = (name: string) => [119, name.length, ...Buffer.from(name)];
    fc.assert(
      fc.property(fc.constantFrom(...kinds), values, (kind, payload) => {
        const body = encodeTerm(payload, codec).subarray(1);
        const bytes = Uint8Array.from([131, 104, 3, ...atom('$otp'), ...atom(kind), ...body]);
        decodeTerm(bytes, codec);
      }),
      { numRuns: 2000 },
    );
    const bytes = (kind: string, payload: unknown) =>
      Uint8Array.from([
        131,
        104,
        3,
        ...atom('$otp'),
        ...atom(kind),
        ...encodeTerm(payload, codec).subarray(1),
      ]);
    expect(decodeTerm(bytes('bigint', 1.5), codec)).toBeInstanceOf(Tuple);
    expect(decodeTerm(bytes('error', new Map([[Symbol.for('class'), 1]])), codec)).toBeInstanceOf(
      Tuple,
    );
    expect(decodeTerm(bytes('utf16', Uint8Array.of(1, 2, 3)), codec)).toBeInstanceOf(Tuple);
  });

  it('reads a big integer of a million bytes in linear time', () => {
    const n = 1_000_000;
    const bytes = new Uint8Array(7 + n);
    bytes.set([131, 111, (n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255, 0]);
    bytes[bytes.length - 1] = 1;
    expect(decodeTerm(bytes, codec)).toBe(1n << BigInt(8 * (n - 1)));
  });

  it('refuses a count larger than the bytes left before allocating', () => {
    expect(() => decodeTerm(hex('836CFFFFFFFF6A'), codec)).toThrow(/exceeds the bytes left/);
    expect(() => decodeTerm(hex('8374FFFFFFFF'), codec)).toThrow(TermError);
    expect(() => decodeTerm(hex('836DFFFFFFFF00'), codec)).toThrow(/truncated/);
  });

  it('refuses nesting deeper than the limit without exhausting the stack', () => {
    const depth = 100_000;
    const bytes = new Uint8Array(1 + depth * 6 + 1);
    bytes[0] = 131;
    for (let i = 0; i < depth; i++) bytes.set([108, 0, 0, 0, 1], 1 + i * 5);
    expect(() => decodeTerm(bytes, codec)).toThrow(/nested deeper than 1000/);
  });

  it('refuses a compressed term that claims more than the limit, or inflates to another size', () => {
    expect(() => decodeTerm(hex('8350FFFFFFFF789C'), codec)).toThrow(/over the limit/);
    expect(() => decodeTerm(hex(FROM_ERLANG.compressed), codec, { maxInflated: 100 })).toThrow(
      /over the limit/,
    );
    const lying = hex(FROM_ERLANG.compressed);
    lying[5] = 0x10; // claims 0x10C2 bytes
    expect(() => decodeTerm(lying, codec)).toThrow(TermError);
  });

  it('refuses bytes after the term, an atom cache reference and an unknown tag', () => {
    expect(() => decodeTerm(hex('83612A00'), codec)).toThrow(/after the term/);
    expect(() => decodeTerm(hex('835200'), codec)).toThrow(/atom cache/);
    expect(() => decodeTerm(hex('83FF'), codec)).toThrow(/unknown tag 255/);
  });
});
