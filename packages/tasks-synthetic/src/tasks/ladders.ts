import type { SyntheticTask } from './types.js';

/**
 * The built-in tasks and their difficulty ladders, as data. Rung r0 of each is small enough that
 * standard attention at tiny size (d 64, 2 layers) learns it on two CPU cores in well under a
 * minute (the package's solvability tests hold it to ≥ 95 % test accuracy); later rungs grow
 * toward the sizes of the Zoology and MAD papers (MAD's baselines: sequences of 128–256 tokens,
 * vocabularies of 16–256; Zoology's MQAR: 64–512 tokens, 4–64 pairs, vocabulary 8192).
 */
export const SYNTHETIC_TASKS: SyntheticTask[] = [
  {
    id: 'mqar',
    title: 'Multi-query associative recall',
    generator: 'mqar',
    source: 'Arora, Eyuboglu et al. 2023, "Zoology: Measuring and Improving Recall in Efficient Language Models" (arXiv 2312.04927)',
    description: 'Key–value pairs, then every key again in random order: answer each with its value.',
    splits: { train: 4096, val: 256, test: 512 },
    rungs: [
      { id: 'r0', params: { seqLen: 16, pairs: 4, vocab: 32 } },
      { id: 'r1', params: { seqLen: 32, pairs: 8, vocab: 64 }, note: 'twice the length, pairs and vocabulary' },
      { id: 'r2', params: { seqLen: 64, pairs: 16, vocab: 128 }, note: 'twice again' },
      { id: 'r3', params: { seqLen: 128, pairs: 32, vocab: 256 }, note: 'twice again (Zoology sizes)' },
    ],
  },
  {
    id: 'in-context-recall',
    title: 'In-context recall',
    generator: 'in-context-recall',
    source: 'Poli et al. 2024, "Mechanistic Design and Scaling of Hybrid Architectures" (MAD, arXiv 2403.17844)',
    description: 'A stream of key–value pairs with repeating keys: each repeated key must be answered with its value.',
    splits: { train: 4096, val: 256, test: 512 },
    rungs: [
      { id: 'r0', params: { seqLen: 16, vocab: 16 } },
      { id: 'r1', params: { seqLen: 64, vocab: 32 }, note: 'four times the length, twice the keys and values' },
      { id: 'r2', params: { seqLen: 128, vocab: 16 }, note: "MAD's baseline" },
      { id: 'r3', params: { seqLen: 256, vocab: 64 }, note: 'longer and wider than the baseline' },
    ],
  },
  {
    id: 'noisy-recall',
    title: 'Noisy in-context recall',
    generator: 'noisy-recall',
    source: 'Poli et al. 2024 (MAD, arXiv 2403.17844)',
    description: 'In-context recall with pair slots replaced by tokens from a noise vocabulary, to be ignored.',
    splits: { train: 4096, val: 256, test: 512 },
    rungs: [
      { id: 'r0', params: { seqLen: 16, vocab: 24, noiseVocab: 8, fracNoise: 0.2 } },
      { id: 'r1', params: { seqLen: 64, vocab: 32, noiseVocab: 16, fracNoise: 0.4 }, note: 'longer, twice the noise' },
      { id: 'r2', params: { seqLen: 128, vocab: 32, noiseVocab: 16, fracNoise: 0.2 }, note: "MAD's baseline" },
      { id: 'r3', params: { seqLen: 128, vocab: 32, noiseVocab: 16, fracNoise: 0.6 }, note: 'three times the noise' },
    ],
  },
  {
    id: 'fuzzy-recall',
    title: 'Fuzzy in-context recall',
    generator: 'fuzzy-recall',
    source: 'Poli et al. 2024 (MAD, arXiv 2403.17844)',
    description: 'In-context recall where keys and values span 1–3 tokens: key boundaries must be inferred.',
    splits: { train: 4096, val: 256, test: 512 },
    rungs: [
      { id: 'r0', params: { seqLen: 16, vocab: 16, keyMotif: 1, valueMotif: 2 } },
      { id: 'r1', params: { seqLen: 64, vocab: 16, keyMotif: 2, valueMotif: 2 }, note: 'longer, two-token keys' },
      { id: 'r2', params: { seqLen: 128, vocab: 16, keyMotif: 3, valueMotif: 3 }, note: "MAD's baseline" },
      { id: 'r3', params: { seqLen: 256, vocab: 32, keyMotif: 3, valueMotif: 3 }, note: 'longer and wider' },
    ],
  },
  {
    id: 'selective-copying',
    title: 'Selective copying',
    generator: 'selective-copying',
    source: 'Poli et al. 2024 (MAD, arXiv 2403.17844), after Gu & Dao 2023 (Mamba)',
    description: 'Tokens scattered among blanks must be copied out in order after a copy token.',
    splits: { train: 4096, val: 256, test: 512 },
    rungs: [
      { id: 'r0', params: { seqLen: 16, vocab: 10, copy: 4 } },
      { id: 'r1', params: { seqLen: 32, vocab: 16, copy: 8 }, note: 'longer, more tokens to copy' },
      { id: 'r2', params: { seqLen: 64, vocab: 16, copy: 16 }, note: 'longer again' },
      { id: 'r3', params: { seqLen: 256, vocab: 16, copy: 16 }, note: "MAD's baseline" },
    ],
  },
  {
    id: 'compression',
    title: 'Compression',
    generator: 'compression',
    source: 'Poli et al. 2024 (MAD, arXiv 2403.17844)',
    description: 'A random sequence must be restored from the hidden state at its final compression token.',
    splits: { train: 4096, val: 256, test: 512 },
    rungs: [
      { id: 'r0', params: { seqLen: 6, vocab: 6 } },
      { id: 'r1', params: { seqLen: 12, vocab: 8 }, note: 'longer' },
      { id: 'r2', params: { seqLen: 32, vocab: 16 }, note: "MAD's baseline" },
      { id: 'r3', params: { seqLen: 64, vocab: 32 }, note: 'longer and wider' },
    ],
  },
  {
    id: 'memorization',
    title: 'Memorization',
    generator: 'memorization',
    source: 'Poli et al. 2024 (MAD, arXiv 2403.17844)',
    description: 'Keys followed by an insert token: answer each with its value from a fixed map never shown in context.',
    splits: { train: 1024, val: 128, test: 256 },
    rungs: [
      { id: 'r0', params: { seqLen: 16, vocab: 33 } },
      { id: 'r1', params: { seqLen: 32, vocab: 65 }, note: 'twice the facts' },
      { id: 'r2', params: { seqLen: 32, vocab: 257 }, note: "MAD's baseline (128 facts)" },
      { id: 'r3', params: { seqLen: 32, vocab: 1025 }, note: '512 facts' },
    ],
  },
];
