import { registerMixer } from '@deconattn/core';
import { mlpMixer } from './mlp.js';

// Importing this package registers the 'mlp' mixer (a side effect listed in package.json).
registerMixer(mlpMixer);

export { mlpMixer, MlpMixer, mlpInnerSize, mlpParameterDifference, type MlpMixerOptions, type MlpParameterDifference } from './mlp.js';
export { mlpReference } from './reference.js';
