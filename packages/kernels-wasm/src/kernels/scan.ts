/** The running softmax-weighted mean of csrc/scan.c, for @deconattn/core's `runningSoftmaxMean`. */
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { KERNEL } from '@deconattn/core';
import { KernelRuntime } from '../runtime.js';

interface Attrs {
  numHeads: number;
  scale: number;
}

function setup(args: Parameters<KernelFunc>[0]) {
  const rt = KernelRuntime.of(args.backend as object);
  if (!rt) throw new Error('deconattn kernels: the wasm backend memory is not reachable');
  const { q } = args.inputs as { q: TensorInfo };
  const { numHeads, scale } = args.attrs as unknown as Attrs;
  const [b, t, d] = q.shape as [number, number, number];
  const tasks = b * numHeads;
  const nth = tasks >= 2 && b * t * d >= 1 << 16 ? Math.min(rt.threads, tasks) : 1;
  return { rt, b, t, h: numHeads, dh: d / numHeads, scale, nth };
}

const forward = (args: Parameters<KernelFunc>[0]) => {
  const { q, k, v } = args.inputs as Record<string, TensorInfo>;
  const { rt, b, t, h, dh, scale, nth } = setup(args);
  const out = rt.backend.makeOutput(q!.shape.slice(), 'float32');
  const lz = rt.backend.makeOutput([b, h, t], 'float32');
  rt.run('dk_running_mean_fwd', [b, t, h, dh, rt.offset(q!), rt.offset(k!), rt.offset(v!), scale, rt.offset(out), rt.offset(lz)], nth);
  return [out, lz];
};

const backward = (args: Parameters<KernelFunc>[0]) => {
  const { q, k, v, out, lz, dy } = args.inputs as Record<string, TensorInfo>;
  const { rt, b, t, h, dh, scale, nth } = setup(args);
  const [dq, dk, dv] = [0, 1, 2].map(() => rt.backend.makeOutput(q!.shape.slice(), 'float32'));
  rt.ensureScratch(dh + 16);
  const p = (x: TensorInfo) => rt.offset(x);
  rt.run('dk_running_mean_bwd', [b, t, h, dh, p(q!), p(k!), p(v!), scale, p(out!), p(lz!), p(dy!), p(dq!), p(dk!), p(dv!)], nth);
  return [dq!, dk!, dv!];
};

export const scanConfigs: KernelConfig[] = [
  { kernelName: KERNEL.runningMean, backendName: 'wasm', kernelFunc: forward as unknown as KernelFunc },
  { kernelName: KERNEL.runningMeanGrad, backendName: 'wasm', kernelFunc: backward as unknown as KernelFunc },
];
