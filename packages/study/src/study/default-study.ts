import type { StudySuite } from './types.js';
import type { StudySyntheticInput } from './synthetic.js';

/**
 * What `deconattn study` runs with no flags (and so `npm start`): sized to finish in ≤ 15 minutes
 * on two cores, measured (README: "The default study"). The library's STUDY_DEFAULTS stay the
 * smallest study (one suite, one seed); this is the command's choice on top of them.
 */
export const DEFAULT_STUDY = {
  preset: 'small',
  steps: 100,
  // All six relaxed mixers on the language-model suite (measured: 8 min 6 s on an idle two-core
  // machine with the wasm kernels); the recall suite keeps mlp, the decisive contrast.
  mixers: ['mlp', 'approximate', 'non-approximate', 'rnd-emb-qk', 'fixed-seq-qk', 'static-emb-qk'],
  suites: ['lm', 'synthetic'] as StudySuite[],
  seeds: 1,
  tasks: ['arc_easy', 'copa', 'lambada_openai'],
  limit: 50,
  wikitextDocs: 2,
  synthetic: { tasks: [{ task: 'mqar', rungs: ['r0', 'r1'] }], mixers: ['mlp'] } as StudySyntheticInput,
} as const;
