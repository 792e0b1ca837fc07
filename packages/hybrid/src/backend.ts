import * as tf from '@tensorflow/tfjs-core';
import { DeconattnError } from './errors.js';

/**
 * Backend selection. `cpu` and `wasm` ship with @deconattn/core; `wasm` is the default in Node
 * (≈30× the cpu backend on plain 2-D matMuls). `webgpu` works in browsers, and in Node through the
 * `webgpu` npm package (Dawn). `tensorflow` / `tensorflow-gpu` are native and need the user to
 * install @tensorflow/tfjs-node(-gpu), which we never require.
 */
export type BackendName = 'cpu' | 'wasm' | 'webgpu' | 'tensorflow' | 'tensorflow-gpu';
export const BACKENDS: readonly BackendName[] = ['cpu', 'wasm', 'webgpu', 'tensorflow', 'tensorflow-gpu'];

const PACKAGES: Record<BackendName, string> = {
  cpu: '@tensorflow/tfjs-backend-cpu',
  wasm: '@tensorflow/tfjs-backend-wasm',
  webgpu: '@tensorflow/tfjs-backend-webgpu',
  tensorflow: '@tensorflow/tfjs-node',
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
};

export interface WebGpuNodeOptions {
  /** Dawn toggles passed to `webgpu.create()`, e.g. `['backend=opengl']`. */
  dawnFlags?: string[];
  /** Request a compatibility-mode adapter (needed for Dawn's OpenGL backend on llvmpipe). */
  compatibility?: boolean;
}

export interface BackendInfo {
  name: BackendName;
  package: string;
}

export const isNode = typeof process !== 'undefined' && !!process.versions?.node;

export function defaultBackend(): BackendName {
  return isNode ? 'wasm' : 'webgpu';
}

function missing(name: BackendName, err: unknown): DeconattnError {
  const pkg = PACKAGES[name];
  const extra = name === 'webgpu' && isNode ? ' and the `webgpu` package (Dawn for Node)' : '';
  return new DeconattnError(
    `Backend '${name}' is not available: it needs ${pkg}${extra}. Install it with \`npm install ${pkg}@^4.22.0${extra ? ' webgpu' : ''}\`, or pick another backend (${BACKENDS.join(', ')}). Cause: ${(err as Error)?.message ?? err}`,
  );
}

/** The `dist/` directory of tfjs-backend-wasm, where its .wasm binaries live (Node only). */
async function wasmDistDir(): Promise<string> {
  const { createRequire } = await import('node:module');
  const path = await import('node:path');
  const req = createRequire(import.meta.url);
  return path.dirname(req.resolve('@tensorflow/tfjs-backend-wasm/package.json')) + path.sep + 'dist' + path.sep;
}

async function loadBackend(name: BackendName, webgpu: WebGpuNodeOptions): Promise<void> {
  if (tf.findBackendFactory(name)) return;
  try {
    switch (name) {
      case 'cpu':
        await import('@tensorflow/tfjs-backend-cpu');
        break;
      case 'wasm': {
        const wasm = await import('@tensorflow/tfjs-backend-wasm');
        // Bundled code cannot find the .wasm files relative to itself: point tfjs at them.
        if (isNode) (wasm.setWasmPaths ?? (wasm as any).default?.setWasmPaths)(await wasmDistDir());
        break;
      }
      case 'webgpu':
        if (isNode) await installNodeWebGpu(webgpu);
        // Imported only after navigator.gpu exists: otherwise the backend never registers.
        await import('@tensorflow/tfjs-backend-webgpu');
        break;
      case 'tensorflow':
        await import(/* @vite-ignore */ PACKAGES.tensorflow);
        break;
      case 'tensorflow-gpu':
        await import(/* @vite-ignore */ PACKAGES['tensorflow-gpu']);
        break;
    }
  } catch (err) {
    throw missing(name, err);
  }
  if (!tf.findBackendFactory(name)) throw missing(name, new Error(`${PACKAGES[name]} loaded but registered no '${name}' backend`));
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

/**
 * Load (if needed) and activate a backend. Throws a clear error naming the package to install.
 */
export async function useBackend(name: string = defaultBackend(), webgpu: WebGpuNodeOptions = {}): Promise<BackendInfo> {
  if (!BACKENDS.includes(name as BackendName)) {
    throw new DeconattnError(`Unknown backend '${name}'. Available: ${BACKENDS.join(', ')}.`);
  }
  const b = name as BackendName;
  await loadBackend(b, webgpu);
  // The cpu backend greets Node users with a banner recommending tfjs-node on first use; our
  // own error messages already say how to get native speed, so keep the console clean.
  if (b === 'cpu' && isNode) tf.env().set('PROD', true);
  const ok = await tf.setBackend(b);
  if (!ok) throw missing(b, new Error(`tf.setBackend('${b}') failed to initialise`));
  await tf.ready();
  return { name: b, package: PACKAGES[b] };
}
