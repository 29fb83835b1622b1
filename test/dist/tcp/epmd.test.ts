import { once } from 'node:events';
import { createConnection } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { EpmdError, lookupNode, PortMapper, registerNode } from '../../../src/dist/tcp/epmd.js';

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
