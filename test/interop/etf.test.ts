import { describe, expect, it } from 'vitest';
import { Pid, Ref } from '../../src/core/pid.js';
import { decodeTerm } from '../../src/dist/etf/decode.js';
import { encodeTerm } from '../../src/dist/etf/encode.js';
import { decodeReasonTerm, encodeReasonTerm } from '../../src/dist/etf/reasons.js';
import { ImproperList, type PidCodec, Tuple } from '../../src/dist/etf/terms.js';
import { CallError, Exit } from '../../src/index.js';
import { erlEval } from './erlang.js';

const codec: PidCodec = {
  pidOf: (v) =>
    v instanceof Pid ? { node: v.node, id: v.id, serial: 0, creation: v.creation } : undefined,
  refOf: (v) =>
    v instanceof Ref ? { node: v.node, creation: v.creation, words: [v.id, 0, 0] } : undefined,
  pid: (w) => new Pid(w.node, w.id, w.creation),
  ref: (w) => new Ref(w.node, w.words[0]!, w.creation),
};

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/** What Erlang makes of each encoded value: `io_lib:format("~w", [binary_to_term(B)])`, a line each. */
async function erlangReads(values: unknown[]): Promise<string[]> {
  const list = values.map((v) => `"${hex(encodeTerm(v, codec))}"`).join(',');
  const out = await erlEval(
    `[io:format("~w~n", [binary_to_term(binary:decode_hex(list_to_binary(H)))]) || H <- [${list}]]`,
  );
  return out.trim().split('\n');
}

