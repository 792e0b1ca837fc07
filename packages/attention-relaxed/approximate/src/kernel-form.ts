import type * as tf from '@tensorflow/tfjs-core';
import type { AttentionMapForm, MixerState } from '@deconattn/core';

/** What a kernel returns for one chunk of queries: the heads' output and, when asked, map and logits. */
export interface KernelResult {
  out: tf.Tensor4D;
  map?: tf.Tensor4D;
  logits?: tf.Tensor4D;
}

/**
 * One way of computing `approximate` from RoPE'd `q`, `k` and `v` (`B×h×t×dh`). With `state`, the
 * chunk continues a decoded sequence: the kernel reads the state of the tokens before it (there
 * are `state.length`) and adds its own tokens to it. Without, the chunk is a whole sequence from
 * position 0 and maps/logits may be asked for.
 */
export interface ApproximateKernelForm {
  readonly mapForm?: AttentionMapForm;
  run(q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D, state: MixerState | undefined, want: { map: boolean; logits: boolean }): KernelResult;
}
