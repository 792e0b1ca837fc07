import { defineConfig } from 'tsup';

export default defineConfig({
  // index: browser-safe (no node: imports); node: the file-system, crypto and native-backend parts.
  entry: ['src/index.ts', 'src/node.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  shims: true,
  target: 'node20',
  external: [/^@tensorflow\//, /^@deconattn\//, 'webgpu'],
});
