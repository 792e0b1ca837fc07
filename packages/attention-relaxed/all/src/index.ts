// Importing this package registers all six relaxed mixers of "Deconstructing Attention"
// (MODEL.md §3.2–3.7); each also installs and registers alone from its own package.
export * from '@deconattn/attention-mlp';
export * from '@deconattn/attention-approximate';
export * from '@deconattn/attention-non-approximate';
export * from '@deconattn/attention-rnd-emb-qk';
export * from '@deconattn/attention-fixed-seq-qk';
export * from '@deconattn/attention-static-emb-qk';

/** The ids this package registers, in MODEL.md order. */
export const RELAXED_MIXER_IDS = ['mlp', 'approximate', 'non-approximate', 'rnd-emb-qk', 'fixed-seq-qk', 'static-emb-qk'] as const;
