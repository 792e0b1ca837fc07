import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@deconattn/hybrid/node';
import { type BackendName } from '@deconattn/hybrid';
import { ConformanceError } from '../compare.js';
import { MixerFixture, randomArray } from '../fixture.js';
import type { CheckFactory } from './types.js';

/** A training-mode forward and backward on each backend: every weight gets a finite, non-zero gradient. */
export const gradientChecks: CheckFactory = (def, opts) =>
  (opts.gradientBackends ?? (['cpu', 'wasm'] as BackendName[])).map((backend) => ({
    name: `a gradient reaches every weight (${backend})`,
    async run() {
      const c = `a gradient reaches every weight (${backend})`;
      const previous = tf.getBackend();
      await useBackend(backend);
      const fx = new MixerFixture(def, opts);
      try {
        const vars = Object.values(fx.weights);
        if (vars.length === 0) return;
        tf.tidy(() => {
          const { hn, emb } = fx.input();
          const probe = tf.tensor3d(randomArray(hn.size, fx.seed + 5), hn.shape);
          const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(fx.mixer.apply(hn, fx.weights, fx.context(emb, { training: true })), probe)) as tf.Scalar, vars);
          if (!Number.isFinite(value.dataSync()[0]!)) throw new ConformanceError(c, `the forward value is not finite.`);
          for (const [name, w] of Object.entries(fx.weights)) {
            const g = grads[w.name];
            if (!g) throw new ConformanceError(c, `no gradient for weight '${name}': it does not influence the output.`);
            const values = g.dataSync();
            let norm = 0;
            for (let i = 0; i < values.length; i++) {
              if (!Number.isFinite(values[i]!)) throw new ConformanceError(c, `the gradient of '${name}' has a non-finite value at flat index ${i}.`);
              norm = Math.max(norm, Math.abs(values[i]!));
            }
            if (norm === 0) throw new ConformanceError(c, `the gradient of '${name}' is exactly zero: the weight does not reach the output.`);
          }
        });
      } finally {
        fx.dispose();
        if (previous && previous !== backend) await useBackend(previous);
      }
    },
  }));
