import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@deconattn/hybrid/node';
import { ConformanceError, assertClose } from '../compare.js';
import { MixerFixture, randomArray } from '../fixture.js';
import type { ConformanceOptions } from '../options.js';
import type { CheckFactory } from './types.js';

async function withFixture(def: Parameters<CheckFactory>[0], opts: ConformanceOptions, body: (fx: MixerFixture) => void): Promise<void> {
  await useBackend(opts.backend ?? 'cpu');
  const fx = new MixerFixture(def, opts);
  try {
    tf.tidy(() => body(fx));
  } finally {
    fx.dispose();
  }
}

/** `x` with every position after `t` replaced by fresh random values. */
function perturbAfter(x: tf.Tensor3D, t: number, seed: number): tf.Tensor3D {
  const [b, n, d] = x.shape;
  const keep = tf.slice(x, [0, 0, 0], [-1, t + 1, -1]);
  const fresh = tf.tensor3d(randomArray(b * (n - t - 1) * d, seed), [b, n - t - 1, d]);
  return tf.concat([keep, fresh], 1) as tf.Tensor3D;
}

/** Causality, and the parallel form against step-by-step decoding through `initState` / `context.state`. */
export const numericChecks: CheckFactory = (def, opts) => {
  const tol = opts.tolerance ?? 1e-4;
  return [
    {
      name: 'causality',
      run: () =>
        withFixture(def, opts, (fx) => {
          const c = 'causality';
          const { hn, emb } = fx.input();
          const base = fx.parallel(hn, emb);
          const n = fx.length;
          for (const t of [...new Set([0, Math.floor(n / 2), n - 2])].filter((t) => t >= 0 && t < n - 1)) {
            const out = fx.parallel(perturbAfter(hn, t, fx.seed + 31 + t), perturbAfter(emb, t, fx.seed + 61 + t));
            const head = (x: tf.Tensor3D) => tf.slice(x, [0, 0, 0], [-1, t + 1, -1]);
            assertClose(c, `outputs at positions ≤ ${t} after changing the tokens after ${t}`, head(out), head(base), tol);
          }
        }),
    },
    {
      name: 'decoding token by token equals the parallel form',
      run: () =>
        withFixture(def, opts, (fx) => {
          const c = 'decoding token by token equals the parallel form';
          const { hn, emb } = fx.input();
          const out = fx.decode(hn, emb, [1], {}, (state, consumed) => {
            if (state.length !== consumed) throw new ConformanceError(c, `after consuming ${consumed} tokens the state says length ${state.length}; apply() must advance state.length by the tokens it consumed.`);
          });
          assertClose(c, 'token-by-token outputs', out, fx.parallel(hn, emb), tol);
        }),
    },
    {
      name: 'decoding in chunks equals the parallel form',
      run: () =>
        withFixture(def, opts, (fx) => {
          const c = 'decoding in chunks equals the parallel form';
          const { hn, emb } = fx.input();
          const chunks = opts.decodeChunks ?? [3, 1, 2];
          const out = fx.decode(hn, emb, chunks, {}, (state, consumed) => {
            if (state.length !== consumed) throw new ConformanceError(c, `after consuming ${consumed} tokens the state says length ${state.length}.`);
          });
          assertClose(c, `outputs decoded in chunks of ${chunks.join(', ')}`, out, fx.parallel(hn, emb), tol);
        }),
    },
    {
      name: 'inference cache gives the same outputs',
      run: () =>
        withFixture(def, opts, (fx) => {
          const c = 'inference cache gives the same outputs';
          const cache = new Map<string, tf.Tensor>();
          try {
            const { hn, emb } = fx.input();
            const plain = fx.parallel(hn, emb);
            // Twice each, as a model reuses its cache across batches and generated tokens.
            for (let round = 0; round < 2; round++) {
              assertClose(c, `parallel outputs with a cache (round ${round + 1})`, fx.parallel(hn, emb, { inferenceCache: cache }), plain, tol);
              assertClose(c, `decoded outputs with a cache (round ${round + 1})`, fx.decode(hn, emb, [2, 1], { inferenceCache: cache }), plain, tol);
            }
            const other = fx.input(fx.seed + 99);
            assertClose(c, 'a second input with the same cache', fx.parallel(other.hn, other.emb, { inferenceCache: cache }), fx.parallel(other.hn, other.emb), tol);
            for (const [key, x] of cache) if (x.isDisposed) throw new ConformanceError(c, `the cached tensor '${key}' was disposed; tensors in context.inferenceCache belong to the model.`);
          } finally {
            cache.forEach((x) => x.dispose());
          }
        }),
    },
  ];
};
