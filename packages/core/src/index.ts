import '@tensorflow/tfjs-core';
import './gradients.js';

export * from './spec.js';
export * from './spec-versions.js';
export * from './registry.js';
export * from './options.js';
export * from './errors.js';
export * from './blocks/index.js';
export * from './heads.js';
export * from './reference.js';
export * from './untrusted-json.js';
export const CORE_VERSION = '0.1.0';
