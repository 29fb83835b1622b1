import { once } from 'node:events';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { NodeError } from '../../../src/index.js';
import { makeRuntime } from '../../helpers.js';
import { COOKIE, epmd, nodeName, useCluster } from './cluster.js';

useCluster();

describe('rt.startDistribution', () => {
  it("rejects with NodeError 'not_alive' on a runtime without a node name", async () => {
    const rt = makeRuntime();
    await expect(rt.startDistribution({ cookie: COOKIE, epmd })).rejects.toMatchObject({
      name: 'NodeError',
      reason: 'not_alive',
    });
  });

  it("rejects a second start with NodeError 'already_started'", async () => {
    const rt = makeRuntime({ node: nodeName('twice') });
    await rt.startDistribution({ cookie: COOKIE, epmd });
    const error = await rt.startDistribution({ cookie: COOKIE, epmd }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NodeError);
    expect(error).toMatchObject({ reason: 'already_started', node: rt.node });
  });

  it("rejects a name another node holds with NodeError 'not_allowed', naming it", async () => {
    const name = nodeName('taken');
    const first = makeRuntime({ node: name });
    await first.startDistribution({ cookie: COOKIE, epmd });
    const second = makeRuntime({ node: name });
    await expect(second.startDistribution({ cookie: COOKIE, epmd })).rejects.toMatchObject({
      name: 'NodeError',
      reason: 'not_allowed',
      message: expect.stringContaining(name),
    });
  });

  it("rejects a port taken by another server with NodeError 'not_allowed'", async () => {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as { port: number }).port;
    try {
      const rt = makeRuntime({ node: nodeName('port') });
      await expect(rt.startDistribution({ cookie: COOKIE, epmd, port })).rejects.toMatchObject({
        name: 'NodeError',
        reason: 'not_allowed',
        message: expect.stringContaining(String(port)),
      });
    } finally {
      server.close();
    }
  });

  it('rejects malformed options with a TypeError naming the option', async () => {
    const rt = makeRuntime({ node: nodeName('bad') });
    for (const [opts, name] of [
      [{ cookie: '' }, 'cookie'],
      [{ port: -1 }, 'port'],
      [{ epmd: 70_000 }, 'epmd'],
      [{ tickTime: 5 }, 'tickTime'],
      [{ busyWait: -1 }, 'busyWait'],
    ] as const) {
      const error = await rt.startDistribution(opts).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message).toContain(`\`${name}\``);
    }
    // None of them started anything: a good start still works.
    await rt.startDistribution({ cookie: COOKIE, epmd });
  });
});
