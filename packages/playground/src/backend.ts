import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { useBrowserBackend, type BackendInfo } from '@deconattn/hybrid';
import { WASM_PATHS } from './assets.js';

export interface ChosenBackend {
  info: BackendInfo;
  /** Why this one: asked for in the URL, or WebGPU's absence. */
  note: string;
}

/**
 * WebGPU where the browser has a usable adapter, wasm otherwise; `?backend=wasm|webgpu|cpu` in the
 * page's URL forces one (the tests ask for wasm).
 */
export async function chooseBackend(requested: string | null): Promise<ChosenBackend> {
  setWasmPaths(WASM_PATHS);
  if (requested) return { info: await useBrowserBackend(requested), note: 'chosen in the URL' };
  try {
    return { info: await useBrowserBackend('webgpu'), note: 'WebGPU adapter found' };
  } catch (e) {
    const why = !('gpu' in navigator) ? 'this browser has no WebGPU' : 'no usable WebGPU adapter';
    return { info: await useBrowserBackend('wasm'), note: `${why}; using wasm` };
  }
}
