import { rmSync } from 'node:fs';
import { defineConfig, type Options } from 'tsup';

// One bundle per format and entry (the core, dist/index.*, and the `otp-ts/observer`
// subpath, dist/observer.*), split so that both share one chunk of the core, each with
// a source map. The declarations are bundled once, with `@internal` members still in
// them (see scripts/strip-internal.ts for why); `npm run build` then strips those and
// writes dist/index.d.ts and its CommonJS twin dist/index.d.cts.
const common: Options = {
  // The core and the `otp-ts/observer` subpath. Split, so that both import one copy of
  // the core (a chunk): the observer's calls must meet the same Runtime class.
  entry: { index: 'src/index.ts', observer: 'src/observer/index.ts' },
  tsconfig: 'tsconfig.build.json',
  target: 'node20',
  platform: 'node',
  sourcemap: true,
  splitting: true,
  outDir: 'dist',
};

export default defineConfig(() => {
  // The two formats build concurrently, so neither may use tsup's `clean`: it would
  // delete the other's output. Start from an empty dist/ instead.
  rmSync('dist', { recursive: true, force: true });
  const builds: Options[] = [
    { ...common, format: 'esm' },
    // The declarations: the core's bundled alone, so that it stands by itself; the
    // observer's import the core's types from 'otp-ts', as a user's code would.
    {
      ...common,
      entry: { index: 'src/index.ts' },
      format: 'esm',
      dts: { only: true, compilerOptions: { stripInternal: false } },
    },
    {
      ...common,
      entry: { observer: 'src/observer/index.ts' },
      external: ['otp-ts'],
      format: 'esm',
      dts: { only: true, compilerOptions: { stripInternal: false } },
    },
    {
      ...common,
      format: 'cjs',
      // nanoid 5 is ESM-only, and `require()` of ESM needs Node.js 20.19 or later: bundle
      // it into the CommonJS build so that `require('otp-ts')` works on every Node.js 20.
      noExternal: ['nanoid'],
      // The thread carrier starts a peer's worker on the bundle's own file
      // (`import.meta.url`): give the CommonJS bundle its file URL too.
      shims: true,
    },
  ];
  return builds;
});
