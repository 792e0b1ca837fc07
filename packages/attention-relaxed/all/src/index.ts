// Importing this package registers all six relaxed mixers of "Deconstructing Attention"
// (docs/model.md §3.2–3.7); each also installs and registers alone from its own package.
import { announcePaperMixers } from './paper-mixers.js';

export * from '@deconattn/attention-mlp';
export * from '@deconattn/attention-approximate';
export * from '@deconattn/attention-non-approximate';
export * from '@deconattn/attention-rnd-emb-qk';
export * from '@deconattn/attention-fixed-seq-qk';
export * from '@deconattn/attention-static-emb-qk';
export { PAPER_MIXERS, RELAXED_MIXER_IDS, paperRank, announcePaperMixers, type PaperMixer } from './paper-mixers.js';

announcePaperMixers();
