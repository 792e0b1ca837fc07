import { registerMixer } from '@deconattn/core';
import { rndEmbQk } from './rnd-emb-qk.js';

// Importing this package registers the 'rnd-emb-qk' mixer (a side effect listed in package.json).
registerMixer(rndEmbQk);

export { rndEmbQk, type RndEmbQkOptions } from './rnd-emb-qk.js';
export { FixedStreamAttention, MAP_CACHE_LIMIT, STOP_GRADIENT_CHECK, type FixedStreamMixerOptions } from './fixed-maps.js';
export { fixedMapsReference } from './reference.js';
