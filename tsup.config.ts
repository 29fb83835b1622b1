import { rmSync } from 'node:fs';
import { defineConfig, type Options } from 'tsup';

// One bundle per format: dist/index.js for `import`, dist/index.cjs for `require`, each
// with a source map. The declarations are bundled once, with `@internal` members still in
// them (see scripts/strip-internal.ts for why); `npm run build` then strips those and
// writes dist/index.d.ts and its CommonJS twin dist/index.d.cts.
const common: Options = {
  entry: ['src/index.ts'],
  tsconfig: 'tsconfig.build.json',
  target: 'node20',
  platform: 'node',
  sourcemap: true,
  splitting: false,
  outDir: 'dist',
};

export default defineConfig(() => {
  // The two formats build concurrently, so neither may use tsup's `clean`: it would
  // delete the other's output. Start from an empty dist/ instead.
  rmSync('dist', { recursive: true, force: true });
  return [
    { ...common, format: 'esm', dts: { compilerOptions: { stripInternal: false } } },
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
});
