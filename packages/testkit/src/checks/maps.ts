import * as tf from '@tensorflow/tfjs-core';
import { linear, mergeHeads, splitHeads } from '@deconattn/core';
import { useBackend } from '@deconattn/hybrid/node';
import { ConformanceError, assertClose, assertFinite, assertShapeEq } from '../compare.js';
import { MixerFixture } from '../fixture.js';
import type { CheckFactory } from './types.js';

/**
 * Captured attention maps (for mixers that declare one): `B×h×T×T`, rows summing to 1, no
 * negative weights (unless the mixer's `mapForm` says `signed`), zero above the diagonal, and —
 * for mixers with attention's value and output projections — consistent with the output:
 * `outputScale · concat_h(A_h V_h) W_O` equals it (scale 1 unless `mapForm` says otherwise).
 * Mixers without a map must not call the capture hooks.
 */
export const mapChecks: CheckFactory = (def, opts) => {
  const tol = opts.tolerance ?? 1e-4;
  const name = def.hasAttentionMap ? 'captured attention maps are causal, row-stochastic and match the output' : 'no attention map is captured';
  return [
    {
      name,
      async run() {
        const c = name;
        await useBackend(opts.backend ?? 'cpu');
        const fx = new MixerFixture(def, opts);
        const { hn, emb } = fx.input();
        const { out, maps, logits } = fx.captured(hn, emb);
        try {
          if (!def.hasAttentionMap) {
            if (maps.length || logits.length) throw new ConformanceError(c, `the definition says hasAttentionMap: false, but the mixer called the capture hooks (${maps.length} maps, ${logits.length} logits).`);
            return;
          }
          if (maps.length !== 1) throw new ConformanceError(c, `expected one captured map per call, got ${maps.length}.`);
          const [b, t] = hn.shape;
          const h = fx.dims.numHeads;
          const map = maps[0]!;
          assertShapeEq(c, 'captured map', map.shape, [b, h, t, t]);
          assertFinite(c, 'captured map', map);
          for (const l of logits) assertShapeEq(c, 'captured logits', l.shape, [b, h, t, t]);
          const form = fx.mixer.mapForm ?? {};
          const a = map.dataSync();
          for (let row = 0; row < b * h * t; row++) {
            const i = row % t;
            let sum = 0;
            let magnitude = 0;
            for (let j = 0; j < t; j++) {
              const x = a[row * t + j]!;
              if (j > i && Math.abs(x) > tol) throw new ConformanceError(c, `map[${Math.floor(row / t)}, row ${i}, col ${j}] = ${x} lies above the diagonal: the map must be causal.`);
              if (x < -tol && !form.signed) throw new ConformanceError(c, `map row ${i} has a negative weight ${x} at column ${j} (a mixer whose maps may hold negative weights says so with mapForm.signed).`);
              sum += x;
              magnitude += Math.abs(x);
            }
            // Signed rows may hold large weights of both signs: float32 sums are accurate relative to Σ|x|.
            if (Math.abs(sum - 1) > tol * Math.max(1, magnitude)) throw new ConformanceError(c, `map row ${i} (flat row ${row}) sums to ${sum}, expected 1.`);
          }
          const w = fx.weights;
          if (w['v_proj.weight'] && w['o_proj.weight']) {
            tf.tidy(() => {
              const v = splitHeads(linear(hn, w['v_proj.weight']!, w['v_proj.bias']) as tf.Tensor3D, h);
              const scale = form.outputScale ?? 1;
              const viaMap = tf.mul(linear(mergeHeads(tf.matMul(map, v) as tf.Tensor4D), w['o_proj.weight']!), scale);
              assertClose(c, `${scale === 1 ? '' : `${scale} · `}concat_h(A_h V_h) W_O against the output`, viaMap, out, tol);
            });
          }
        } finally {
          [out, ...maps, ...logits].forEach((x) => x.dispose());
          hn.dispose();
          emb.dispose();
          fx.dispose();
        }
      },
    },
  ];
};
