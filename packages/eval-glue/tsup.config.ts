import { defineConfig, type Options } from 'tsup';

const common: Options = {
  // index: browser-safe (no node: imports); node: the file-system loader, installed as the default.
  entry: ['src/index.ts', 'src/node.ts'],
  dts: true,
  sourcemap: true,
  target: 'node20',
  external: [/^@tensorflow\//, /^@deconattn\//],
};

export default defineConfig([
  // ESM is what browsers and bundlers load: no shims (they would import 'path' and 'url' into
  // every chunk, the browser-safe ones included).
  { ...common, format: ['esm'], shims: false, clean: ['*.js', '*.js.map', '*.d.ts'] },
  // CommonJS is for Node only: the package directory is found from import.meta.url, shimmed there.
  { ...common, format: ['cjs'], shims: true, clean: ['*.cjs', '*.cjs.map', '*.d.cts'] },
]);
