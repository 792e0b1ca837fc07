import * as tf from '@tensorflow/tfjs-core';
import type { CaptureHooks } from '@deconattn/core';
import { useBackend } from '@deconattn/hybrid/node';
import { ConformanceError } from '../compare.js';
import { MixerFixture, keepingCaptureHooks, randomArray } from '../fixture.js';
import type { CheckFactory } from './types.js';

/**
 * `tf.memory().numTensors` is the same after repeated calls: parallel, decoding (state disposed),
 * training gradients, with an inference cache (which may hold tensors, but a fixed number), and
 * with both capture hooks set, as `deconattn analyze` sets them: each hook keeps a clone, which
 * the check disposes, so a mixer that `tf.keep`s the tensor it lends the hook leaks one per call.
 */
export const leakChecks: CheckFactory = (def, opts) => [
  {
    name: 'no tensor leaks across repeated calls',
    async run() {
      const c = 'no tensor leaks across repeated calls';
      await useBackend(opts.backend ?? 'cpu');
      const fx = new MixerFixture(def, opts);
      const { hn, emb } = fx.input();
      const probe = tf.tensor3d(randomArray(hn.size, fx.seed + 5), hn.shape);
      const cache = new Map<string, tf.Tensor>();
      // Hooks as analyzeModel's: keep a clone of each captured tensor, read it, dispose it.
      const withCapture = (call: (capture: CaptureHooks) => void) => {
        const { capture, maps, logits } = keepingCaptureHooks(c);
        try {
          call(capture);
        } finally {
          tf.dispose([...maps, ...logits]);
        }
      };
      try {
        const vars = Object.values(fx.weights);
        const steps: [string, () => void][] = [
          ['the parallel form', () => fx.parallel(hn, emb).dispose()],
          ['decoding (state disposed afterwards)', () => fx.decode(hn, emb, [2, 1]).dispose()],
          [
            'a training forward and backward',
            () =>
              vars.length &&
              tf.tidy(() => {
                tf.variableGrads(() => tf.sum(tf.mul(fx.mixer.apply(hn, fx.weights, fx.context(emb, { training: true })), probe)) as tf.Scalar, vars);
              }),
          ],
          ['the parallel form with capture hooks for maps and logits', () => withCapture((capture) => fx.parallel(hn, emb, { capture }).dispose())],
          ['decoding with capture hooks for maps and logits', () => withCapture((capture) => fx.decode(hn, emb, [2, 1], { capture }).dispose())],
          [
            'calls with an inference cache',
            () => {
              fx.parallel(hn, emb, { inferenceCache: cache }).dispose();
              fx.decode(hn, emb, [1], { inferenceCache: cache }).dispose();
            },
          ],
        ];
        for (const [what, step] of steps) {
          step(); // the first call may fill caches
          const before = tf.memory().numTensors;
          step();
          step();
          const after = tf.memory().numTensors;
          if (after !== before) {
            const hint = what.includes('capture')
              ? ' A captured map or logit is only lent to the hook: pass an intermediate that the caller\'s tf.tidy frees, never a tf.keep-ed tensor (the hook clones what it keeps).'
              : ' Wrap tensor work in tf.tidy or dispose it; keep only state/cache tensors.';
            throw new ConformanceError(c, `${what} leaks: ${after - before} more tensors after two further calls (${before} → ${after}).${hint}`);
          }
        }
      } finally {
        cache.forEach((x) => x.dispose());
        hn.dispose();
        emb.dispose();
        probe.dispose();
        fx.dispose();
      }
    },
  },
];
