import type { TokenMixerDefinition } from '@deconattn/core';
import type { ConformanceOptions } from '../options.js';

/** One conformance check: `run` resolves when the mixer conforms and throws a ConformanceError otherwise. */
export interface ConformanceCheck {
  name: string;
  run(): Promise<void>;
}

export type CheckFactory = (def: TokenMixerDefinition, opts: ConformanceOptions) => ConformanceCheck[];
