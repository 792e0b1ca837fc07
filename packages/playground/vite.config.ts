import { defineConfig } from 'vite';

// A static site: `vite build` writes dist/ (open it from any static server). The .wasm binaries
// of tfjs, the corpus and the Pythia tokenizer are assets imported with `?url` (src/assets.ts).
export default defineConfig({
  base: './',
  resolve: {
    // One tfjs-core (its kernel and backend registries are global state) and one deconattn core.
    dedupe: ['@tensorflow/tfjs-core', '@deconattn/core'],
  },
  build: {
    target: 'es2022',
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 4096,
  },
  server: { host: '127.0.0.1', port: 5174 },
  preview: { host: '127.0.0.1', port: 5174 },
});
