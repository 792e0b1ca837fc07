/**
 * The kernel module bound to one tfjs-backend-wasm instance: instantiated on the backend's own
 * WebAssembly.Memory (tensors are read and written where tfjs keeps them, no copies), with
 * per-thread scratch space from tfjs' allocator and, when that memory is shared, a thread pool.
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { WASM_PLAIN, WASM_SHARED } from './generated/binaries.js';
import { ThreadPool } from './threads.js';

/** What we use of tfjs-backend-wasm's BackendWasm (its public fields). */
export interface WasmBackendLike {
  wasm: {
    _malloc(bytes: number): number;
    _free(ptr: number): void;
    HEAPU8: Uint8Array;
    asm?: { memory?: WebAssembly.Memory };
    wasmMemory?: WebAssembly.Memory;
  };
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: 'float32', memoryOffset?: number): TensorInfo;
  disposeData(dataId: object, force?: boolean): boolean;
}

/** The exported kernel functions (pointers are byte offsets into tfjs' memory). */
export interface KernelExports {
  dk_gemm(M: number, N: number, K: number, a: number, ars: number, aks: number, b: number, brs: number, bcs: number, c: number, ldc: number, accumulate: number, counter: number, scratch: number, tid: number, nth: number): void;
  dk_gemm_batch(batches: number, M: number, N: number, K: number, a: number, ars: number, aks: number, sa: number, b: number, brs: number, bcs: number, sb: number, c: number, ldc: number, sc: number, accumulate: number, counter: number, scratch: number, tid: number, nth: number): void;
  dk_gemm_scratch(M: number, K: number): number;
  [name: string]: (...args: number[]) => number | void;
}

function decode(base64: string): Uint8Array<ArrayBuffer> {
  if (typeof Buffer !== 'undefined') return Uint8Array.from(Buffer.from(base64, 'base64'));
  const s = atob(base64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

const modules: { plain?: WebAssembly.Module; shared?: WebAssembly.Module } = {};
function kernelModule(shared: boolean): WebAssembly.Module {
  const key = shared ? 'shared' : 'plain';
  return (modules[key] ??= new WebAssembly.Module(decode(shared ? WASM_SHARED : WASM_PLAIN)));
}

export class KernelRuntime {
  private static readonly byBackend = new WeakMap<object, KernelRuntime | null>();
  /** Threads a kernel may use (1 unless the memory is shared and a pool started). */
  threads = 1;
  pool: ThreadPool | null = null;
  /** An int in wasm memory from which threads claim units of work (kernels that balance dynamically). */
  counter = 0;
  /** Each thread's scratch: offset (64-byte aligned) and size in floats, grown on demand. */
  private readonly scratch: { ptr: number; raw: number; floats: number }[] = [];

  private constructor(
    readonly backend: WasmBackendLike,
    readonly memory: WebAssembly.Memory,
    readonly shared: boolean,
    readonly exports: KernelExports,
  ) {}

  /** The runtime of a backend: created on first use; null when the backend's memory is not reachable. */
  static of(backend: object): KernelRuntime | null {
    let rt = KernelRuntime.byBackend.get(backend);
    if (rt === undefined) {
      rt = KernelRuntime.create(backend as WasmBackendLike);
      KernelRuntime.byBackend.set(backend, rt);
    }
    return rt;
  }

  private static create(backend: WasmBackendLike): KernelRuntime | null {
    const memory = backend.wasm?.asm?.memory ?? backend.wasm?.wasmMemory;
    if (!memory || typeof backend.wasm._malloc !== 'function') return null;
    const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
    const instance = new WebAssembly.Instance(kernelModule(shared), { env: { memory } });
    const rt = new KernelRuntime(backend, memory, shared, instance.exports as unknown as KernelExports);
    rt.counter = rt.backend.wasm._malloc(64) >>> 0;
    rt.ensureScratch(1 << 16, 1);
    return rt;
  }

  /** Starts `count` worker threads (shared memory only). */
  async startThreads(count: number): Promise<void> {
    if (!this.shared || count < 1 || this.pool) return;
    const fns = Object.keys(this.exports).filter((k) => typeof this.exports[k] === 'function' && !k.endsWith('_scratch'));
    this.pool = await ThreadPool.start(count, kernelModule(true), this.memory, fns);
    this.threads = this.pool.size;
    this.ensureScratch(1 << 16, this.threads);
  }

  stopThreads(): void {
    this.pool?.terminate();
    this.pool = null;
    this.threads = 1;
  }

  /** Makes sure threads 0…threads−1 each have at least `floats` floats of scratch. */
  ensureScratch(floats: number, threads = this.threads): void {
    for (let t = 0; t < threads; t++) {
      const s = this.scratch[t];
      if (s && s.floats >= floats) continue;
      if (s) this.backend.wasm._free(s.raw);
      const size = Math.max(floats, s ? s.floats * 2 : 0);
      const raw = this.backend.wasm._malloc(size * 4 + 64) >>> 0;
      if (!raw) throw new Error(`deconattn kernels: could not allocate ${size * 4} bytes of scratch`);
      this.scratch[t] = { ptr: (raw + 63) & ~63, raw, floats: size };
    }
  }

  /** Zeroes the work counter and returns its offset: pass it to a kernel that claims work from it. */
  freshCounter(): number {
    Atomics.store(new Int32Array(this.memory.buffer, this.counter, 1), 0, 0);
    return this.counter;
  }

  /** Byte offset of a tensor's data in the backend's memory. */
  offset(t: TensorInfo): number {
    const d = this.backend.dataIdMap.get(t.dataId);
    if (!d) throw new Error('deconattn kernels: tensor data not found on the wasm backend');
    return d.memoryOffset;
  }

  /**
   * Calls kernel `fn(...args, scratch, tid, nth)` on `nth` threads (1 = here only). Kernels
   * split their work by (tid, nth) and write disjoint parts of their outputs.
   */
  run(fn: string, args: number[], nth = 1): void {
    const f = this.exports[fn]!;
    const self = (tid: number, n: number) => void f(...args, this.scratch[tid]!.ptr, tid, n);
    if (nth <= 1 || !this.pool) self(0, 1);
    else this.pool.run(fn, args, this.scratch.map((s) => s.ptr), nth, self);
  }
}
