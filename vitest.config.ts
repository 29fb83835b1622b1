import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // Examples import from the package root, as users do; resolve it to the sources
    // (tsconfig.json maps it the same way for tsc and tsx), so no build is needed.
    alias: [{ find: /^otp-ts$/, replacement: fileURLToPath(new URL('./src/index.ts', import.meta.url)) }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    typecheck: { enabled: true, include: ['test/**/*.types.test.ts'] },
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
  },
});
