import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GenServer, reply } from '../../../src/index.js';
import { makeRuntime } from '../../helpers.js';
import { COOKIE, epmd, nodeName, useCluster } from './cluster.js';

// Distribution over TLS: two nodes (runtimes of this process, each with its own
// listener) with the test's certificate for localhost, signed by the test's CA.
useCluster();

const key = readFileSync(new URL('../fixtures/tls/key.pem', import.meta.url));
const cert = readFileSync(new URL('../fixtures/tls/cert.pem', import.meta.url));
const ca = readFileSync(new URL('../fixtures/tls/ca.pem', import.meta.url));

class Echo extends GenServer<null, unknown, never> {
  override init() {
    return null;
  }
  override handleCall(request: unknown, _from: unknown, state: null) {
    return reply({ echo: request }, state);
  }
}

describe('startDistribution({ tls })', () => {
  it('connects two TLS nodes, and calls go through', async () => {
    const a = makeRuntime({ node: nodeName('tlsa') });
    const b = makeRuntime({ node: nodeName('tlsb') });
    await a.startDistribution({ cookie: COOKIE, epmd, tls: { key, cert, ca } });
    await b.startDistribution({ cookie: COOKIE, epmd, tls: { key, cert, ca } });
    await b.start(Echo, undefined, { name: 'echo' });
    expect(await GenServer.call(a, { name: 'echo', node: b.node }, [1, 'x'])).toEqual({
      echo: [1, 'x'],
    });
    expect(b.nodes()).toEqual([a.node]);
  });

  it('a node without TLS cannot connect to a TLS node, nor one that does not trust its certificate', async () => {
    const secure = makeRuntime({ node: nodeName('tlss') });
    const plain = makeRuntime({ node: nodeName('plain') });
    const untrusting = makeRuntime({ node: nodeName('untrusting') });
    await secure.startDistribution({ cookie: COOKIE, epmd, tls: { key, cert, ca } });
    await plain.startDistribution({ cookie: COOKIE, epmd });
    // Trusts only the system's authorities, not the test's certificate.
    await untrusting.startDistribution({ cookie: COOKIE, epmd, tls: { key, cert } });
    expect(await plain.connect(secure.node)).toBe(false);
    expect(await untrusting.connect(secure.node)).toBe(false);
    expect(await secure.connect(plain.node)).toBe(false);
    expect(secure.nodes()).toEqual([]);
  });

  it('rejects options that are not TLS options', async () => {
    const rt = makeRuntime({ node: nodeName('badtls') });
    await expect(
      rt.startDistribution({ cookie: COOKIE, epmd, tls: 'yes' as never }),
    ).rejects.toThrow(/expected `tls` to be TLS options/);
  });
});
