import { spawnSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { useBackend } from '@deconattn/hybrid/node';
import { KernelRuntime, kernelThreads, shareDefinedMemory } from '../src/index.js';

/** A minimal wasm module defining one memory: (memory min max). */
function moduleWithMemory(limits: number[]): Uint8Array<ArrayBuffer> {
  const section = [1, ...limits];
  return new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 5, section.length, ...section]);
}

describe('the shared-memory wasm backend', () => {
  it('marks a defined memory with a maximum as shared, and nothing else', () => {
    const m = moduleWithMemory([0x01, 1, 2]);
    expect(shareDefinedMemory(m)).toBe(true);
    expect(m[11]).toBe(0x03);
    const mem = new WebAssembly.Instance(new WebAssembly.Module(m)).exports;
    expect(mem).toEqual({}); // valid wasm after the patch
    expect(shareDefinedMemory(moduleWithMemory([0x00, 1]))).toBe(false); // no maximum: cannot be shared
    expect(shareDefinedMemory(new Uint8Array([1, 2, 3, 4]))).toBe(false);
  });

  it('runs tfjs on shared memory with worker threads in Node', async () => {
    await useBackend('wasm');
    const rt = KernelRuntime.of(tf.backend())!;
    expect(rt.shared).toBe(true);
    const cores = (await import('node:os')).availableParallelism();
    expect(kernelThreads()).toBe(Math.min(Math.max(cores, 1), 8));
    // tfjs' own kernels work on it as before
    const x = tf.tensor2d([[1, 2], [3, 4]]);
    expect(Array.from(tf.add(tf.softmax(x), tf.sqrt(x)).dataSync()).map((v) => +v.toFixed(4))).toEqual([1.2689, 2.1453, 2.001, 2.7311]);
  });

  // A child process: its workers must never keep it alive, and DECONATTN_THREADS / DECONATTN_KERNELS
  // choose one thread / tfjs' stock backend.
  const child = (env: Record<string, string>) => {
    const script = `
      const tf = require('@tensorflow/tfjs-core');
      require('@deconattn/kernels-wasm');
      tf.setBackend('wasm').then(() => {
        const k = require('@deconattn/kernels-wasm');
        const c = tf.matMul(tf.ones([300, 300]), tf.ones([300, 300]));
        console.log(JSON.stringify({ value: c.dataSync()[7], threads: k.kernelThreads(), enabled: k.wasmKernelsEnabled(), shared: tf.backend().wasm.HEAPU8.buffer instanceof SharedArrayBuffer }));
      });`;
    const r = spawnSync(process.execPath, ['-e', script], { cwd: new URL('..', import.meta.url).pathname, encoding: 'utf8', timeout: 120_000, env: { ...process.env, ...env } });
    expect(r.status, r.stderr).toBe(0);
    return JSON.parse(r.stdout.trim().split('\n').pop()!);
  };

  it('exits when done (worker threads never keep the process alive)', () => {
    expect(child({})).toMatchObject({ value: 300, enabled: true, shared: true });
  });

  it('runs on one thread with DECONATTN_THREADS=1 and stock tfjs with DECONATTN_KERNELS=off', () => {
    expect(child({ DECONATTN_THREADS: '1' })).toEqual({ value: 300, threads: 1, enabled: true, shared: false });
    expect(child({ DECONATTN_KERNELS: 'off' })).toEqual({ value: 300, threads: 1, enabled: false, shared: false });
  });
});
