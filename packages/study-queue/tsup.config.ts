import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  // One copy of tfjs-core and of the mixer registry; bullmq and ioredis load from node_modules.
  external: [/^@tensorflow\//, /^@deconattn\//, 'bullmq', 'ioredis', 'zod'],
});
