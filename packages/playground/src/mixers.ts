import { listMixers, type MixerRole } from '@deconattn/core';
import '@deconattn/attention-standard';
import '@deconattn/attention-relaxed';
// A third-party mixer registered in code, as any application would: importing the package
// registers `sliding-window`, and every dropdown below lists it next to the paper's mixers.
import 'deconattn-mixer-sliding-window';

export interface MixerChoice {
  id: string;
  role: MixerRole;
  packageName: string;
  principle: string;
}

/** Every registered mixer, baseline first, then by id. */
export function mixerChoices(): MixerChoice[] {
  return listMixers()
    .map((d) => ({ id: d.id, role: d.role, packageName: d.packageName, principle: d.principle }))
    .sort((a, b) => (a.role === b.role ? a.id.localeCompare(b.id) : a.role === 'baseline' ? -1 : 1));
}
