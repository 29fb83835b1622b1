import { once } from 'node:events';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { frame } from '../../../src/dist/tcp/frames.js';
import {
  acceptHandshake,
  Flag,
  HandshakeError,
  type HandshakeIdentity,
  initiateHandshake,
  OUR_FLAGS,
} from '../../../src/dist/tcp/handshake.js';

const servers: Server[] = [];
const sockets: Socket[] = [];
afterEach(() => {
  for (const s of sockets.splice(0)) s.destroy();
  for (const s of servers.splice(0)) s.close();
});

/** A connected pair of sockets over loopback: [the initiator's, the acceptor's]. */
async function pair(): Promise<[Socket, Socket]> {
  const server = createServer();
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  const accepted = once(server, 'connection') as Promise<[Socket]>;
  const client = createConnection({ host: '127.0.0.1', port });
  await once(client, 'connect');
  const [socket] = await accepted;
  sockets.push(client, socket);
  return [client, socket];
}

const a: HandshakeIdentity = {
  node: 'a@127.0.0.1',
  cookie: 'monster',
  creation: 11,
  flags: OUR_FLAGS,
};
const b: HandshakeIdentity = {
  node: 'b@127.0.0.1',
  cookie: 'monster',
  creation: 22,
  flags: OUR_FLAGS,
};

async function settle<T>(p: Promise<T>): Promise<T | HandshakeError> {
  return p.catch((error: HandshakeError) => error);
}

describe('the distribution handshake', () => {
  it('connects two nodes with the same cookie, each learning the other', async () => {
    const [client, server] = await pair();
    const [initiated, accepted] = await Promise.all([
      initiateHandshake(client, a, b.node),
      acceptHandshake(server, b),
    ]);
    expect(initiated).toMatchObject({ node: 'b@127.0.0.1', creation: 22, flags: OUR_FLAGS });
    expect(accepted).toMatchObject({ node: 'a@127.0.0.1', creation: 11, flags: OUR_FLAGS });
  });

  it('refuses a peer whose cookie differs, on both sides, naming no cookie', async () => {
    const [client, server] = await pair();
    const [initiated, accepted] = await Promise.all([
      settle(initiateHandshake(client, { ...a, cookie: 'wrong' }, b.node)),
      settle(acceptHandshake(server, b)),
    ]);
    expect(initiated).toBeInstanceOf(HandshakeError);
    expect(accepted).toBeInstanceOf(HandshakeError);
    expect((accepted as HandshakeError).reason).toBe('bad_cookie');
    expect((initiated as HandshakeError).reason).toBe('bad_cookie');
    for (const error of [initiated, accepted] as Error[]) {
      expect(error.message).not.toMatch(/monster|wrong/);
    }
  });

  it("says not_allowed to a node the acceptor does not allow, and to one without OTP 25's flags", async () => {
    const [client, server] = await pair();
    const [initiated] = await Promise.all([
      settle(initiateHandshake(client, a, b.node)),
      settle(acceptHandshake(server, b, (node) => node !== 'a@127.0.0.1')),
    ]);
    expect((initiated as HandshakeError).reason).toBe('not_allowed');
    const [client2, server2] = await pair();
    const [old] = await Promise.all([
      settle(initiateHandshake(client2, { ...a, flags: Flag.EXTENDED_REFERENCES }, b.node)),
      settle(acceptHandshake(server2, b)),
    ]);
    expect((old as HandshakeError).reason).toBe('not_allowed');
  });

  it('fails with reason timeout when the other side says nothing', async () => {
    const [client] = await pair();
    const error = await settle(initiateHandshake(client, a, b.node, 30));
    expect((error as HandshakeError).reason).toBe('timeout');
  });

  it('fails with a protocol error, and closes, on a message that is not the handshake', async () => {
    const [client, server] = await pair();
    const accepting = settle(acceptHandshake(server, b));
    client.write(frame(2, new TextEncoder().encode('GET / HTTP/1.1')));
    const error = (await accepting) as HandshakeError;
    expect(error.reason).toBe('protocol');
    await once(client, 'close');
  });

  it('hands over the bytes that followed the handshake, unread', async () => {
    const [client, server] = await pair();
    const accepting = acceptHandshake(server, b);
    const initiated = await initiateHandshake(client, a, b.node);
    // The initiator's first frame of the connection: a tick.
    client.write(new Uint8Array(4));
    expect(initiated.rest).toHaveLength(0);
    const accepted = await accepting;
    // Paused, so that nothing is lost before the connection listens.
    expect(server.isPaused()).toBe(true);
    const next = once(server, 'data') as Promise<[Buffer]>;
    server.resume();
    const after = accepted.rest.length > 0 ? accepted.rest : (await next)[0];
    expect([...after]).toEqual([0, 0, 0, 0]);
  });
});
