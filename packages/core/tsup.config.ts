import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/gradients.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  // No shims: nothing here needs __dirname or import.meta.url, and the ESM shim would import
  // 'path' and 'url' into code that runs in browsers.
  shims: false,
  target: 'node20',
  // tfjs-core's CJS entry registers no gradients and its dist/ ESM files cannot be imported by
  // plain Node ESM (extension-less imports). So the gradient registrations are bundled into
  // dist/gradients.*: they register into tfjs-core's global gradient registry, which every copy
  // of tfjs-core in the process shares. The main entry of tfjs-core stays an external peer.
  noExternal: [/^@tensorflow\/tfjs-core\/dist\//],
  external: [/^@tensorflow\/tfjs-core$/],
});
