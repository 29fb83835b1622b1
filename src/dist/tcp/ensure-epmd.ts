import { createConnection } from 'node:net';
import { type EpmdAddress, PortMapper } from './epmd.js';

// TEMPORARY: starts an in-process port mapper when none answers (the detached daemon replaces it).

let started: Promise<void> | undefined;

/** @internal */
export async function ensurePortMapper(address: Required<EpmdAddress>): Promise<void> {
  const answers = await new Promise<boolean>((resolve) => {
    const socket = createConnection(address);
    socket.on('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
  if (answers) return;
  started ??= new PortMapper().listen(address.port, address.host).then(() => {});
  await started;
}
