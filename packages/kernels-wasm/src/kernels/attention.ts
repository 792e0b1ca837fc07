/**
 * The fused causal attention kernels (forward and backward) of csrc/attention.c, for
 * @deconattn/core's `causalAttention` op (KERNEL.causalAttention / causalAttentionGrad).
 */
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { KERNEL, ropeAngles } from '@deconattn/core';
import { KernelRuntime } from '../runtime.js';

export interface AttentionAttrs {
  numHeads: number;
  scale: number;
  /** 0 = no RoPE. */
  ropeTheta: number;
  positionOffset: number;
}

/** RoPE tables in wasm memory, per runtime and (length, offset, head size, θ); a few kept. */
const tables = new WeakMap<KernelRuntime, Map<string, [number, number]>>();
const MAX_TABLES = 32;

function ropeTables(rt: KernelRuntime, t: number, offset: number, dh: number, theta: number): [number, number] {
  if (!theta) return [0, 0];
  let cache = tables.get(rt);
  if (!cache) tables.set(rt, (cache = new Map()));
  const key = `${t}/${offset}/${dh}/${theta}`;
  const hit = cache.get(key);
  if (hit) return hit;
  if (cache.size >= MAX_TABLES) {
    const [oldKey, [c]] = cache.entries().next().value!;
    rt.backend.wasm._free(c);
    cache.delete(oldKey);
  }
  // The same tables (same float64 arithmetic, rounded to float32) as core's applyRope.
  const { cos, sin } = ropeAngles(t, offset, dh, theta);
  const bytes = cos.length * 4;
  const ptr = rt.backend.wasm._malloc(2 * bytes) >>> 0;
  const heap = new Float32Array(rt.memory.buffer);
  heap.set(cos, ptr / 4);
  heap.set(sin, (ptr + bytes) / 4);
  const entry: [number, number] = [ptr, ptr + bytes];
  cache.set(key, entry);
  return entry;
}

/** B from v; q and k have batch B or 1 (one map per head shared by the batch). */
function dims(q: TensorInfo, v: TensorInfo, attrs: AttentionAttrs) {
  const [qb, t, d] = q.shape as [number, number, number];
  const h = attrs.numHeads;
  return { b: v.shape[0]!, qb, t, h, dh: d / h };
}

/** Threads worth using: one (batch, head) pair each at least, and enough work to pay the hand-off. */
function threadsFor(rt: KernelRuntime, tasks: number, t: number, dh: number): number {
  return tasks >= 2 && tasks * t * t * dh >= 1 << 18 ? Math.min(rt.threads, tasks) : 1;
}

function runtimeOf(backend: unknown): KernelRuntime {
  const rt = KernelRuntime.of(backend as object);
  if (!rt) throw new Error('deconattn kernels: the wasm backend memory is not reachable');
  return rt;
}

const forward = (args: Parameters<KernelFunc>[0]) => {
  const { q, k, v } = args.inputs as { q: TensorInfo; k: TensorInfo; v: TensorInfo };
  const attrs = args.attrs as unknown as AttentionAttrs;
  const rt = runtimeOf(args.backend);
  const { b, qb, t, h, dh } = dims(q, v, attrs);
  const out = rt.backend.makeOutput(v.shape.slice(), 'float32');
  const lse = rt.backend.makeOutput([qb, h, t], 'float32');
  rt.ensureScratch(rt.exports.dk_attention_scratch!(t, dh) as number);
  const [cs, sn] = ropeTables(rt, t, attrs.positionOffset, dh, attrs.ropeTheta);
  rt.run('dk_attention_fwd', [b, qb, t, h, dh, rt.offset(q), rt.offset(k), rt.offset(v), cs, sn, attrs.scale, rt.offset(out), rt.offset(lse), rt.freshCounter()], threadsFor(rt, qb * h, t, dh * (b / qb)));
  return [out, lse];
};

const backward = (args: Parameters<KernelFunc>[0]) => {
  const { q, k, v, out, lse, dy } = args.inputs as Record<string, TensorInfo>;
  const attrs = args.attrs as unknown as AttentionAttrs;
  const rt = runtimeOf(args.backend);
  const { b, qb, t, h, dh } = dims(q!, v!, attrs);
  const dq = rt.backend.makeOutput(q!.shape.slice(), 'float32');
  const dk = rt.backend.makeOutput(q!.shape.slice(), 'float32');
  const dv = rt.backend.makeOutput(v!.shape.slice(), 'float32');
  rt.ensureScratch(rt.exports.dk_attention_scratch!(t, dh) as number);
  const [cs, sn] = ropeTables(rt, t, attrs.positionOffset, dh, attrs.ropeTheta);
  const p = (x: TensorInfo | undefined) => rt.offset(x!);
  rt.run('dk_attention_bwd', [b, qb, t, h, dh, p(q), p(k), p(v), cs, sn, attrs.scale, p(out), p(lse), p(dy), p(dq), p(dk), p(dv), rt.freshCounter()], threadsFor(rt, qb * h, t, dh * (b / qb)));
  return [dq, dk, dv];
};

export interface RopeAttrs {
  positionOffset: number;
  ropeTheta: number;
  /** Apply the inverse (transposed) rotation: the gradient. */
  inverse: boolean;
}

/** RoPE on x = [..., T, dh] (rows at positions offset … offset+T−1), or its gradient. */
const rope = (args: Parameters<KernelFunc>[0]) => {
  const { x } = args.inputs as { x: TensorInfo };
  const attrs = args.attrs as unknown as RopeAttrs;
  const rt = runtimeOf(args.backend);
  const r = x.shape.length;
  const [t, dh] = [x.shape[r - 2]!, x.shape[r - 1]!];
  const rows = x.shape.reduce((a, n) => a * n, 1) / dh;
  const y = rt.backend.makeOutput(x.shape.slice(), 'float32');
  const [cs, sn] = ropeTables(rt, t, attrs.positionOffset, dh, attrs.ropeTheta);
  rt.run('dk_rope', [rows, t, dh, rt.offset(x), cs, sn, attrs.inverse ? 1 : 0, rt.offset(y)], rows * dh >= 1 << 15 ? rt.threads : 1);
  return y;
};

export const attentionConfigs: KernelConfig[] = [
  { kernelName: KERNEL.causalAttention, backendName: 'wasm', kernelFunc: forward as unknown as KernelFunc },
  { kernelName: KERNEL.causalAttentionGrad, backendName: 'wasm', kernelFunc: backward as unknown as KernelFunc },
  { kernelName: KERNEL.rope, backendName: 'wasm', kernelFunc: rope as unknown as KernelFunc },
];
