import { registerMixerProvider, type MixerRole } from '@deconattn/core';

/** A first-party mixer: its id, the package that provides it, and its role in the comparison. */
export interface PaperMixer {
  readonly id: string;
  readonly packageName: string;
  readonly role: MixerRole;
}

/**
 * The mixers of "Deconstructing Attention", in the paper's order (docs/model.md §3): standard
 * attention, then the six relaxations. The one place this list is written; the study, its report
 * and this package's registrations import it. `@deconattn/core` knows no mixer by name.
 */
export const PAPER_MIXERS: readonly PaperMixer[] = [
  { id: 'standard', packageName: '@deconattn/attention-standard', role: 'baseline' },
  { id: 'mlp', packageName: '@deconattn/attention-mlp', role: 'relaxed' },
  { id: 'approximate', packageName: '@deconattn/attention-approximate', role: 'relaxed' },
  { id: 'non-approximate', packageName: '@deconattn/attention-non-approximate', role: 'relaxed' },
  { id: 'rnd-emb-qk', packageName: '@deconattn/attention-rnd-emb-qk', role: 'relaxed' },
  { id: 'fixed-seq-qk', packageName: '@deconattn/attention-fixed-seq-qk', role: 'relaxed' },
  { id: 'static-emb-qk', packageName: '@deconattn/attention-static-emb-qk', role: 'relaxed' },
];

/** The ids this package registers (the relaxed mixers), in the paper's order. */
export const RELAXED_MIXER_IDS: readonly string[] = PAPER_MIXERS.filter((m) => m.role === 'relaxed').map((m) => m.id);

/** The paper's position of a mixer id; ids it does not know come after its own. */
export function paperRank(id: string): number {
  const i = PAPER_MIXERS.findIndex((m) => m.id === id);
  return i < 0 ? PAPER_MIXERS.length : i;
}

/** Tells the registry which package provides each first-party id (so a missing one says what to install). */
export function announcePaperMixers(): void {
  for (const m of PAPER_MIXERS) registerMixerProvider(m.id, m.packageName);
}
