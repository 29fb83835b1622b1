/**
 * Several cores: a pool of CPU-heavy GenServers spread over one peer node per core,
 * under one supervisor on the main thread, and called from the main thread.
 *
 * Each peer is a node on a worker thread of this process (`rt.startPeer`); this file
 * is also the peers' entry (its default export boots them, with nothing to start: the
 * supervisor starts the workers there by `{ module, export }`). A crashed worker is
 * restarted on its peer by the supervisor here, as with any child.
 *
 * Run it with `npx tsx examples/cores.ts`.
 */
import { availableParallelism } from 'node:os';
import { isMainThread } from 'node:worker_threads';
import {
  type BehaviourRef,
  type Caller,
  type ChildSpec,
  type From,
  GenServer,
  type Pid,
  type Returns,
  Runtime,
  replyTo,
  Supervisor,
} from 'otp-ts';

// ── The worker: CPU-bound work, one request at a time ────────────────────────

type PrimesCall = { type: 'countPrimes'; from: number; to: number } & Returns<number>;

/** Counts primes in a range by trial division: deliberately CPU-bound. */
export class PrimeCounter extends GenServer<null, PrimesCall> {
  override init(): null {
    return null;
  }

  override handleCall(request: PrimesCall, _from: From, state: null) {
    let count = 0;
    for (let n = Math.max(2, request.from); n < request.to; n++) {
      let prime = true;
      for (let d = 2; d * d <= n; d++) {
        if (n % d === 0) {
          prime = false;
          break;
        }
      }
      if (prime) count++;
    }
    return replyTo(request, count, state);
  }
}

/** How other nodes name PrimeCounter: the module and the export (Erlang's `{M, F, A}`). */
const PRIME_COUNTER: BehaviourRef = { module: import.meta.url, export: 'PrimeCounter' };

/** Client function: counts the primes in [from, to) on the worker `pid`. */
export function countPrimes(caller: Caller, pid: Pid, from: number, to: number): Promise<number> {
  return GenServer.call(caller, pid, { type: 'countPrimes', from, to }, 60_000);
}

// ── A peer's boot: nothing to start, the supervisor starts the workers there ──

/** The entry of each peer (`rt.startPeer({ entry })`): an empty node. */
export default function boot(): void {}

// ── The main thread ──────────────────────────────────────────────────────────

async function main(): Promise<void> {
  const rt = new Runtime({ node: 'main@localhost' });
  const cores = availableParallelism();
  const peers = await Promise.all(
    Array.from({ length: cores }, (_, i) =>
      rt.startPeer({ name: `core${i + 1}@localhost`, entry: new URL(import.meta.url) }),
    ),
  );
  console.log(`started ${peers.length} peers:`, rt.nodes().sort().join(', '));

  // One supervisor here, one worker per peer there.
  const children: ChildSpec[] = peers.map((peer, i) => ({
    id: `primes${i + 1}`,
    start: [PRIME_COUNTER, undefined, { node: peer.node }],
  }));
  const sup = await rt.start(Supervisor, { strategy: 'one_for_one', children });
  const workers = (await Supervisor.whichChildren(rt, sup)).map((child) => child.pid as Pid);
  console.log('workers:', workers.map((pid) => `${pid} on ${pid.node}`).join(', '));

  // Split [0, 2,000,000) into chunks, dealt to the workers round-robin, all at once.
  const chunks = 16;
  const size = 2_000_000 / chunks;
  const started = performance.now();
  const counts = await Promise.all(
    Array.from({ length: chunks }, (_, i) =>
      countPrimes(rt, workers[i % workers.length] as Pid, i * size, (i + 1) * size),
    ),
  );
  const total = counts.reduce((a, b) => a + b, 0);
  const ms = Math.round(performance.now() - started);
  console.log(`primes below 2,000,000: ${total} (${ms} ms over ${workers.length} cores)`);

  // Stops the supervisor (and so the workers on the peers), then the peers.
  await rt.shutdown();
}

if (isMainThread) await main();
