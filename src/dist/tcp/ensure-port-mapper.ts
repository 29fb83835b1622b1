import { spawn } from 'node:child_process';
import { parse } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { EPMD_PORT, type EpmdAddress, EpmdError, listNames } from './epmd.js';

// A node needs an epmd on its host to register its name. When none answers, otp-ts starts
// one of its own, as `erl` starts `epmd -daemon`: a detached process (epmd-daemon.ts)
// that outlives the node that started it, so that the nodes started after it, and any
// Erlang node on the host, find each other there. Several nodes may find no epmd at the
// same moment and each start one: the port decides, as it does for epmd. The first
// daemon to listen serves; the others fail with EADDRINUSE and exit, and their nodes use
// the winner.

/**
 * This module's own file, beside which the daemon's file lies: in the sources
 * (src/dist/tcp/epmd-daemon.ts) and in the build (dist/epmd-daemon.js, .cjs), where this
 * code sits in dist/index.* or a chunk of dist/. In the CommonJS bundle, `import.meta.url`
 * is a shim that names a shared chunk rather than the file that holds this code, so the
 * module's own `__filename` comes first there (as in carriers/thread.ts).
 */
const OWN_URL: URL =
  typeof __filename === 'string' ? pathToFileURL(__filename) : new URL(import.meta.url);

/** How long `ensurePortMapper` waits, in all, for an epmd to answer. */
const DEFAULT_TIMEOUT = 10_000;

/** How long one look at the port waits for an answer. */
const PROBE_TIMEOUT = 1_000;

/** The pause between two looks at a port that a daemon is about to serve. */
const POLL_INTERVAL = 25;

/** What the daemon tells the process that started it, over their IPC channel. @internal */
export type DaemonReport =
  | { t: 'listening'; port: number }
  | { t: 'failed'; code: string | undefined; message: string };

/**
 * Makes sure an epmd answers at `address`: resolves `'found'` when one does already (a
 * real epmd or otp-ts's daemon, told apart from any other server by NAMES_REQ), or when
 * another process started one at the same moment; `'started'` when this call started the
 * daemon that now answers. The daemon is a detached Node.js process that serves until an
 * `epmd -kill` (KILL_REQ) while no name is registered, as `epmd -daemon` does.
 *
 * The daemon listens where it is asked: on loopback by default, so that what a library
 * starts unasked is reachable from this host only. A real epmd listens on every
 * interface, which other hosts need to find this host's nodes: ask for `host: '0.0.0.0'`
 * (or `'::'`) for that. An epmd already answering on loopback is `'found'` whatever
 * interfaces it listens on.
 *
 * @param address - Where the epmd is to answer.
 * @param options - `timeout`: how long to wait, in all, for one to answer.
 * @returns Whether an epmd was there or this call started it.
 * @throws {EpmdError} When something other than an epmd holds the port, when the daemon
 * cannot listen (the message says why), or when nothing answers within the timeout.
 * @defaultValue `address`: `{ host: '127.0.0.1', port: 4369 }`; `timeout`: 10,000 ms.
 * @example
 * ```ts
 * await ensurePortMapper({ port: 4369 });
 * const { creation, socket } = await registerNode(entry, { port: 4369 });
 * ```
 * @see {@link PortMapper}, which the daemon runs.
 * @internal
 */
export async function ensurePortMapper(
  address: EpmdAddress = {},
  options: { timeout?: number } = {},
): Promise<'found' | 'started'> {
  const host = address.host ?? '127.0.0.1';
  const port = address.port ?? EPMD_PORT;
  const deadline = Date.now() + (options.timeout ?? DEFAULT_TIMEOUT);
  // A daemon asked to listen on every interface is reached through loopback.
  const target = { host: host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host, port };
  const first = await probe(target);
  if (first === 'epmd') return 'found';
  if (first !== 'absent') {
    // Something holds the port but does not answer as an epmd, or the host cannot be
    // reached: a daemon could not listen there either.
    throw new EpmdError(
      `no epmd answers at ${where(target)}, and none can be started there: ${first.message}`,
      { cause: first },
    );
  }
  const outcome = await startDaemon(host, port, deadline);
  await awaitAnswer(target, deadline);
  return outcome === 'listening' ? 'started' : 'found';
}

