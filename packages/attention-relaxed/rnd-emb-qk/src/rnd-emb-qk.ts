import {
  TOKEN_MIXER_SPEC_VERSION,
  DeconattnError,
  type TokenMixerDefinition,
} from '@deconattn/core';
import pkg from '../package.json';
import { FixedStreamAttention, checkStopGradient, type FixedStreamMixerOptions } from './fixed-maps.js';

export interface RndEmbQkOptions extends FixedStreamMixerOptions {
  /** Seed of the random stream start ε (drawn once; ε is saved with the checkpoint). */
  seed: number;
  /** Standard deviation of ε ~ N(0, std²) (MODEL.md §3.5: 0.02). */
  std: number;
}

const DEFAULTS: RndEmbQkOptions = { seed: 1234, std: 0.02, stopGradient: false };

/**
 * `rnd-emb-qk` (MODEL.md §3.5): relaxes sequence dependency. Queries and keys come from a fixed
 * random stream ε ∈ R^{Lmax×d} that the model runs through the same blocks and weights; the maps
 * are shared by every input, only the values depend on it.
 */
export const rndEmbQk: TokenMixerDefinition<RndEmbQkOptions> = {
  specificationVersion: TOKEN_MIXER_SPEC_VERSION,
  id: 'rnd-emb-qk',
  role: 'relaxed',
  packageName: pkg.name,
  packageVersion: pkg.version,
  principle: 'sequence dependency',
  description: 'Attention maps from a fixed random stream (ε ~ N(0, 0.02²)) run through the same layers; values from the input.',
  decoding: 'fixed-maps',
  hasAttentionMap: true,
  defaultOptions: DEFAULTS,
  parseOptions(raw: unknown): RndEmbQkOptions {
    if (raw !== undefined && raw !== null && (typeof raw !== 'object' || Array.isArray(raw))) {
      throw new DeconattnError(`rnd-emb-qk: options must be an object like {"seed": 1234, "std": 0.02, "stopGradient": false}, got ${JSON.stringify(raw)}.`);
    }
    const o = { ...DEFAULTS, ...((raw as object) ?? {}) } as Record<string, unknown>;
    for (const key of Object.keys(o)) {
      if (!(key in DEFAULTS)) throw new DeconattnError(`rnd-emb-qk: unknown option '${key}'. Options: ${Object.keys(DEFAULTS).join(', ')}.`);
    }
    const { seed, std } = o;
    if (!(typeof seed === 'number' && Number.isInteger(seed) && seed >= 0 && seed < 2 ** 32)) {
      throw new DeconattnError(`rnd-emb-qk: option 'seed' must be an integer in [0, 2³²), got ${JSON.stringify(seed)}.`);
    }
    if (!(typeof std === 'number' && Number.isFinite(std) && std > 0)) {
      throw new DeconattnError(`rnd-emb-qk: option 'std' must be a positive number (the paper's is 0.02), got ${JSON.stringify(std)}.`);
    }
    return { seed, std, stopGradient: checkStopGradient('rnd-emb-qk', o.stopGradient) };
  },
  needs: (options) => ({ fixedStream: { kind: 'random', seed: options.seed, std: options.std } }),
  create: (dims, options) => new FixedStreamAttention('rnd-emb-qk', dims, options),
};
