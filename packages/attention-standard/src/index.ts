import { registerMixer } from '@deconattn/core';
import { standardAttention } from './standard.js';

// Importing this package registers the 'standard' mixer (a side effect listed in package.json).
registerMixer(standardAttention);

export { standardAttention, StandardAttention, type StandardAttentionOptions } from './standard.js';
