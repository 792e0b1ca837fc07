import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  // No shims: nothing here needs __dirname or import.meta.url, and the ESM shim would import
  // 'path' and 'url' into code that runs in browsers.
  shims: false,
  target: 'node20',
  external: [/^@tensorflow\//, /^@deconattn\//],
});
