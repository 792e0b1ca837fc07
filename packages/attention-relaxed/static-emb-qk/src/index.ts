import { registerMixer } from '@deconattn/core';
import { staticEmbQk } from './static-emb-qk.js';

// Importing this package registers the 'static-emb-qk' mixer (a side effect listed in package.json).
registerMixer(staticEmbQk);

export { staticEmbQk, StaticEmbQkAttention, type StaticEmbQkOptions } from './static-emb-qk.js';
export { attentionNorm } from './attention-norm.js';
export { staticEmbQkReference } from './reference.js';
