/**
 * @deconattn/kernels-wasm: fast kernels for tfjs-backend-wasm, registered through tfjs' kernel
 * registry. Importing the package installs them (`installWasmKernels()`); models then run faster
 * on the `wasm` backend without any change in what they compute (float32 round-off aside: every
 * kernel is tested against the plain tfjs composition it replaces).
 *
 * - `BatchMatMul`: a register-blocked SIMD product reading transposed operands in place.
 * - Causal attention from the projections, RoPE included, forward and backward in one kernel each.
 * - RMSNorm, the SwiGLU activation, cross-entropy, AdamW and the gradients' squared norm.
 * - The non-approximate mixer's running softmax-weighted mean (a log-space scan each way).
 * - `Identity` sharing its input's data instead of copying it.
 * - In Node, the `wasm` backend's memory is made shared and a worker thread per extra core runs
 *   the large products on it (`DECONATTN_THREADS` sets the thread count; 1 = single-threaded).
 *
 * `DECONATTN_KERNELS=off` skips the installation (tfjs' stock wasm backend and kernels). Node only:
 * in browsers nothing is installed (tfjs' own kernels run).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as wasmBackend from '@tensorflow/tfjs-backend-wasm';
import { batchMatMulConfig } from './kernels/matmul.js';
import { attentionConfigs } from './kernels/attention.js';
import { elementwiseConfigs } from './kernels/elementwise.js';
import { identityConfig } from './kernels/identity.js';
import { scanConfigs } from './kernels/scan.js';
import { KERNEL } from '@deconattn/core';
import { createSharedMemoryBackend } from './backend.js';

import { KernelRuntime } from './runtime.js';

export { KernelRuntime };
export { shareDefinedMemory } from './backend.js';
export { PARALLEL_MACS } from './kernels/matmul.js';

const isNode = typeof process !== 'undefined' && !!process.versions?.node;

export interface InstallOptions {
  /** Threads for large kernels, the main one included (Node). Default: DECONATTN_THREADS, else the core count (≤ 8). */
  threads?: number;
}

/** tfjs' own kernels we replace, kept to serve what ours do not and as the tests' reference. */
export const originalKernels = new Map<string, tf.KernelConfig>();
/** Our kernel configs, by kernel name. */
const ours = new Map<string, tf.KernelConfig>();
let installed = false;
let enabled = false;

/** DECONATTN_THREADS, when set to a positive integer. */
function envThreads(): number | undefined {
  const env = isNode ? Number(process.env.DECONATTN_THREADS) : NaN;
  return Number.isInteger(env) && env >= 1 ? env : undefined;
}

/** The core count, capped: more threads than cores only adds hand-off cost. */
async function coreCount(): Promise<number> {
  const os = await import('node:os');
  return Math.max(1, Math.min(os.availableParallelism?.() ?? os.cpus().length, 8));
}

function replaceKernel(config: tf.KernelConfig): void {
  const { kernelName, backendName } = config;
  if (!originalKernels.has(kernelName)) {
    const old = tf.getKernel(kernelName, backendName);
    if (old) originalKernels.set(kernelName, old);
  }
  ours.set(kernelName, config);
  if (tf.getKernel(kernelName, backendName)) tf.unregisterKernel(kernelName, backendName);
  tf.registerKernel(config);
}

/**
 * Switches our kernels off (tfjs' own kernels back, the fused ops take their plain composition)
 * or on again, without changing the backend: for side-by-side measurements and A/B tests.
 */
export function setWasmKernelsEnabled(on: boolean): void {
  if (!installed || on === enabled) return;
  for (const [name, config] of ours) {
    if (tf.getKernel(name, 'wasm')) tf.unregisterKernel(name, 'wasm');
    const original = originalKernels.get(name);
    if (on) tf.registerKernel(config);
    else if (original) tf.registerKernel(original);
  }
  enabled = on;
}

/** Whether our kernels are registered (installed and not switched off). */
export function wasmKernelsEnabled(): boolean {
  return enabled;
}

/** Whether tfjs has already created its wasm backend (then its memory can no longer be shared). */
function wasmInitialised(): boolean {
  return !!(tf.engine() as any).registry?.wasm;
}

/**
 * Registers the kernels for the `wasm` backend and, in Node, a `wasm` backend factory with shared
 * memory and worker threads (only if tfjs has not created its wasm backend yet). Idempotent.
 */
export function installWasmKernels(opts: InstallOptions = {}): void {
  if (installed) return;
  // Node only for now: browsers would need the module compiled asynchronously before first use.
  if (!isNode || /^(0|off|false)$/i.test(process.env.DECONATTN_KERNELS ?? '')) return;
  const asked = opts.threads ?? envThreads();
  installed = true;
  enabled = true;
  const matMul = batchMatMulConfig(originalKernels.get('BatchMatMul') ?? tf.getKernel('BatchMatMul', 'wasm'));
  replaceKernel(matMul);
  replaceKernel({ ...matMul, kernelName: KERNEL.matMul, setupFunc: undefined });
  replaceKernel(identityConfig(originalKernels.get('Identity') ?? tf.getKernel('Identity', 'wasm')));
  for (const config of [...attentionConfigs, ...elementwiseConfigs, ...scanConfigs]) replaceKernel(config);
  if (asked !== 1 && !wasmInitialised()) {
    const stock = tf.findBackendFactory('wasm');
    if (!stock) return;
    tf.removeBackend('wasm');
    tf.registerBackend(
      'wasm',
      async () => {
        try {
          const threads = asked ?? (await coreCount());
          if (threads > 1) return await createSharedMemoryBackend(threads - 1);
          await pointTfjsAtItsBinaries();
          return stock();
        } catch (e) {
          console.warn(`deconattn: wasm kernels run on one thread (${(e as Error).message})`);
          await pointTfjsAtItsBinaries();
          return stock();
        }
      },
      2,
    );
  }
}

/** Bundled code cannot find tfjs' .wasm files relative to itself: tell it where they are. */
async function pointTfjsAtItsBinaries(): Promise<void> {
  const [{ createRequire }, path] = await Promise.all([import('node:module'), import('node:path')]);
  const dir = path.dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json'));
  (wasmBackend.setWasmPaths ?? (wasmBackend as any).default?.setWasmPaths)(dir + path.sep + 'dist' + path.sep);
}

/** Threads the kernels of the current wasm backend use (1 when single-threaded). */
export function kernelThreads(): number {
  const backend = tf.findBackend('wasm');
  return backend ? (KernelRuntime.of(backend)?.threads ?? 1) : 1;
}

installWasmKernels();