/** Whether an epmd answers NAMES_REQ there, nothing listens, or what else happens. */
async function probe(target: Required<EpmdAddress>): Promise<'epmd' | 'absent' | Error> {
  try {
    await listNames(target, PROBE_TIMEOUT);
    return 'epmd';
  } catch (error) {
    if (error instanceof EpmdError && error.refused) return 'absent';
    return error as Error;
  }
}

/** Looks at the port until an epmd answers there, or rejects at `deadline`. */
async function awaitAnswer(target: Required<EpmdAddress>, deadline: number): Promise<void> {
  for (;;) {
    const seen = await probe(target);
    if (seen === 'epmd') return;
    // Nothing else tells when a daemon of another process will listen: look again.
    if (Date.now() + POLL_INTERVAL >= deadline) {
      throw new EpmdError(
        `no epmd answered at ${where(target)} in time (last look: ${seen === 'absent' ? 'nothing listens' : seen.message})`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL));
  }
}

/**
 * Starts the daemon, detached, and resolves once it listens, or once it finds the port
 * taken (`'in_use'`: another process's daemon, or an epmd, won the race).
 */
function startDaemon(
  host: string,
  port: number,
  deadline: number,
): Promise<'listening' | 'in_use'> {
  const source = OWN_URL.href.endsWith('.ts');
  const file = fileURLToPath(new URL(`./epmd-daemon${source ? '.ts' : extension()}`, OWN_URL));
  // From the sources (under tsx or vitest), the daemon is a .ts file and needs a loader
  // for TypeScript; the published build runs its own .js or .cjs.
  const execArgv = source
    ? ['--import', new URL('../../../scripts/peer-register.mjs', OWN_URL).href]
    : [];
  const command = `${process.execPath} ${[...execArgv, file, String(port), host].join(' ')}`;
  const child = spawn(process.execPath, [...execArgv, file, String(port), host], {
    detached: true,
    // No stdio, as a daemon has none; the IPC channel carries its one report.
    stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
    // Outliving its parent, it must not hold the parent's working directory.
    cwd: parse(file).root,
    windowsHide: true,
  });
  return new Promise<'listening' | 'in_use'>((resolve, reject) => {
    const settle = (outcome: 'listening' | 'in_use' | EpmdError) => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      child.off('disconnect', onDisconnect);
      if (child.connected) child.disconnect();
      // The daemon lives on; this process must be free to exit without it.
      child.unref();
      if (outcome instanceof EpmdError) reject(outcome);
      else resolve(outcome);
    };
    const onMessage = (message: DaemonReport) => {
      if (message.t === 'listening') settle('listening');
      else if (message.code === 'EADDRINUSE') settle('in_use');
      else {
        settle(
          new EpmdError(`the epmd daemon could not listen on ${host}:${port}: ${message.message}`),
        );
      }
    };
    // The daemon's report may still be in the channel when its exit is seen: conclude
    // that it died without one only once the channel is closed too.
    let exit: string | undefined;
    const onGone = () => {
      settle(
        new EpmdError(
          `the epmd daemon exited (${exit}) before it listened on ${host}:${port}; run it by hand to see why: ${command}`,
        ),
      );
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
      exit = signal ?? `code ${code}`;
      if (!child.connected) onGone();
    };
    const onDisconnect = () => {
      if (exit !== undefined) onGone();
    };
    const timer = setTimeout(() => {
      // A daemon that would listen later must not outlive a caller told it failed.
      child.kill();
      settle(
        new EpmdError(
          `the epmd daemon did not listen on ${host}:${port} in time; run it by hand to see why: ${command}`,
        ),
      );
    }, deadline - Date.now());
    // Kept after settling: an 'error' without a listener would be thrown.
    child.on('error', (error) => {
      settle(
        new EpmdError(`could not start the epmd daemon (${command}): ${error.message}`, {
          cause: error,
        }),
      );
    });
    child.on('message', onMessage);
    child.on('exit', onExit);
    child.on('disconnect', onDisconnect);
  });
}

/** The extension of this module's own file in the build: .js for ESM, .cjs for CommonJS. */
function extension(): string {
  return OWN_URL.pathname.endsWith('.cjs') ? '.cjs' : '.js';
}

function where({ host, port }: Required<EpmdAddress>): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}
