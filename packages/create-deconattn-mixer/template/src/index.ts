import { registerMixer } from '@deconattn/core';
import { __mixerName__Mixer } from './mixer.js';

// Importing this package registers the '__mixer-id__' mixer. That is a side effect, so
// package.json lists the built entries in `sideEffects` (bundlers must keep the import), and
// its "deconattn": {"mixers": [...]} field tells the deconattn CLI that this package provides it.
registerMixer(__mixerName__Mixer);

export { __mixerName__Mixer, __MixerName__Mixer, decayRates, type __MixerName__Options } from './mixer.js';
