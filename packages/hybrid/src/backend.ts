import * as tf from '@tensorflow/tfjs-core';
import { DeconattnError } from '@deconattn/core';

/**
 * Backend selection. `cpu` and `wasm` ship with @deconattn/hybrid; `wasm` is the default in Node
 * (≈30× the cpu backend on plain 2-D matMuls). `webgpu` works in browsers, and in Node through the
 * `webgpu` npm package (Dawn). `tensorflow` / `tensorflow-gpu` are native and need the user to
 * install @tensorflow/tfjs-node(-gpu), which we never require.
 *
 * This file is browser-safe: it imports no Node module. The Node specifics (where the .wasm
 * binaries are, Dawn and its OpenGL fallback, tfjs-node) are in node/backend.ts, which passes its
 * loaders to `activateBackend`; `@deconattn/hybrid/node` exports that `useBackend`.
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

export interface BackendInfo {
  name: BackendName;
  package: string;
}

export const isNode = typeof process !== 'undefined' && !!process.versions?.node;

export function defaultBackend(): BackendName {
  return isNode ? 'wasm' : 'webgpu';
}

export function missingBackend(name: BackendName, err: unknown): DeconattnError {
  const pkg = PACKAGES[name];
  const extra = name === 'webgpu' && isNode ? ' and the `webgpu` package (Dawn for Node)' : '';
  return new DeconattnError(
    `Backend '${name}' is not available: it needs ${pkg}${extra}. Install it with \`npm install ${pkg}@^4.22.0${extra ? ' webgpu' : ''}\`, or pick another backend (${BACKENDS.join(', ')}). Cause: ${(err as Error)?.message ?? err}`,
  );
}

/** How to make each backend available: import its package (and prepare what it needs). */
export type BackendLoaders = Partial<Record<BackendName, () => Promise<unknown>>>;

/** The loaders that work wherever a bundler resolves packages (browsers). */
export const BROWSER_BACKEND_LOADERS: BackendLoaders = {
  cpu: () => import('@tensorflow/tfjs-backend-cpu'),
  wasm: () => import('@tensorflow/tfjs-backend-wasm'),
  // Imported only after navigator.gpu exists: otherwise the backend never registers.
  webgpu: () => import('@tensorflow/tfjs-backend-webgpu'),
};

async function loadBackend(name: BackendName, loaders: BackendLoaders): Promise<void> {
  if (tf.findBackendFactory(name)) return;
  const load = loaders[name];
  if (!load) throw missingBackend(name, new Error(`it has no loader here${isNode ? '' : ' (tfjs-node backends run only in Node, through @deconattn/hybrid/node)'}`));
  try {
    await load();
  } catch (err) {
    throw missingBackend(name, err);
  }
  if (!tf.findBackendFactory(name)) throw missingBackend(name, new Error(`${PACKAGES[name]} loaded but registered no '${name}' backend`));
}

/** Load (if needed) with `loaders` and activate a backend. Throws a clear error naming the package to install. */
export async function activateBackend(name: string, loaders: BackendLoaders): Promise<BackendInfo> {
  if (!BACKENDS.includes(name as BackendName)) {
    throw new DeconattnError(`Unknown backend '${name}'. Available: ${BACKENDS.join(', ')}.`);
  }
  const b = name as BackendName;
  await loadBackend(b, loaders);
  const ok = await tf.setBackend(b);
  if (!ok) throw missingBackend(b, new Error(`tf.setBackend('${b}') failed to initialise`));
  await tf.ready();
  return { name: b, package: PACKAGES[b] };
}

/**
 * Load (if needed) and activate a backend where a bundler resolves the tfjs backend packages (a
 * browser). In Node, use the `useBackend` of `@deconattn/hybrid/node`: it knows where the .wasm
 * files are, and brings Dawn and tfjs-node.
 */
export async function useBrowserBackend(name: string = defaultBackend()): Promise<BackendInfo> {
  return activateBackend(name, BROWSER_BACKEND_LOADERS);
}
