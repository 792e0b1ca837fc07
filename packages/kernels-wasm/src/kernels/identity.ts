/**
 * `Identity` without a copy. tfjs' wasm kernel copies the tensor into a new buffer; tfjs-core
 * emits Identity for every input and output of a custom gradient (`tf.customGrad`, which every
 * fused op and `linear()` use), so a training step of the reference model copied ≈ 100 tensors.
 * Like the cpu backend's Identity and the wasm backend's own Reshape, this output shares the
 * input's data (reference-counted); no kernel writes into its inputs, so sharing is safe.
 */
import { Identity, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';

export function identityConfig(original: KernelConfig | undefined): KernelConfig {
  const kernelFunc = (args: Parameters<KernelFunc>[0]) => {
    const { x } = args.inputs as { x: TensorInfo };
    if (x.dtype === 'string' && original) return (original.kernelFunc as KernelFunc)(args);
    (args.backend as unknown as { incRef(dataId: object): void }).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape.slice(), dtype: x.dtype };
  };
  return { kernelName: Identity, backendName: 'wasm', kernelFunc: kernelFunc as unknown as KernelFunc };
}
