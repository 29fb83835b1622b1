import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.js';

// `npm run test:e2e`: the observer's page in a real browser (Chromium through
// playwright-core), apart from `npm test`.
export default mergeConfig(
  base,
  defineConfig({
    test: {
      include: ['test/e2e/**/*.test.ts'],
      exclude: [],
      typecheck: { enabled: false },
      testTimeout: 60_000,
      hookTimeout: 60_000,
    },
  }),
);
