import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/bin.ts'],
  format: ['esm'],
  dts: { entry: 'src/index.ts' },
  clean: true,
  sourcemap: true,
  target: 'node20',
  // Workspace packages and tfjs stay external: one copy of tfjs-core and of the mixer registry.
  external: [/^@tensorflow\//, /^@deconattn\//, 'commander', 'cli-progress'],
});
