import { describe, it } from 'vitest';
import { standardAttention } from '@deconattn/attention-standard';
import {
  approximateAttention,
  fixedSeqQk,
  mlpMixer,
  nonApproximateAttention,
  rndEmbQk,
  staticEmbQk,
} from '@deconattn/attention-relaxed';
import { attentionParamCount } from '@deconattn/core';
import { describeMixerConformance } from '../src/index.js';

// The kit against all seven mixers (docs/model.md §3), as any plugin author would run it.
const quiet = { report: () => {} };
const attention = attentionParamCount(16);
describeMixerConformance(standardAttention, { describe, it }, { ...quiet, expectedParameterCount: attention });
describeMixerConformance(mlpMixer, { describe, it }, { ...quiet, expectedParameterCount: 3 * 16 * 22 });
describeMixerConformance(approximateAttention, { describe, it }, { ...quiet, expectedParameterCount: attention });
describeMixerConformance(approximateAttention, { describe, it }, { ...quiet, options: { kernel: 'based' }, gradientBackends: ['cpu'] });
describeMixerConformance(nonApproximateAttention, { describe, it }, { ...quiet, expectedParameterCount: attention });
// A chunk smaller than the sequence exercises the carry between chunks of the parallel scan.
describeMixerConformance(nonApproximateAttention, { describe, it }, { ...quiet, options: { chunkSize: 4 }, gradientBackends: ['cpu'] });
describeMixerConformance(rndEmbQk, { describe, it }, { ...quiet, expectedParameterCount: attention });
describeMixerConformance(fixedSeqQk, { describe, it }, { ...quiet, expectedParameterCount: attention });
describeMixerConformance(staticEmbQk, { describe, it }, { ...quiet, expectedParameterCount: attention });
describeMixerConformance(staticEmbQk, { describe, it }, { ...quiet, options: { norm: 'attention' }, gradientBackends: ['cpu'] });
