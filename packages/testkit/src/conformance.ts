import type { TokenMixerDefinition } from '@deconattn/core';
import { contractChecks } from './checks/contract.js';
import { gradientChecks } from './checks/gradients.js';
import { leakChecks } from './checks/leaks.js';
import { mapChecks } from './checks/maps.js';
import { numericChecks } from './checks/numerics.js';
import type { ConformanceCheck } from './checks/types.js';
import { DEFAULT_DIMS, resolveDims, type ConformanceOptions } from './options.js';

/**
 * Every conformance check for a mixer definition, runner-agnostic: each `run()` resolves or
 * throws a ConformanceError saying what was expected and what was seen. Checks set the backend
 * they need (`opts.backend`, default cpu; the gradient checks visit `opts.gradientBackends`).
 */
export function conformanceChecks(definition: TokenMixerDefinition, opts: ConformanceOptions = {}): ConformanceCheck[] {
  const all = [contractChecks, numericChecks, gradientChecks, leakChecks, mapChecks].flatMap((f) => f(definition, opts));
  const skip = opts.skip ?? [];
  return all.filter((c) => !skip.some((s) => c.name === s || c.name.startsWith(s)));
}

/** The test-runner functions the kit needs (vitest's, jest's, mocha's and node:test's all fit). */
export interface TestRunner {
  describe(name: string, body: () => void): void;
  it(name: string, body: () => Promise<void>): void;
}

/**
 * Registers one test per conformance check in a `describe` block:
 * `describeMixerConformance(myMixer, { describe, it })` in a vitest file.
 */
export function describeMixerConformance(definition: TokenMixerDefinition, runner: TestRunner, opts: ConformanceOptions = {}): void {
  runner.describe(`${conformanceLabel(definition, opts)} conforms to the TokenMixer spec`, () => {
    for (const check of conformanceChecks(definition, opts)) runner.it(check.name, () => check.run());
  });
}

const DIM_LABELS: Partial<Record<keyof typeof DEFAULT_DIMS, string>> = {
  headDim: 'head dim',
  intermediateSize: 'intermediate',
  ropeTheta: 'θ',
  rmsNormEps: 'eps',
  vocabSize: 'vocab',
};

/**
 * What tells one kit block from another for the same mixer: its options and every setting that
 * changes what runs, e.g. `sliding-window {"window":3} (d 24, 3 heads, Lmax 10; chunks 4,1,2)`.
 * The dims are always shown; other settings only when given.
 */
export function conformanceLabel(definition: TokenMixerDefinition, opts: ConformanceOptions = {}): string {
  const d = resolveDims(opts.dims);
  const dims = [`d ${d.hiddenSize}`, `${d.numHeads} heads`, `Lmax ${d.maxPositions}`];
  for (const [key, label] of Object.entries(DIM_LABELS)) {
    const given = opts.dims?.[key as keyof typeof DEFAULT_DIMS];
    if (given !== undefined) dims.push(`${label} ${given}`);
  }
  const more: string[] = [];
  if (opts.batch !== undefined) more.push(`batch ${opts.batch}`);
  if (opts.length !== undefined) more.push(`length ${opts.length}`);
  if (opts.seed !== undefined) more.push(`seed ${opts.seed}`);
  if (opts.backend !== undefined) more.push(`on ${opts.backend}`);
  if (opts.gradientBackends !== undefined) more.push(`gradients on ${opts.gradientBackends.join(', ') || 'no backend'}`);
  if (opts.decodeChunks !== undefined) more.push(`chunks ${opts.decodeChunks.join(',')}`);
  if (opts.tolerance !== undefined) more.push(`tolerance ${opts.tolerance}`);
  if (opts.environment !== undefined) more.push('own environment');
  if (opts.skip?.length) more.push(`skipping ${opts.skip.join(', ')}`);
  const options = opts.options === undefined ? '' : ` ${JSON.stringify(opts.options)}`;
  return `${definition.id}${options} (${[dims.join(', '), ...more].join('; ')})`;
}
