import type { MixerEnvironment, ModelDims } from '@deconattn/core';
import type { BackendName } from '@deconattn/hybrid';

/** How the kit exercises a mixer. Every field has a small, fast default. */
export interface ConformanceOptions {
  /** Raw mixer options, as a user would write them (parsed with the definition's parseOptions). */
  options?: unknown;
  /** Model dimensions (default d 16, 2 heads, Lmax 12). */
  dims?: Partial<ModelDims>;
  /** Offered to the definition's `prepare` (default: a byte-like tokenizer and a fixed passage). */
  environment?: Omit<MixerEnvironment, 'dims'>;
  /** Batch size (default 2). */
  batch?: number;
  /** Sequence length of the checks (default Lmax − 2, so inputs shorter than Lmax are exercised). */
  length?: number;
  /** Seed of every random weight and input. */
  seed?: number;
  /** Backend for the numerical checks (default 'cpu': exact and deterministic). */
  backend?: BackendName;
  /** Backends on which a gradient must reach every weight (default cpu and wasm). */
  gradientBackends?: BackendName[];
  /** Allowed difference, relative to the output's scale (max(1, max|y|)); default 1e-4. */
  tolerance?: number;
  /** Chunk sizes for chunked decoding, repeated until the sequence is consumed (default [3, 1, 2]). */
  decodeChunks?: number[];
  /** When set, the mixer must own exactly this many parameters. */
  expectedParameterCount?: number;
  /** Names (or name prefixes) of checks to leave out. */
  skip?: string[];
  /** Receives the parameter-count report line (default: console.log). */
  report?: (line: string) => void;
}

export const DEFAULT_DIMS: ModelDims = {
  hiddenSize: 16,
  numHeads: 2,
  headDim: 8,
  intermediateSize: 32,
  maxPositions: 12,
  ropeTheta: 10000,
  rmsNormEps: 1e-6,
  vocabSize: 64,
};

/** Dims with the defaults filled in and headDim derived from hiddenSize / numHeads when not given. */
export function resolveDims(partial: Partial<ModelDims> = {}): ModelDims {
  const merged = { ...DEFAULT_DIMS, ...partial };
  if (partial.headDim === undefined) merged.headDim = merged.hiddenSize / merged.numHeads;
  return merged;
}

/** A deterministic environment so that mixers with a `prepare` (fixed texts) can be created. */
export function defaultEnvironment(dims: ModelDims): Omit<MixerEnvironment, 'dims'> {
  return {
    tokenizer: { encode: (text: string) => Array.from(text, (ch) => ch.charCodeAt(0) % dims.vocabSize) },
    defaultPassage: (length: number) => Array.from({ length }, (_, i) => (i * 7 + 3) % dims.vocabSize),
  };
}
