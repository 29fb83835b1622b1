// Loaded (`--import`) by a peer's worker thread when otp-ts runs from its TypeScript
// sources (under vitest or tsx): tsx does not register itself in worker threads, so a
// peer gets this loader instead. It transpiles .ts files with esbuild (tsx's copy), maps
// `./x.js` imports to `./x.ts` as the sources are written, and `otp-ts` to src/index.ts
// as tsconfig.json's `paths` does. The published build never uses it.
import { register } from 'node:module';

register('./peer-loader.mjs', import.meta.url);
