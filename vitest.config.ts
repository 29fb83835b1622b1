import { fileURLToPath } from 'node:url';
import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // Examples import from the package root, as users do; resolve it to the sources
    // (tsconfig.json maps it the same way for tsc and tsx), so no build is needed.
    alias: [
      { find: /^otp-ts$/, replacement: fileURLToPath(new URL('./src/index.ts', import.meta.url)) },
      {
        find: /^otp-ts\/observer$/,
        replacement: fileURLToPath(new URL('./src/observer/index.ts', import.meta.url)),
      },
      {
        find: /^otp-ts\/testing$/,
        replacement: fileURLToPath(new URL('./src/testing/index.ts', import.meta.url)),
      },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    // Type tests are only type-checked (below): their values are never meant to run.
    // Apart from `npm test`: the interop suite needs Erlang (`npm run test:interop`), the
    // browser tests Chromium (`npm run test:e2e`, vitest.e2e.config.ts).
    exclude: [
      ...configDefaults.exclude,
      'test/**/*.types.test.ts',
      'test/interop/**',
      'test/e2e/**',
    ],
    typecheck: { enabled: true, include: ['test/**/*.types.test.ts'] },
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
  },
});
