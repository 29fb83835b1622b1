import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { defineConfig, type Options } from 'tsup';

// Three entry points per format: dist/index.js (`otp-ts`), dist/observer.js
// (`otp-ts/observer`) and dist/testing.js (`otp-ts/testing`) for `import`, and their
// .cjs twins for `require`, each with a source map. Code splitting puts the code they
// share in one chunk, so that the subpaths and the core meet one copy of it (one
// `Runtime` and `Pid` class, one `startBehaviour` symbol): a TestRuntime runs a GenServer
// imported from `otp-ts`, and the observer watches a runtime made from it. The declarations are bundled once, with
// `@internal` members still in them (see scripts/strip-internal.ts for why); `npm run
// build` then strips those and writes the CommonJS twins (.d.cts).
//
// Apart from them, dist/epmd-daemon.js (and .cjs) is the program of the epmd daemon that
// a node starts when its host has none (src/dist/tcp/ensure-port-mapper.ts): Node.js runs
// it from beside the code that starts it, and users never import it.
const common: Options = {
  entry: {
    index: 'src/index.ts',
    observer: 'src/observer/index.ts',
    testing: 'src/testing/index.ts',
  },
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
  return [
    // Whole in one file per format, without declarations: it runs in a process of its own,
    // so it would share no module instance with the library, and built apart it leaves
    // the library's chunks as they are.
    {
      entry: { 'epmd-daemon': 'src/dist/tcp/epmd-daemon.ts' },
      format: ['esm', 'cjs'],
      tsconfig: common.tsconfig,
      target: common.target,
      platform: common.platform,
      sourcemap: true,
      splitting: false,
      outDir: 'dist',
    },
    { ...common, format: 'esm', dts: { compilerOptions: { stripInternal: false } } },
    {
      ...common,
      format: 'cjs',
      // nanoid 5 is ESM-only, and `require()` of ESM needs Node.js 20.19 or later: bundle
      // it into the CommonJS build so that `require('otp-ts')` works on every Node.js 20.
      noExternal: ['nanoid'],
      // The CommonJS bundle needs `import.meta.url` too (dynamic-import.ts, the thread
      // carrier): tsup's shim gives it one.
      shims: true,
      // tsup splits CommonJS code by converting split ESM output, and the maps of that
      // pass name the intermediate file by its absolute path: name it as the shipped file.
      onSuccess: async () => {
        for (const map of readdirSync('dist').filter((f) => f.endsWith('.cjs.map'))) {
          const path = `dist/${map}`;
          const json = JSON.parse(readFileSync(path, 'utf8')) as { sources: string[] };
          const own = resolve('dist', map.slice(0, -'.map'.length));
          json.sources = json.sources.map((s) => (s === own ? basename(own) : s));
          writeFileSync(path, JSON.stringify(json));
        }
      },
    },
  ];
});
