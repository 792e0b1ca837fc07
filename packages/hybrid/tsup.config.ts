import { defineConfig, type Options } from 'tsup';

const common: Options = {
  // index: browser-safe (no node: imports); node: the file-system, crypto and native-backend parts.
  entry: ['src/index.ts', 'src/node.ts'],
  dts: true,
  sourcemap: true,
  target: 'node20',
  external: [/^@tensorflow\//, /^@deconattn\//, 'webgpu'],
};

export default defineConfig([
  // ESM is what browsers and bundlers load: no shims, which would import 'path' and 'url' into
  // every chunk, the browser-safe ones included (a dev server or webpack then fails).
  { ...common, format: ['esm'], shims: false, clean: ['*.js', '*.js.map', '*.d.ts'] },
  // CommonJS is for Node only: the Node parts' import.meta.url needs tsup's shim there.
  { ...common, format: ['cjs'], shims: true, clean: ['*.cjs', '*.cjs.map', '*.d.cts'] },
]);
