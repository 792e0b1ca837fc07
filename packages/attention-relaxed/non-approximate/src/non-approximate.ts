import * as tf from '@tensorflow/tfjs-core';
import {
  TOKEN_MIXER_SPEC_VERSION,
  KERNEL,
  defineMixerOptions,
  optionChecks,
  attentionParamSpecs,
  hasKernel,
  causalBias,
  linear,
  silu,
  splitHeads,
  type MixerContext,
  type MixerState,
  type MixerWeights,
  type ModelDims,
  type TokenMixer,
  type TokenMixerDefinition,
  projectHeads,
  outputProjection,
  runningSoftmaxMean,
} from '@deconattn/core';
import pkg from '../package.json';
import { pairMax, rowMax } from './stabilisers.js';

export interface NonApproximateAttentionOptions {
  /**
   * Tokens per chunk of the online-softmax scan. Within a chunk the causal rows are an exact
   * masked C×C softmax; chunks are combined through the running (max, numerator, denominator).
   * Work is O(L·C·d) instead of O(L²·d); any size gives the same result.
   */
  chunkSize: number;
}

const DEFAULTS: NonApproximateAttentionOptions = { chunkSize: 64 };

/** The scan's carry per batch and head: running max `m`, `Σ e^{s_j−m} v_j` and `Σ e^{s_j−m}`. */
interface Carry {
  m: tf.Tensor4D; // B×h×1×1
  num: tf.Tensor4D; // B×h×1×dh
  den: tf.Tensor4D; // B×h×1×1
}

/**
 * `non-approximate` (docs/model.md §3.4): relaxes the mathematical form entirely. One score per token
 * and head, `s_j = q_j·k_j/√dh` with `Q = SiLU(Hn W_Q + b)`, no pairs and no RoPE (it would cancel);
 * `o_i = Σ_{j≤i} e^{s_j} v_j / Σ_{j≤i} e^{s_j}`, a running softmax-weighted mean.
 *
 * Numerics: scores exceed 10³ in trained models, so exp is never taken of a raw score. A single
 * max per sequence would not do (a prefix whose scores are far below a later max underflows to
 * 0/0); every row i is instead normalised by the running max over j ≤ i. The parallel form is a
 * chunked online-softmax scan: inside a chunk a masked softmax subtracts each row's own prefix max;
 * across chunks the carry is rescaled by `exp(m_old − m_new) ≤ 1`. Decoding is the same scan with
 * the carry kept in the state (O(1) per token), so the two forms agree by construction.
 */
export class NonApproximateAttention implements TokenMixer<NonApproximateAttentionOptions> {
  readonly id = 'non-approximate';
  constructor(
    readonly dims: ModelDims,
    readonly options: NonApproximateAttentionOptions,
  ) {}

  params() {
    return attentionParamSpecs(this.dims);
  }

  initState(): MixerState {
    return { length: 0, tensors: {} };
  }

  apply(hn: tf.Tensor3D, w: MixerWeights, ctx: MixerContext): tf.Tensor3D {
    const { numHeads, headDim } = this.dims;
    const state = ctx.state;
    if (!state && !ctx.capture && hasKernel(KERNEL.runningMean)) {
      // Training and scoring: the scan in one kernel each way (same numbers as the chunked scan below).
      const proj = (which: 'q' | 'k' | 'v') => linear(hn, w[`${which}_proj.weight`]!, w[`${which}_proj.bias`]) as tf.Tensor3D;
      const mixed = runningSoftmaxMean(silu(proj('q')) as tf.Tensor3D, proj('k'), proj('v'), numHeads);
      return linear(mixed, w['o_proj.weight']!) as tf.Tensor3D;
    }
    const q = splitHeads(silu(linear(hn, w['q_proj.weight'], w['q_proj.bias'])) as tf.Tensor3D, numHeads);
    const k = projectHeads(hn, w, 'k', numHeads);
    const v = projectHeads(hn, w, 'v', numHeads);
    const scores = tf.mul(tf.sum(tf.mul(q, k), -1), 1 / Math.sqrt(headDim)) as tf.Tensor3D; // B×h×T
    const t = hn.shape[1];
    if (!state && ctx.capture) this.capture(scores, ctx);

    let carry: Carry | undefined = state?.tensors.m
      ? { m: state.tensors.m as tf.Tensor4D, num: state.tensors.num as tf.Tensor4D, den: state.tensors.den as tf.Tensor4D }
      : undefined;
    const outs: tf.Tensor4D[] = [];
    const c = this.options.chunkSize;
    for (let start = 0; start < t; start += c) {
      const size = Math.min(c, t - start);
      const s = tf.slice(scores, [0, 0, start], [-1, -1, size]) as tf.Tensor3D;
      const vc = tf.slice(v, [0, 0, start, 0], [-1, -1, size, -1]) as tf.Tensor4D;
      const step = scanChunk(s, vc, carry);
      outs.push(step.out);
      carry = step.carry;
    }
    if (state) {
      const old = Object.values(state.tensors);
      state.tensors = { m: tf.keep(carry!.m), num: tf.keep(carry!.num), den: tf.keep(carry!.den) };
      old.forEach((x) => x.dispose());
      state.length += t;
    }
    const out = outs.length === 1 ? outs[0]! : (tf.concat(outs, 2) as tf.Tensor4D);
    return outputProjection(out, w);
  }

