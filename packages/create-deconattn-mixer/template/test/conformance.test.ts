import { describe, it } from 'vitest';
import { describeMixerConformance } from '@deconattn/testkit';
import { __mixerName__Mixer } from '../src/index.js';

// The conformance kit: the contract every deconattn mixer meets (shapes, causality, decoding =
// parallel form, gradients on cpu and wasm, no tensor leaks with or without capture hooks,
// captured maps, options). It cannot know the formula: test/reference.test.ts checks that.
const quiet = { report: () => {} };
const d = 16; // the kit's default hidden size

describeMixerConformance(__mixerName__Mixer, { describe, it }, { ...quiet, expectedParameterCount: 2 * d * d + d });
// Other options and dims, decoded in chunks longer than one token.
describeMixerConformance(__mixerName__Mixer, { describe, it }, { ...quiet, options: { scale: 4 }, dims: { hiddenSize: 24, numHeads: 3, maxPositions: 10 }, decodeChunks: [4, 1, 2] });
describeMixerConformance(__mixerName__Mixer, { describe, it }, { ...quiet, options: { scale: 0 }, gradientBackends: ['cpu'] });
