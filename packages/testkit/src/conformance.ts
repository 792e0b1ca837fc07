import type { TokenMixerDefinition } from '@deconattn/core';
import { contractChecks } from './checks/contract.js';
import { gradientChecks } from './checks/gradients.js';
import { leakChecks } from './checks/leaks.js';
import { mapChecks } from './checks/maps.js';
import { numericChecks } from './checks/numerics.js';
import type { ConformanceCheck } from './checks/types.js';
import type { ConformanceOptions } from './options.js';

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
  const label = opts.options === undefined ? definition.id : `${definition.id} ${JSON.stringify(opts.options)}`;
  runner.describe(`${label} conforms to the TokenMixer spec`, () => {
    for (const check of conformanceChecks(definition, opts)) runner.it(check.name, () => check.run());
  });
}
