/**
 * Kernels of csrc/elementwise.c: RMSNorm, the SwiGLU activation, mean cross-entropy, AdamW, the
 * squared norm of gradients, embedding rows (lookup and its scatter-add gradient), column sums — for @deconattn/core's and @deconattn/hybrid's ops of the same
 * names (KERNEL.*), each of which keeps its plain tfjs composition as the reference.
 */
import { util, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import { KERNEL } from '@deconattn/core';
import { KernelRuntime } from '../runtime.js';

/** Elements above which an elementwise or row-wise kernel is split over threads. */
const PARALLEL_ELEMENTS = 1 << 15;

type Args = Parameters<KernelFunc>[0];

function runtimeOf(backend: unknown): KernelRuntime {
  const rt = KernelRuntime.of(backend as object);
  if (!rt) throw new Error('deconattn kernels: the wasm backend memory is not reachable');
  return rt;
}

const threads = (rt: KernelRuntime, elements: number) => (elements >= PARALLEL_ELEMENTS ? rt.threads : 1);
const floatOut = (rt: KernelRuntime, shape: number[]) => rt.backend.makeOutput(shape.slice(), 'float32');

function rmsNorm({ inputs, backend, attrs }: Args) {
  const { x, weight } = inputs as { x: TensorInfo; weight: TensorInfo };
  const rt = runtimeOf(backend);
  const d = x.shape[x.shape.length - 1]!;
  const n = util.sizeFromShape(x.shape) / d;
  const y = floatOut(rt, x.shape);
  const rstd = floatOut(rt, [n]);
  rt.run('dk_rmsnorm_fwd', [n, d, rt.offset(x), rt.offset(weight), (attrs as { eps: number }).eps, rt.offset(y), rt.offset(rstd)], threads(rt, n * d));
  return [y, rstd];
}

function rmsNormGrad({ inputs, backend }: Args) {
  const { x, weight, rstd, dy } = inputs as Record<string, TensorInfo>;
  const rt = runtimeOf(backend);
  const d = x!.shape[x!.shape.length - 1]!;
  const n = util.sizeFromShape(x!.shape) / d;
  const dx = floatOut(rt, x!.shape);
  const dw = floatOut(rt, [d]);
  rt.run('dk_rmsnorm_bwd', [n, d, rt.offset(x!), rt.offset(weight!), rt.offset(rstd!), rt.offset(dy!), rt.offset(dx), rt.offset(dw)], threads(rt, n * d));
  return [dx, dw];
}

function swiglu({ inputs, backend }: Args) {
  const { gate, up } = inputs as { gate: TensorInfo; up: TensorInfo };
  const rt = runtimeOf(backend);
  const n = util.sizeFromShape(gate.shape);
  const h = floatOut(rt, gate.shape);
  rt.run('dk_swiglu_fwd', [n, rt.offset(gate), rt.offset(up), rt.offset(h)], threads(rt, n));
  return h;
}

function swigluGrad({ inputs, backend }: Args) {
  const { gate, up, dy } = inputs as Record<string, TensorInfo>;
  const rt = runtimeOf(backend);
  const n = util.sizeFromShape(gate!.shape);
  const dg = floatOut(rt, gate!.shape);
  const du = floatOut(rt, gate!.shape);
  rt.run('dk_swiglu_bwd', [n, rt.offset(gate!), rt.offset(up!), rt.offset(dy!), rt.offset(dg), rt.offset(du)], threads(rt, n));
  return [dg, du];
}

/** Outputs [mean loss (scalar), per-row log-sum-exp]. */
function crossEntropy({ inputs, backend }: Args) {
  const { logits, targets } = inputs as { logits: TensorInfo; targets: TensorInfo };
  const rt = runtimeOf(backend);
  const [n, v] = logits.shape as [number, number];
  const lse = floatOut(rt, [n]);
  const rowLoss = floatOut(rt, [n]);
  rt.run('dk_xent_fwd', [n, v, rt.offset(logits), rt.offset(targets), rt.offset(lse), rt.offset(rowLoss)], threads(rt, n * v));
  const heap = new Float32Array(rt.memory.buffer, rt.offset(rowLoss), n);
  let total = 0;
  for (let i = 0; i < n; i++) total += heap[i]!;
  rt.backend.disposeData(rowLoss.dataId);
  const loss = floatOut(rt, []);
  new Float32Array(rt.memory.buffer, rt.offset(loss), 1)[0] = total / n;
  return [loss, lse];
}

function crossEntropyGrad({ inputs, backend }: Args) {
  const { logits, targets, lse, dy } = inputs as Record<string, TensorInfo>;
  const rt = runtimeOf(backend);
  const [n, v] = logits!.shape as [number, number];
  const scale = new Float32Array(rt.memory.buffer, rt.offset(dy!), 1)[0]! / n;
  const dl = floatOut(rt, logits!.shape);
  rt.run('dk_xent_bwd', [n, v, rt.offset(logits!), rt.offset(targets!), rt.offset(lse!), scale, rt.offset(dl)], threads(rt, n * v));
  return dl;
}

export interface AdamWAttrs {
  beta1: number;
  beta2: number;
  bc1: number;
  bc2: number;
  eps: number;
  lr: number;
  /** Multiplies the weight before the update: 1 − lr·λ for decayed weights, else 1. */
  decay: number;
}

/** Outputs [w', m', v'] for inputs w, g, m, v. */
function adamW({ inputs, backend, attrs }: Args) {
  const { w, g, m, v } = inputs as Record<string, TensorInfo>;
  const a = attrs as unknown as AdamWAttrs;
  const rt = runtimeOf(backend);
  const n = util.sizeFromShape(w!.shape);
  const [w1, m1, v1] = [floatOut(rt, w!.shape), floatOut(rt, w!.shape), floatOut(rt, w!.shape)];
  rt.run('dk_adamw', [n, rt.offset(w!), rt.offset(g!), rt.offset(m!), rt.offset(v!), rt.offset(w1), rt.offset(m1), rt.offset(v1), a.beta1, 1 - a.beta1, a.beta2, 1 - a.beta2, a.bc1, a.bc2, a.eps, a.lr, a.decay], threads(rt, n));
  return [w1, m1, v1];
}

/** Σ x² over every input tensor (float64 accumulation), as a scalar. */
function sumSquares({ inputs, backend }: Args) {
  const rt = runtimeOf(backend);
  let total = 0;
  for (const t of Object.values(inputs as Record<string, TensorInfo>)) total += rt.exports.dk_sum_squares!(util.sizeFromShape(t.shape), rt.offset(t)) as number;
  const out = floatOut(rt, []);
  new Float32Array(rt.memory.buffer, rt.offset(out), 1)[0] = total;
  return out;
}

function gatherRows({ inputs, backend }: Args) {
  const { table, ids } = inputs as { table: TensorInfo; ids: TensorInfo };
  const rt = runtimeOf(backend);
  const [v, d] = table.shape as [number, number];
  const n = util.sizeFromShape(ids.shape);
  const out = floatOut(rt, [n, d]);
  rt.run('dk_gather_rows', [n, d, v, rt.offset(table), rt.offset(ids), rt.offset(out)], threads(rt, n * d));
  return out;
}

function scatterAddRows({ inputs, backend, attrs }: Args) {
  const { values, ids } = inputs as { values: TensorInfo; ids: TensorInfo };
  const rt = runtimeOf(backend);
  const rows = (attrs as { rows: number }).rows;
  const d = values.shape[values.shape.length - 1]!;
  const n = util.sizeFromShape(ids.shape);
  const out = floatOut(rt, [rows, d]);
  rt.exports.dk_scatter_add_rows!(n, d, rows, rt.offset(values), rt.offset(ids), rt.offset(out));
  return out;
}

function sumRows({ inputs, backend }: Args) {
  const { x } = inputs as { x: TensorInfo };
  const rt = runtimeOf(backend);
  const d = x.shape[x.shape.length - 1]!;
  const out = floatOut(rt, [d]);
  rt.exports.dk_sum_rows!(util.sizeFromShape(x.shape) / d, d, rt.offset(x), rt.offset(out));
  return out;
}

const config = (kernelName: string, kernelFunc: (args: Args) => TensorInfo | TensorInfo[]): KernelConfig => ({ kernelName, backendName: 'wasm', kernelFunc: kernelFunc as unknown as KernelFunc });

export const elementwiseConfigs: KernelConfig[] = [
  config(KERNEL.rmsNorm, rmsNorm),
  config(KERNEL.rmsNormGrad, rmsNormGrad),
  config(KERNEL.swiglu, swiglu),
  config(KERNEL.swigluGrad, swigluGrad),
  config(KERNEL.crossEntropy, crossEntropy),
  config(KERNEL.crossEntropyGrad, crossEntropyGrad),
  config(KERNEL.adamW, adamW),
  config(KERNEL.sumSquares, sumSquares),
  config(KERNEL.gatherRows, gatherRows),
  config(KERNEL.scatterAddRows, scatterAddRows),
  config(KERNEL.sumRows, sumRows),
];
