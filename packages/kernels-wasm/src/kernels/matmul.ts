/**
 * `BatchMatMul` on the wasm backend through the strided 4×8 kernel (≈ 50 GFLOP/s on one thread
 * against tfjs' ≈ 30 for plain 2-D products and ≈ 3 for transposed or batched ones), with
 * transposed operands read in place (no Transpose kernels) and large products split over threads.
 * Batch dimensions broadcast as in tfjs-core (tfjs' own wasm kernel gets [2,1]×[1,3] wrong).
 */
import { BatchMatMul, broadcast_util, util, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import { KernelRuntime } from '../runtime.js';

/** Multiply-adds above which a product is split over threads (the hand-off costs ≈ 20 µs). */
export const PARALLEL_MACS = 1 << 21;

export interface MatMulAttrs {
  transposeA: boolean;
  transposeB: boolean;
}

/** C = op(a)·op(b) into `out` (batch `i` of a/b/out at the given strides in elements). */
export function gemmInto(rt: KernelRuntime, a: TensorInfo, b: TensorInfo, out: TensorInfo, attrs: MatMulAttrs): void {
  const ra = a.shape.length;
  const rb = b.shape.length;
  const [ta, tb] = [attrs.transposeA, attrs.transposeB];
  const m = ta ? a.shape[ra - 1]! : a.shape[ra - 2]!;
  const k = ta ? a.shape[ra - 2]! : a.shape[ra - 1]!;
  const n = tb ? b.shape[rb - 2]! : b.shape[rb - 1]!;
  const batchIndex = broadcastBatches(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const [ars, aks] = ta ? [1, m] : [k, 1];
  const [brs, bcs] = tb ? [1, k] : [n, 1];
  const pa = rt.offset(a);
  const pb = rt.offset(b);
  const pc = rt.offset(out);
  const batches = batchIndex.length;
  // Threads split the whole batch (units of one entry and a few column panels), so a batch of
  // small products (attention maps per head) is split as well as one large product.
  const nth = batches * m * n * k >= PARALLEL_MACS ? rt.threads : 1;
  rt.ensureScratch(rt.exports.dk_gemm_scratch(m, k), nth);
  const step = (pick: 0 | 1) => (batchIndex.every((e, i) => e[pick] === i) ? 1 : batchIndex.every((e) => e[pick] === 0) ? 0 : -1);
  const [sa, sb] = [step(0), step(1)];
  if (batches === 1) {
    rt.run('dk_gemm', [m, n, k, pa, ars, aks, pb, brs, bcs, pc, n, 0, rt.freshCounter()], nth);
  } else if (sa >= 0 && sb >= 0) {
    rt.run('dk_gemm_batch', [batches, m, n, k, pa, ars, aks, sa * m * k, pb, brs, bcs, sb * k * n, pc, n, m * n, 0, rt.freshCounter()], nth);
  } else {
    for (let i = 0; i < batches; i++) {
      const [ia, ib] = batchIndex[i]!;
      rt.run('dk_gemm', [m, n, k, pa + ia * m * k * 4, ars, aks, pb + ib * k * n * 4, brs, bcs, pc + i * m * n * 4, n, 0, rt.freshCounter()], nth);
    }
  }
}

/**
 * For each batch entry of the broadcast output (row-major), the batch entries of a and b it
 * reads: numpy broadcasting, dimensions aligned from the right, size-1 dimensions repeated.
 */
export function broadcastBatches(ba: number[], bb: number[]): [number, number][] {
  const out = broadcast_util.assertAndGetBroadcastShape(ba, bb);
  const r = out.length;
  const pad = (s: number[]) => [...new Array<number>(r - s.length).fill(1), ...s];
  const [pa, pb] = [pad(ba), pad(bb)];
  const result: [number, number][] = [];
  const idx = new Array<number>(r).fill(0);
  for (let n = util.sizeFromShape(out), i = 0; i < n; i++) {
    let ia = 0;
    let ib = 0;
    for (let dim = 0; dim < r; dim++) {
      ia = ia * pa[dim]! + (pa[dim] === 1 ? 0 : idx[dim]!);
      ib = ib * pb[dim]! + (pb[dim] === 1 ? 0 : idx[dim]!);
    }
    result.push([ia, ib]);
    for (let dim = r - 1; dim >= 0 && ++idx[dim]! === out[dim]; dim--) idx[dim] = 0;
  }
  return result;
}

function outShape(a: TensorInfo, b: TensorInfo, attrs: MatMulAttrs): number[] {
  const ra = a.shape.length;
  const rb = b.shape.length;
  const m = attrs.transposeA ? a.shape[ra - 1]! : a.shape[ra - 2]!;
  const n = attrs.transposeB ? b.shape[rb - 2]! : b.shape[rb - 1]!;
  return [...broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2)), m, n];
}

/** The BatchMatMul kernel config that replaces tfjs' own; `original` serves what we do not. */
export function batchMatMulConfig(original: KernelConfig | undefined): KernelConfig {
  const kernelFunc = (args: Parameters<KernelFunc>[0]) => {
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    const attrs = args.attrs as unknown as MatMulAttrs;
    const rt = KernelRuntime.of(args.backend);
    const ka = attrs.transposeA ? a.shape[a.shape.length - 2] : a.shape[a.shape.length - 1];
    const kb = attrs.transposeB ? b.shape[b.shape.length - 1] : b.shape[b.shape.length - 2];
    if (!rt || a.dtype !== 'float32' || b.dtype !== 'float32' || ka !== kb || a.shape.length < 2 || b.shape.length < 2) {
      if (!original) throw new Error(`deconattn kernels: BatchMatMul of shapes [${a.shape}] and [${b.shape}] is not supported`);
      return (original.kernelFunc as KernelFunc)(args);
    }
    const out = rt.backend.makeOutput(outShape(a, b, attrs), 'float32');
    gemmInto(rt, a, b, out, attrs);
    return out;
  };
  return {
    kernelName: BatchMatMul,
    backendName: 'wasm',
    setupFunc: original?.setupFunc,
    kernelFunc: kernelFunc as unknown as KernelFunc,
  };
}
