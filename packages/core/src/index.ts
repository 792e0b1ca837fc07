import '@tensorflow/tfjs-core';
import './gradients.js';
import pkg from '../package.json';

export * from './spec.js';
export * from './spec-versions.js';
export * from './scoring.js';
export * from './registry.js';
export * from './options.js';
export * from './errors.js';
export * from './blocks/index.js';
export * from './heads.js';
export * from './reference.js';
export * from './untrusted-json.js';
export { KERNEL, hasKernel } from './kernels/names.js';
export { runningSoftmaxMean, runningSoftmaxMeanReference } from './kernels/running-mean.js';
export { causalAttention, causalAttentionReference, FUSED_ATTENTION_MAX_LENGTH, type CausalAttentionOptions } from './kernels/causal-attention.js';
export * from './versions.js';
export { turnTaker } from './event-loop.js';
/** The version of this package, from its package.json at build time (a release builds after `changeset version`). */
export const CORE_VERSION: string = pkg.version;
