/**
 * The entry of the peers of bench/threads.ts: a counter (casts, calls) and a burner
 * (CPU-bound calls), registered by name.
 */
import { type From, GenServer, type Runtime, reply } from '../../src/index.js';
import { Counter } from './counter.js';

/** CPU-bound work of `n` steps, the same in every case of the scaling figure. */
export function burn(n: number): number {
  let x = 0;
  for (let i = 0; i < n; i++) x = (x * 31 + i) % 1_000_003;
  return x;
}

/** Answers `burn(n)` for each call `n`. */
export class Burner extends GenServer<null, number> {
  override init(): null {
    return null;
  }
  override handleCall(n: number, _from: From, state: null) {
    return reply(burn(n), state);
  }
}

export default async function boot(rt: Runtime): Promise<void> {
  await rt.start(Counter, 0, { name: 'counter' });
  await rt.start(Burner, undefined, { name: 'burner' });
}
