/**
 * A tfjs-backend-wasm backend whose memory is shared, so worker threads can run our kernels on
 * the tensors in place (Node only). tfjs runs its wasm module on one thread in Node and creates
 * its memory unshared; the SIMD binary defines that memory itself, so we load the same binary
 * with the memory's limits flag set to "shared" (one byte: a shared memory needs a maximum, which
 * it declares) and build the BackendWasm exactly as tfjs' own initialisation does. The binary's
 * code is unchanged; any failure falls back to tfjs' stock backend.
 */
import type { KernelBackend } from '@tensorflow/tfjs-core';
import { KernelRuntime } from './runtime.js';

function readLeb(bytes: Uint8Array, at: number): [number, number] {
  let value = 0;
  let shift = 0;
  let b: number;
  do {
    b = bytes[at++]!;
    value += (b & 0x7f) * 2 ** shift;
    shift += 7;
  } while (b & 0x80);
  return [value, at];
}

/**
 * Marks the memory that a wasm binary defines as shared, in place. Returns false when the binary
 * imports its memory, defines none or several, or declares no maximum (then it cannot be shared).
 */
export function shareDefinedMemory(bytes: Uint8Array): boolean {
  if (bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) return false;
  let at = 8;
  while (at < bytes.length) {
    const id = bytes[at++]!;
    const [size, body] = readLeb(bytes, at);
    if (id === 5) {
      const [count, flagAt] = readLeb(bytes, body);
      if (count !== 1 || bytes[flagAt] !== 0x01) return false; // 0x01: has a maximum, unshared
      bytes[flagAt] = 0x03; // has a maximum, shared
      return true;
    }
    at = body + size;
  }
  return false;
}

/** Creates tfjs-backend-wasm's backend on a shared copy of its SIMD module and starts `workers` threads. */
export async function createSharedMemoryBackend(workers: number): Promise<KernelBackend> {
  const [{ createRequire }, fs, path, wasmPkg] = await Promise.all([import('node:module'), import('node:fs'), import('node:path'), import('@tensorflow/tfjs-backend-wasm')]);
  const req = createRequire(import.meta.url);
  const dir = path.join(path.dirname(req.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'wasm-out');
  const bytes = new Uint8Array(fs.readFileSync(path.join(dir, 'tfjs-backend-wasm-simd.wasm')));
  if (!shareDefinedMemory(bytes)) throw new Error('tfjs-backend-wasm-simd.wasm does not define one memory with a maximum');
  const factory = req(path.join(dir, 'tfjs-backend-wasm.js')) as (config: object) => Promise<any>;
  const module = await factory({ wasmBinary: bytes, locateFile: (p: string) => path.join(dir, p) });
  module.tfjs = {
    init: module.cwrap('init', null, []),
    initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
    getThreadsCount: module.cwrap('get_threads_count', 'number', []),
    registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
    disposeData: module.cwrap('dispose_data', null, ['number']),
    dispose: module.cwrap('dispose', null, []),
  };
  const backend = new (wasmPkg.BackendWasm ?? (wasmPkg as any).default.BackendWasm)(module);
  const rt = KernelRuntime.of(backend);
  if (!rt?.shared) throw new Error('the kernel module could not use the shared memory');
  await rt.startThreads(workers);
  return backend;
}
