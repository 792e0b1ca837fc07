// @deconattn/testkit: the conformance kit every token mixer (ours and third parties') runs unchanged.
export { conformanceChecks, conformanceLabel, describeMixerConformance, type TestRunner } from './conformance.js';
export type { ConformanceCheck } from './checks/types.js';
export { DEFAULT_DIMS, defaultEnvironment, resolveDims, type ConformanceOptions } from './options.js';
export { MixerFixture, flatWeights, keepingCaptureHooks, prepareOptions, randomArray, randomWeights, type KitContext } from './fixture.js';
export { ConformanceError, assertClose, assertFinite, assertShapeEq, maxAbs, maxAbsDiff } from './compare.js';
export { deepEqual } from './deep-equal.js';
/** Backend selection for the kit's checks and a plugin's own tests (from @deconattn/hybrid/node). */
export { useBackend } from '@deconattn/hybrid/node';
