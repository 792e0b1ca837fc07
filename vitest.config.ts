import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

const src = (p: string) => fileURLToPath(new URL(p, import.meta.url));

// Tests run against the TypeScript sources (no build needed); the CLI tests run the built binary.
export default defineConfig({
  resolve: {
    alias: [
      { find: /^@deconattn\/core$/, replacement: src('./packages/core/src/index.ts') },
      { find: /^@deconattn\/attention-standard$/, replacement: src('./packages/attention-standard/src/index.ts') },
      { find: /^@deconattn\/attention-relaxed$/, replacement: src('./packages/attention-relaxed/all/src/index.ts') },
      { find: /^@deconattn\/attention-([a-z-]+)$/, replacement: src('./packages/attention-relaxed/') + '$1/src/index.ts' },
      { find: /^@deconattn\/testkit$/, replacement: src('./packages/testkit/src/index.ts') },
      { find: /^@deconattn\/kernels-wasm$/, replacement: src('./packages/kernels-wasm/src/index.ts') },
      { find: /^@deconattn\/hybrid$/, replacement: src('./packages/hybrid/src/index.ts') },
      { find: /^@deconattn\/hybrid\/node$/, replacement: src('./packages/hybrid/src/node.ts') },
      { find: /^@deconattn\/eval-glue$/, replacement: src('./packages/eval-glue/src/index.ts') },
      { find: /^@deconattn\/eval-glue\/node$/, replacement: src('./packages/eval-glue/src/node.ts') },
      { find: /^@deconattn\/study$/, replacement: src('./packages/study/src/index.ts') },
      { find: /^@deconattn\/study-queue$/, replacement: src('./packages/study-queue/src/index.ts') },
      { find: /^@deconattn\/tasks-synthetic$/, replacement: src('./packages/tasks-synthetic/src/index.ts') },
    ],
  },
  test: {
    include: ['packages/**/test/**/*.test.ts', 'examples/**/test/**/*.test.ts'],
    // The scaffold's template is tested where it belongs: scaffolded into a package outside the
    // workspace (packages/create-deconattn-mixer/test/scaffold-e2e.test.ts).
    exclude: ['**/node_modules/**', '**/dist/**', 'packages/create-deconattn-mixer/template/**'],
    testTimeout: 300_000,
    hookTimeout: 300_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
