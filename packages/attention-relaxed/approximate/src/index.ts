import { registerMixer } from '@deconattn/core';
import { approximateAttention } from './approximate.js';

// Importing this package registers the 'approximate' mixer (a side effect listed in package.json).
registerMixer(approximateAttention);

export { approximateAttention, ApproximateAttention, type ApproximateAttentionOptions, type TaylorKernel } from './approximate.js';
export { approximateReference } from './reference.js';
