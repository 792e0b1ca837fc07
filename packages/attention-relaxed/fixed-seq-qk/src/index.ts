import { registerMixer } from '@deconattn/core';
import { fixedSeqQk } from './fixed-seq-qk.js';

// Importing this package registers the 'fixed-seq-qk' mixer (a side effect listed in package.json).
// It shares its layer with @deconattn/attention-rnd-emb-qk, which registers 'rnd-emb-qk' as well.
registerMixer(fixedSeqQk);

export { fixedSeqQk, prepareFixedSequence, type FixedSeqQkOptions } from './fixed-seq-qk.js';
export { fixedSeqQkReference, fixedSequenceStreamStart } from './reference.js';