describe('Erlang/OTP reads what otp-ts writes', () => {
  it('as the natural terms of the table', async () => {
    expect(
      await erlangReads([
        42,
        -70000,
        2n ** 80n,
        3.25,
        'héllo',
        Symbol.for('ok'),
        true,
        null,
        undefined,
        [1, 'a', [2]],
        [97, 98],
        new Tuple(Symbol.for('reply'), 7),
        new ImproperList([1], Symbol.for('t')),
        { name: 'x' },
        new Map<unknown, unknown>([[Symbol.for('a'), 1]]),
      ]),
    ).toEqual([
      '42',
      '-70000',
      '1208925819614629174706176',
      '3.25',
      '<<104,195,169,108,108,111>>',
      'ok',
      'true',
      'nil',
      'undefined',
      '[1,<<97>>,[2]]',
      '[97,98]',
      '{reply,7}',
      '[1|t]',
      '#{<<110,97,109,101>> => <<120>>}',
      '#{a => 1}',
    ]);
  });

  it('as tagged tuples for what Erlang has no term of its own, pids and refs included', async () => {
    const [nan, small, bytes, set, pid, ref, exit, error] = await erlangReads([
      Number.NaN,
      5n,
      Uint8Array.of(1, 2),
      new Set([1]),
      new Pid('app@host', 7, 3),
      new Ref('app@host', 9, 3),
      new Exit(new Pid('app@host', 7, 3), { shutdown: 'killed' }),
      Object.assign(new CallError('m', 'noproc', 'db'), { stack: 's' }),
    ]);
    expect(exit).toMatch(/^\{'\$otp',exit,\{<\d+\.7\.0>,\{shutdown,killed\}\}\}$/);
    expect(error).toBe(
      "{'$otp',error,#{class => <<67,97,108,108,69,114,114,111,114>>,fields => #{<<100,101,115,116>> => <<100,98>>,<<110,97,109,101>> => <<67,97,108,108,69,114,114,111,114>>,<<114,101,97,115,111,110>> => <<110,111,112,114,111,99>>},message => <<109>>,name => <<67,97,108,108,69,114,114,111,114>>,stack => <<115>>}}",
    );
    expect(nan).toBe("{'$otp',float,<<78,97,78>>}");
    expect(small).toBe("{'$otp',bigint,5}");
    expect(bytes).toBe("{'$otp',bytes,<<1,2>>}");
    expect(set).toBe("{'$otp',set,[1]}");
    expect(pid).toMatch(/^<\d+\.7\.0>$/);
    expect(ref).toMatch(/^#Ref<\d+\.0\.0\.9>$/);
  });
});

describe('otp-ts reads what Erlang/OTP writes', () => {
  it('every kind of term, compressed ones included', async () => {
    const out = await erlEval(
      `[io:format("~s~n", [binary:encode_hex(term_to_binary(T, O))]) || {T, O} <- [` +
        `{{ok, 1, 2.5, <<"s">>, [a | b], #{k => [1,2]}}, []}, ` +
        `{lists:duplicate(40, <<"abc">>), [compressed]}, ` +
        `{self(), []}, {make_ref(), []}, {fun lists:map/2, []}, {<<5:3>>, []}, ` +
        `{-123456789012345678901234567890, []}, {"charlist", []}]]`,
    );
    const terms = out
      .trim()
      .split('\n')
      .map((h) => decodeTerm(Uint8Array.from(Buffer.from(h, 'hex')), codec));
    expect(terms[0]).toEqual(
      new Tuple(
        Symbol.for('ok'),
        1,
        2.5,
        's',
        new ImproperList([Symbol.for('a')], Symbol.for('b')),
        new Map([[Symbol.for('k'), [1, 2]]]),
      ),
    );
    expect(terms[1]).toEqual(Array.from({ length: 40 }, () => 'abc'));
    expect(terms[2]).toBeInstanceOf(Pid);
    expect(terms[3]).toBeInstanceOf(Ref);
    expect(terms[4]).toMatchObject({ kind: 'export' });
    expect(terms[5]).toMatchObject({ bits: 3 });
    expect(terms[6]).toBe(-123456789012345678901234567890n);
    expect(terms[7]).toEqual([...'charlist'].map((c) => c.charCodeAt(0)));
  });
});

describe('exit reasons between Erlang/OTP and otp-ts', () => {
  it("Erlang reads OTP's words as atoms and { shutdown: x } as {shutdown, X}, normal ends as isNormalExit says", async () => {
    const reasons: unknown[] = [
      'normal',
      'shutdown',
      'killed',
      'noconnection',
      'timeout',
      { shutdown: 'restart' },
      { shutdown: 'timeout' },
      'custom',
      Symbol.for('badarg'),
      () => 1,
    ];
    const list = reasons
      .map((r) => `"${hex(Uint8Array.of(131, ...encodeReasonTerm(r, codec).bytes))}"`)
      .join(',');
    // Each reason, and whether it is a normal end by the test of supervisor.erl
    // (is_abnormal_termination: normal, shutdown, {shutdown, _}), as isNormalExit's.
    const out = await erlEval(
      `[begin R = binary_to_term(binary:decode_hex(list_to_binary(H))), ` +
        `Normal = case R of normal -> true; shutdown -> true; {shutdown, _} -> true; _ -> false end, ` +
        `io:format("~w ~w~n", [R, Normal]) end || H <- [${list}]]`,
    );
    expect(out.trim().split('\n')).toEqual([
      'normal true',
      'shutdown true',
      'killed false',
      'noconnection false',
      'timeout false',
      '{shutdown,<<114,101,115,116,97,114,116>>} true',
      '{shutdown,timeout} true',
      '<<99,117,115,116,111,109>> false',
      'badarg false',
      // A function has no term: its description, a binary.
      expect.stringMatching(/^<<[0-9,]+>> false$/),
    ]);
  });

  it('otp-ts reads the reasons Erlang writes', async () => {
    const out = await erlEval(
      `[io:format("~s~n", [binary:encode_hex(term_to_binary(R))]) || R <- [` +
        `normal, shutdown, kill, noproc, {shutdown, restart}, {shutdown, normal}, badarg, ` +
        `{badarith, [{m, f, 1, []}]}, <<"text">>]]`,
    );
    const reasons = out
      .trim()
      .split('\n')
      .map((h) => decodeReasonTerm(decodeTerm(Uint8Array.from(Buffer.from(h, 'hex')), codec)));
    expect(reasons).toStrictEqual([
      'normal',
      'shutdown',
      'kill',
      'noproc',
      { shutdown: Symbol.for('restart') },
      { shutdown: 'normal' },
      Symbol.for('badarg'),
      new Tuple(Symbol.for('badarith'), [new Tuple(Symbol.for('m'), Symbol.for('f'), 1, [])]),
      'text',
    ]);
  });
});
