import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GenServer, Runtime, reply, Tuple } from '../../src/index.js';
import { ErlNode, ensureEpmd } from './erlang.js';

// otp-ts's TLS distribution against Erlang's inet_tls_dist: both verify the other's
// certificate (signed by the test CA, made for localhost).
const dir = (name: string) =>
  fileURLToPath(new URL(`../dist/fixtures/tls/${name}`, import.meta.url));
const key = readFileSync(dir('key.pem'));
const cert = readFileSync(dir('cert.pem'));
const ca = readFileSync(dir('ca.pem'));
const COOKIE = 'tls-interop-cookie';
const suffix = `${process.pid}`;

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const clean of cleanups.splice(0).reverse()) await clean();
});

beforeAll(ensureEpmd);

class Echo extends GenServer<null, unknown, never> {
  override init() {
    return null;
  }
  override handleCall(request: unknown, _from: unknown, state: null) {
    return reply(new Tuple(Symbol.for('ts_echo'), request), state);
  }
}

function sslOptions(): string {
  const side = `{certfile,"${dir('cert.pem')}"},{keyfile,"${dir('key.pem')}"},{cacertfile,"${dir('ca.pem')}"},{verify,verify_peer}`;
  const file = join(tmpdir(), `otp-ts-ssl-dist-${suffix}.conf`);
  writeFileSync(
    file,
    `[{server,[${side},{fail_if_no_peer_cert,true}]},{client,[${side},{server_name_indication,"localhost"}]}].\n`,
  );
  return file;
}

describe("TLS distribution against Erlang's inet_tls_dist", () => {
  it('connects both ways, and calls go through', async () => {
    const rt = new Runtime({ node: `tlsts${suffix}@localhost`, logger: false });
    cleanups.push(() => rt.shutdown());
    await rt.startDistribution({ cookie: COOKIE, tls: { key, cert, ca } });
    await rt.start(Echo, undefined, { name: 'echo' });
    const erlNode = `tlserl${suffix}@localhost`;
    const erl = new ErlNode(
      [
        '-proto_dist',
        'inet_tls',
        '-ssl_dist_optfile',
        sslOptions(),
        '-sname',
        erlNode,
        '-setcookie',
        COOKIE,
      ],
      `Loop = fun L() -> receive {'$gen_call', From, Req} -> gen:reply(From, {erl_echo, Req}), L() end end,
       register(eecho, spawn(Loop)),
       io:format("call ~p~n", [gen_server:call({echo, '${rt.node}'}, hi)]),
       receive after infinity -> ok end.`,
    );
    cleanups.push(() => erl.stop());
    expect(await erl.line(/^call /)).toBe('call {ts_echo,hi}');
    expect(await GenServer.call(rt, { name: 'eecho', node: erlNode }, 'x')).toEqual(
      new Tuple(Symbol.for('erl_echo'), 'x'),
    );
  });
});
