import { once } from 'node:events';
import { type AddressInfo, createConnection, createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  EpmdError,
  killPortMapper,
  listNames,
  lookupNode,
  PortMapper,
  registerNode,
} from '../../../src/dist/tcp/epmd.js';

const mappers: PortMapper[] = [];
afterEach(async () => {
  await Promise.all(mappers.splice(0).map((m) => m.close()));
});

async function mapper(): Promise<{ mapper: PortMapper; port: number }> {
  const m = new PortMapper();
  mappers.push(m);
  return { mapper: m, port: await m.listen(0) };
}

const entry = (name: string, port = 40000) => ({
  name,
  port,
  hidden: true,
  highestVersion: 6,
  lowestVersion: 6,
});

describe('the port mapper and its client', () => {
  it('registers a node with a creation, and finds it by name', async () => {
    const { port } = await mapper();
    const { creation, socket } = await registerNode(entry('app', 41234), { port });
    expect(creation).toBeGreaterThan(0);
    expect(await lookupNode('app', { port })).toEqual(entry('app', 41234));
    expect(await lookupNode('other', { port })).toBeUndefined();
    socket.destroy();
  });

  it('gives a new creation to each registration', async () => {
    const { port } = await mapper();
    const a = await registerNode(entry('a'), { port });
    const b = await registerNode(entry('b'), { port });
    expect(a.creation).not.toBe(b.creation);
    a.socket.destroy();
    b.socket.destroy();
  });

  it('refuses a name that is taken, and frees it when its connection closes', async () => {
    const { mapper: m, port } = await mapper();
    const held = await registerNode(entry('app'), { port });
    await expect(registerNode(entry('app'), { port })).rejects.toThrow(/refused the name "app"/);
    const freed = once(m, 'unregister');
    held.socket.destroy();
    expect(await freed).toEqual(['app']);
    expect(m.names()).toEqual([]);
    const again = await registerNode(entry('app'), { port });
    again.socket.destroy();
  });

  it('rejects with an EpmdError when no port mapper listens', async () => {
    const { mapper: m, port } = await mapper();
    await m.close();
    mappers.length = 0;
    await expect(lookupNode('app', { port })).rejects.toBeInstanceOf(EpmdError);
  });

  it('closes a connection that sends something else, and goes on serving', async () => {
    const { port } = await mapper();
    const socket = createConnection({ host: '127.0.0.1', port });
    await once(socket, 'connect');
    socket.write(Uint8Array.of(0, 3, 250, 1, 2));
    await once(socket, 'close');
    const { socket: held } = await registerNode(entry('still'), { port });
    expect(await lookupNode('still', { port })).toBeDefined();
    held.destroy();
  });
});

describe('listNames', () => {
  it("lists the names registered, with their ports, and the port mapper's own port", async () => {
    const { port } = await mapper();
    const a = await registerNode(entry('a', 41001), { port });
    const b = await registerNode(entry('b', 41002), { port });
    expect(await listNames({ port })).toEqual({
      port,
      names: [
        { name: 'a', port: 41001 },
        { name: 'b', port: 41002 },
      ],
    });
    a.socket.destroy();
    b.socket.destroy();
  });

  it('rejects with an EpmdError when the server on the port does not answer as an epmd', async () => {
    const server = createServer((socket) => socket.end());
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    try {
      const error = await listNames({ port }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(EpmdError);
      expect((error as EpmdError).refused).toBe(false);
      expect((error as EpmdError).message).toBe(
        'a NAMES_RESP of 0 bytes, too short: is this an epmd?',
      );
    } finally {
      server.close();
    }
  });

  it('rejects with an EpmdError marked refused when nothing listens', async () => {
    const { mapper: m, port } = await mapper();
    await m.close();
    mappers.length = 0;
    const error = await listNames({ port }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EpmdError);
    expect((error as EpmdError).refused).toBe(true);
  });
});

describe('killPortMapper', () => {
  it('stops a port mapper with no names: it answers OK, emits killed and stops listening', async () => {
    const { mapper: m, port } = await mapper();
    const killed = once(m, 'killed');
    expect(await killPortMapper({ port })).toBe(true);
    await killed;
    const error = await listNames({ port }).catch((e: unknown) => e);
    expect((error as EpmdError).refused).toBe(true);
  });

  it('is refused with NO while a name is registered, as epmd refuses it', async () => {
    const { mapper: m, port } = await mapper();
    const held = await registerNode(entry('app'), { port });
    expect(await killPortMapper({ port })).toBe(false);
    expect(m.names().map((e) => e.name)).toEqual(['app']);
    const freed = once(m, 'unregister');
    held.socket.destroy();
    await freed;
    expect(await killPortMapper({ port })).toBe(true);
  });
});
