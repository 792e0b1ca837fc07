import { registerMixer } from '@deconattn/core';
import { approximateAttention } from './approximate.js';

// Importing this package registers the 'approximate' mixer (a side effect listed in package.json).
registerMixer(approximateAttention);

export { approximateAttention, ApproximateAttention } from './approximate.js';
export { type ApproximateAttentionOptions, type ApproximateKernel } from './options.js';
export { PaperKernel } from './paper-kernel.js';
export { BasedKernel } from './based-kernel.js';
export { guardDenominator, DENOMINATOR_FLOOR } from './guard.js';
export { approximateReference, approximatePaperMapReference } from './reference.js';
