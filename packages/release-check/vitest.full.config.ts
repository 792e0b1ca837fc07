import { defineConfig } from 'vitest/config';

// `pnpm test:publish`: the full round trip, run alone (it starts its own registry and builds a clone).
export default defineConfig({
  test: {
    root: new URL('.', import.meta.url).pathname,
    include: ['full/**/*.test.ts'],
    testTimeout: 1_800_000,
    hookTimeout: 1_800_000,
    pool: 'forks',
    maxWorkers: 1,
  },
});
