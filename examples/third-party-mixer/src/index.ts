import { registerMixer } from '@deconattn/core';
import { slidingWindowAttention } from './sliding-window.js';

// Importing this package registers the 'sliding-window' mixer: a side effect, so the built entry
// files are listed in package.json's `sideEffects` (bundlers must not drop the import).
registerMixer(slidingWindowAttention);

export { slidingWindowAttention, SlidingWindowAttention, type SlidingWindowOptions } from './sliding-window.js';
export { windowBias } from './window-mask.js';
