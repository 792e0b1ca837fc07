import * as tf from '@tensorflow/tfjs-core';
import { DeconattnError, SeededRandom } from '@deconattn/core';
import type { LanguageModel } from './model.js';

export interface GenerateOptions {
  maxNewTokens: number;
  /** 0 = greedy. */
  temperature?: number;
  /** Sample among the k most likely tokens (0 = all). */
  topK?: number;
  seed?: number;
  /** Stop when this token is generated. */
  stopToken?: number;
  /** Called with each new token id as it is generated. */
  onToken?: (id: number) => void;
}

/**
 * Autoregressive generation through the cached decoding path: the prompt is consumed in one
 * call, then one token per call, each mixer updating its own state (KV cache, recurrent state…).
 * Returns the generated ids only (not the prompt): `tok.decode(prompt.concat(ids))` is the text.
 */
export async function generate(model: LanguageModel, prompt: number[], opts: GenerateOptions): Promise<number[]> {
  if (prompt.length === 0) throw new DeconattnError('generate needs a prompt of at least one token (use the BOS/EOS id for an empty prompt).');
  const temperature = opts.temperature ?? 0;
  if (temperature < 0) throw new DeconattnError(`temperature must be ≥ 0 (0 = greedy), got ${temperature}.`);
  const rng = new SeededRandom(opts.seed ?? 0);
  const state = model.initDecodeState(1);
  const out: number[] = [];
  try {
    let next: number[] = prompt;
    for (let i = 0; i < opts.maxNewTokens; i++) {
      const lastT = tf.tidy(() => {
        const l = model.logits(tf.tensor2d(next, [1, next.length], 'int32'), { state });
        return tf.squeeze(tf.slice(l, [0, next.length - 1, 0], [1, 1, -1]));
      });
      const logits = (await lastT.data()) as Float32Array;
      lastT.dispose();
      const id = temperature === 0 ? argmax(logits) : sample(logits, temperature, opts.topK ?? 0, rng);
      out.push(id);
      opts.onToken?.(id);
      if (opts.stopToken !== undefined && id === opts.stopToken) break;
      if (model.stream && state.length + 1 > model.config.maxPositions) break;
      next = [id];
    }
  } finally {
    model.disposeDecodeState(state);
  }
  return out;
}

function argmax(x: Float32Array): number {
  let best = 0;
  for (let i = 1; i < x.length; i++) if (x[i]! > x[best]!) best = i;
  return best;
}

function sample(logits: Float32Array, temperature: number, topK: number, rng: SeededRandom): number {
  let idx = Array.from(logits.keys());
  if (topK > 0 && topK < idx.length) idx = idx.sort((a, b) => logits[b]! - logits[a]!).slice(0, topK);
  const max = Math.max(...idx.map((i) => logits[i]!));
  const w = idx.map((i) => Math.exp((logits[i]! - max) / temperature));
  const total = w.reduce((a, b) => a + b, 0);
  let r = rng.next() * total;
  for (let k = 0; k < idx.length; k++) {
    r -= w[k]!;
    if (r <= 0) return idx[k]!;
  }
  return idx[idx.length - 1]!;
}
