// Loaded (`--import`) by a peer's worker thread when otp-ts runs from its TypeScript
// sources (under vitest or tsx): tsx does not register itself in worker threads, so a
// peer gets the benchmarks' loader instead (ts-loader.mjs). The epmd daemon's process
// (src/dist/tcp/epmd-daemon.ts), started from the sources, and the tests' own child
// processes load it too. The published build never uses it.
import { register } from 'node:module';

register('./ts-loader.mjs', import.meta.url);
