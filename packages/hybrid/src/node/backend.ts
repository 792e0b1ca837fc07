import * as tf from '@tensorflow/tfjs-core';
import { createRequire } from 'node:module';
import * as path from 'node:path';
// Fast kernels for the wasm backend, Node only (worker threads over tfjs' memory made shared):
// importing the package installs them before any wasm backend exists; same numbers as tfjs' own.
import { installWasmKernels } from '@deconattn/kernels-wasm';
import { BROWSER_BACKEND_LOADERS, activateBackend, defaultBackend, type BackendInfo, type BackendLoaders } from '../backend.js';

export interface WebGpuNodeOptions {
  /** Dawn toggles passed to `webgpu.create()`, e.g. `['backend=opengl']`. */
  dawnFlags?: string[];
  /** Request a compatibility-mode adapter (needed for Dawn's OpenGL backend on llvmpipe). */
  compatibility?: boolean;
}

/** The `dist/` directory of tfjs-backend-wasm, where its .wasm binaries live. */
function wasmDistDir(): string {
  const req = createRequire(import.meta.url);
  return path.dirname(req.resolve('@tensorflow/tfjs-backend-wasm/package.json')) + path.sep + 'dist' + path.sep;
}

async function installNodeWebGpu(opts: WebGpuNodeOptions): Promise<void> {
  const g = globalThis as any;
  if (g.navigator?.gpu) return;
  const webgpuPkg: any = await import(/* @vite-ignore */ 'webgpu');
  const mod = webgpuPkg.create ? webgpuPkg : webgpuPkg.default;
  Object.assign(globalThis, mod.globals);
  const envFlags = process.env.DECONATTN_DAWN_FLAGS ? process.env.DECONATTN_DAWN_FLAGS.split(',') : undefined;
  const make = (flags: string[], compat: boolean) => {
    if (flags.some((f) => f.includes('opengl'))) process.env.EGL_PLATFORM ??= 'surfaceless';
    const gpu = mod.create(flags);
    if (compat) {
      // tfjs asks for a default adapter; Dawn's OpenGL backend only offers a compatibility one.
      const request = gpu.requestAdapter.bind(gpu);
      gpu.requestAdapter = (o: object = {}) => request({ featureLevel: 'compatibility', ...o });
    }
    return gpu;
  };
  const flags = opts.dawnFlags ?? envFlags;
  let gpu: any;
  if (flags) {
    gpu = make(flags, opts.compatibility ?? flags.some((f) => f.includes('opengl')));
  } else {
    // Dawn's default (Vulkan/Metal/D3D12) first; machines without a usable GPU driver (e.g. Mesa's
    // Vulkan rejected by Dawn) fall back to OpenGL on llvmpipe in compatibility mode.
    gpu = make([], opts.compatibility ?? false);
    if (!(await gpu.requestAdapter())) gpu = make(['backend=opengl'], true);
  }
  if (!(await gpu.requestAdapter())) throw new Error('Dawn found no WebGPU adapter (tried the default backend and OpenGL/llvmpipe: install libegl1 libegl-mesa0 libgl1-mesa-dri libgles2)');
  if (!g.navigator) Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  else Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
}

/** Backends in Node: wasm with its binaries located, webgpu through Dawn, and tfjs-node when installed. */
function nodeLoaders(webgpu: WebGpuNodeOptions): BackendLoaders {
  return {
    cpu: BROWSER_BACKEND_LOADERS.cpu,
    wasm: async () => {
      const wasm: any = await import('@tensorflow/tfjs-backend-wasm');
      // Bundled code cannot find the .wasm files relative to itself: point tfjs at them.
      (wasm.setWasmPaths ?? wasm.default?.setWasmPaths)(wasmDistDir());
    },
    webgpu: async () => {
      await installNodeWebGpu(webgpu);
      await BROWSER_BACKEND_LOADERS.webgpu!();
    },
    tensorflow: () => import(/* @vite-ignore */ '@tensorflow/tfjs-node'),
    'tensorflow-gpu': () => import(/* @vite-ignore */ '@tensorflow/tfjs-node-gpu'),
  };
}

/**
 * Load (if needed) and activate a backend in Node (`wasm` by default). Throws a clear error naming
 * the package to install.
 */
export async function useBackend(name: string = defaultBackend(), webgpu: WebGpuNodeOptions = {}): Promise<BackendInfo> {
  // The cpu backend greets Node users with a banner recommending tfjs-node on first use; our
  // own error messages already say how to get native speed, so keep the console clean.
  if (name === 'cpu') tf.env().set('PROD', true);
  if (name === 'wasm') installWasmKernels();
  return activateBackend(name, nodeLoaders(webgpu));
}
