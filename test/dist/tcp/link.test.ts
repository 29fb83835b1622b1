import { once } from 'node:events';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { frame } from '../../../src/dist/tcp/frames.js';
import { acceptHandshake, initiateHandshake, OUR_FLAGS } from '../../../src/dist/tcp/handshake.js';
import { type LinkOptions, TcpLink } from '../../../src/dist/tcp/link.js';

const closers: Array<() => void> = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

async function sockets(): Promise<[Socket, Socket]> {
  const server: Server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const accepted = once(server, 'connection') as Promise<[Socket]>;
  const client = createConnection({
    host: '127.0.0.1',
    port: (server.address() as { port: number }).port,
  });
  await once(client, 'connect');
  const [socket] = await accepted;
  closers.push(() => {
    client.destroy();
    socket.destroy();
    server.close();
  });
  return [client, socket];
}

/** Two nodes' links over loopback, after a real handshake. */
async function linked(opts: LinkOptions = {}): Promise<[TcpLink, TcpLink]> {
  const [client, server] = await sockets();
  const me = { cookie: 'c', creation: 1, flags: OUR_FLAGS };
  const [a, b] = await Promise.all([
    initiateHandshake(client, { ...me, node: 'a@h' }, 'b@h'),
    acceptHandshake(server, { ...me, node: 'b@h' }),
  ]);
  const links: [TcpLink, TcpLink] = [
    new TcpLink(client, a.rest, opts),
    new TcpLink(server, b.rest, opts),
  ];
  closers.push(() => {
    for (const link of links) link.close();
  });
  return links;
}

function nextMessage(link: TcpLink): Promise<number[]> {
  return (once(link, 'messages') as Promise<[Uint8Array[]]>).then(([m]) => [...m[0]!]);
}

describe('TcpLink', () => {
  it('carries messages both ways, in order', async () => {
    const [a, b] = await linked();
    const received: number[][] = [];
    const all = new Promise<void>((resolve) =>
      b.on('messages', (messages) => {
        for (const m of messages) received.push([...m]);
        if (received.length === 3) resolve();
      }),
    );
    a.send(Uint8Array.of(1));
    a.send(Uint8Array.of(2, 2));
    a.send(Uint8Array.of(3));
    await all;
    expect(received).toEqual([[1], [2, 2], [3]]);
    const back = nextMessage(a);
    b.send(Uint8Array.of(9));
    expect(await back).toEqual([9]);
  });

  it('stays up on ticks alone while both nodes are silent', async () => {
    const [a, b] = await linked({ tickTime: 200 });
    // The time passing is what is tested here: two and a half tick times of silence.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(a.up && b.up).toBe(true);
    const got = nextMessage(b);
    a.send(Uint8Array.of(7));
    expect(await got).toEqual([7]);
  });

  it("goes down with 'net_tick_timeout' when the other node falls silent", async () => {
    const [client, server] = await sockets();
    const me = { cookie: 'c', creation: 1, flags: OUR_FLAGS };
    const [a] = await Promise.all([
      initiateHandshake(client, { ...me, node: 'a@h' }, 'b@h'),
      acceptHandshake(server, { ...me, node: 'b@h' }),
    ]);
    // The acceptor's end says nothing at all: no link, no ticks.
    const link = new TcpLink(client, a.rest, { tickTime: 60 });
    const [reason] = (await once(link, 'down')) as [string];
    expect(reason).toBe('net_tick_timeout');
  });

  it("goes down with 'noconnection' when the other node closes, and says it once", async () => {
    const [a, b] = await linked();
    const downs: string[] = [];
    a.on('down', (reason) => downs.push(reason));
    const down = once(a, 'down');
    b.close();
    await down;
    expect(downs).toEqual(['noconnection']);
    expect(a.up).toBe(false);
    a.send(Uint8Array.of(1)); // a send on a link that is down is dropped
  });

  it("goes down with 'bad_frame' on a frame past the limit or of another type, and closes", async () => {
    const [client, server] = await sockets();
    const me = { cookie: 'c', creation: 1, flags: OUR_FLAGS };
    const [, b] = await Promise.all([
      initiateHandshake(client, { ...me, node: 'a@h' }, 'b@h'),
      acceptHandshake(server, { ...me, node: 'b@h' }),
    ]);
    const link = new TcpLink(server, b.rest, { maxFrame: 16 });
    const down = once(link, 'down') as Promise<[string, string]>;
    client.write(frame(4, new Uint8Array(17)));
    const [reason, detail] = await down;
    expect(reason).toBe('bad_frame');
    expect(detail).toMatch(/over the limit of 16/);
    await once(client, 'close');
  });
});
