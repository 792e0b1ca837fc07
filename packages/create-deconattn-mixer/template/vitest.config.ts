import { defineConfig } from 'vitest/config';

// The kit's gradient checks visit the cpu and wasm backends: allow them more than the default 5 s.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
