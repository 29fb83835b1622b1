// The port mapper daemon: a Node.js process of its own that serves a PortMapper until an
// `epmd -kill` (KILL_REQ) stops it, as `epmd -daemon` serves until then. It is started,
// detached, by `ensurePortMapper` (ensure-port-mapper.ts), which runs this file; the
// build makes it an entry of its own (dist/epmd-daemon.js and .cjs), beside the chunk
// that holds `ensurePortMapper`, and from the sources it runs as .ts with the loader of
// scripts/peer-register.mjs. By hand: `node dist/epmd-daemon.js [port] [host]`.
//
// It tells the process that started it how listening went over the IPC channel, when it
// has one, and then lets go of it: the daemon outlives its parent, and a failure to
// listen reaches the parent as a sentence rather than as an exit code (its stdio goes
// nowhere, as a daemon's does).
import type { DaemonReport } from './ensure-port-mapper.js';
import { EPMD_PORT, PortMapper } from './epmd.js';

const [portArg, host = '127.0.0.1'] = process.argv.slice(2);
const port = portArg === undefined ? EPMD_PORT : Number(portArg);

function report(message: DaemonReport, then: () => void): void {
  if (process.send === undefined || !process.connected) {
    then();
    return;
  }
  process.send(message, undefined, undefined, () => {
    // Whether or not the parent got it (it may have given up and gone), the channel
    // must close, or it would tie the daemon to the parent.
    if (process.connected) process.disconnect();
    then();
  });
}

async function main(): Promise<void> {
  // So that `ps` says what this process is, as it shows `epmd -daemon`.
  process.title = `otp-ts epmd -port ${port}`;
  const mapper = new PortMapper();
  // KILL_REQ has closed the mapper: nothing is left to serve.
  mapper.once('killed', () => process.exit(0));
  try {
    const listening = await mapper.listen(port, host);
    report({ t: 'listening', port: listening }, () => undefined);
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    report({ t: 'failed', code, message }, () => {
      process.exitCode = 1;
    });
  }
}

void main();
