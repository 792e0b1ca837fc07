import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

const src = (p: string) => fileURLToPath(new URL(p, import.meta.url));

// Tests run against the TypeScript sources (no build needed); the CLI tests run the built binary.
export default defineConfig({
  resolve: {
    alias: [
      { find: /^@deconattn\/core$/, replacement: src('./packages/core/src/index.ts') },
      { find: /^@deconattn\/attention-standard$/, replacement: src('./packages/attention-standard/src/index.ts') },
      { find: /^@deconattn\/hybrid$/, replacement: src('./packages/hybrid/src/index.ts') },
    ],
  },
  test: {
    include: ['packages/**/test/**/*.test.ts', 'examples/**/test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
