import { registerMixer } from '@deconattn/core';
import { nonApproximateAttention } from './non-approximate.js';

// Importing this package registers the 'non-approximate' mixer (a side effect listed in package.json).
registerMixer(nonApproximateAttention);

export { nonApproximateAttention, NonApproximateAttention, type NonApproximateAttentionOptions } from './non-approximate.js';
export { nonApproximateReference } from './reference.js';
