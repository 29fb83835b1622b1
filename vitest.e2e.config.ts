import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// `npm run test:e2e`: the observer's page in a real browser (Chromium through
// playwright-core), apart from `npm test` (vitest.config.ts leaves test/e2e/ out).
export default defineConfig({
  resolve: {
    alias: [
      { find: /^otp-ts$/, replacement: fileURLToPath(new URL('./src/index.ts', import.meta.url)) },
      {
        find: /^otp-ts\/observer$/,
        replacement: fileURLToPath(new URL('./src/observer/index.ts', import.meta.url)),
      },
    ],
  },
  test: {
    include: ['test/e2e/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
