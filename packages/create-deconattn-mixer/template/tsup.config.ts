import { defineConfig } from 'tsup';

// ESM and CommonJS builds with type declarations. tfjs-core and @deconattn/core stay external:
// an application must have exactly one copy of each (they are peer dependencies).
export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  external: [/^@tensorflow\//, /^@deconattn\//],
});
