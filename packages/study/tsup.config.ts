import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  // One copy of tfjs-core and of the mixer registry; vega and vega-lite load from node_modules.
  external: [/^@tensorflow\//, /^@deconattn\//, 'vega', 'vega-lite'],
});
