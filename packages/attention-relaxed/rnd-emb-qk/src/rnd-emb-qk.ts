import {
  TOKEN_MIXER_SPEC_VERSION,
  defineMixerOptions,
  optionChecks,
  type TokenMixerDefinition,
} from '@deconattn/core';
import pkg from '../package.json';
import { FixedStreamAttention, STOP_GRADIENT_CHECK, type FixedStreamMixerOptions } from './fixed-maps.js';

export interface RndEmbQkOptions extends FixedStreamMixerOptions {
  /** Seed of the random stream start ε (drawn once; ε is saved with the checkpoint). */
  seed: number;
  /** Standard deviation of ε ~ N(0, std²) (docs/model.md §3.5: 0.02). */
  std: number;
}

const DEFAULTS: RndEmbQkOptions = { seed: 1234, std: 0.02, stopGradient: false };

/**
 * `rnd-emb-qk` (docs/model.md §3.5): relaxes sequence dependency. Queries and keys come from a fixed
 * random stream ε ∈ R^{Lmax×d} that the model runs through the same blocks and weights; the maps
 * are shared by every input, only the values depend on it.
 */
export const rndEmbQk: TokenMixerDefinition<RndEmbQkOptions> = {
  specificationVersion: TOKEN_MIXER_SPEC_VERSION,
  ...defineMixerOptions('rnd-emb-qk', DEFAULTS, { seed: optionChecks.integer(0, 2 ** 32), std: optionChecks.positiveNumber(" (the paper's is 0.02)"), stopGradient: STOP_GRADIENT_CHECK }),
  id: 'rnd-emb-qk',
  role: 'relaxed',
  packageName: pkg.name,
  packageVersion: pkg.version,
  principle: 'sequence dependency',
  description: 'Attention maps from a fixed random stream (ε ~ N(0, 0.02²)) run through the same layers; values from the input.',
  decoding: 'fixed-maps',
  hasAttentionMap: true,
  needs: (options) => ({ fixedStream: { kind: 'random', seed: options.seed, std: options.std } }),
  create: (dims, options) => new FixedStreamAttention('rnd-emb-qk', dims, options),
};