  /** `A_ij = e^{s_j} / Σ_{m≤i} e^{s_m}` (a masked row softmax, exact) and the scores per row. */
  private capture(scores: tf.Tensor3D, ctx: MixerContext): void {
    const t = scores.shape[2];
    const logits = tf.tile(tf.expandDims(scores, 2), [1, 1, t, 1]) as tf.Tensor4D; // row i, column j: s_j
    if (ctx.capture!.attention) ctx.capture!.attention(ctx.layer, tf.softmax(tf.add(logits, causalBias(t, t, 0))) as tf.Tensor4D);
    if (ctx.capture!.logits) ctx.capture!.logits(ctx.layer, logits);
  }
}

/**
 * One chunk of the online-softmax scan. `s` is `B×h×C` (this chunk's scores), `v` `B×h×C×dh`.
 * Row i of the chunk: `r_i = max_{j≤i in chunk} s_j`, `P_ij = e^{s_j − r_i}` (j ≤ i), then merged
 * with the carry at the common max `m_i = max(m_carry, r_i)`. Every exponent is ≤ 0 and the
 * denominator is ≥ 1, so scores of any size are safe.
 */
function scanChunk(s: tf.Tensor3D, v: tf.Tensor4D, carry: Carry | undefined): { out: tf.Tensor4D; carry: Carry } {
  const c = s.shape[2];
  const logits = tf.add(tf.expandDims(s, 2), causalBias(c, c, 0)) as tf.Tensor4D; // B×h×C×C
  const r = rowMax(logits); // B×h×C×1, each row's prefix max within the chunk
  const p = tf.exp(tf.sub(logits, r));
  let num = tf.matMul(p, v) as tf.Tensor4D; // B×h×C×dh
  let den = tf.sum(p, -1, true) as tf.Tensor4D; // B×h×C×1
  let m = r;
  if (carry) {
    m = pairMax(carry.m, r);
    const a = tf.exp(tf.sub(carry.m, m)); // rescales the carry, ≤ 1
    const b = tf.exp(tf.sub(r, m)); // rescales this chunk, ≤ 1
    num = tf.add(tf.mul(a, carry.num), tf.mul(b, num)) as tf.Tensor4D;
    den = tf.add(tf.mul(a, carry.den), tf.mul(b, den)) as tf.Tensor4D;
  }
  const last = (x: tf.Tensor4D) => tf.slice(x, [0, 0, c - 1, 0], [-1, -1, 1, -1]) as tf.Tensor4D;
  return { out: tf.div(num, den) as tf.Tensor4D, carry: { m: last(m), num: last(num), den: last(den) } };
}

export const nonApproximateAttention: TokenMixerDefinition<NonApproximateAttentionOptions> = {
  specificationVersion: TOKEN_MIXER_SPEC_VERSION,
  ...defineMixerOptions('non-approximate', DEFAULTS, { chunkSize: optionChecks.integer(1, Infinity, ' (tokens per scan chunk, e.g. 64)') }),
  id: 'non-approximate',
  role: 'relaxed',
  packageName: pkg.name,
  packageVersion: pkg.version,
  principle: 'mathematical form (entirely)',
  description: 'One score per token (its own q·k), a causal running softmax-weighted mean of values; linear in L, recurrent decoding.',
  decoding: 'recurrent',
  hasAttentionMap: true,
  needs: () => ({}),
  create: (dims, options) => new NonApproximateAttention(dims, options),
};
