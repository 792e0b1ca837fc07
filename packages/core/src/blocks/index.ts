export { linear, linearTransposed } from './linear.js';
export { embeddingLookup } from './embedding.js';
export { rmsNorm, rmsNormReference } from './rmsnorm.js';
export { applyRope, applyRopeReference, ropeAngles } from './rope.js';
export { swiglu, swigluActivation, silu } from './swiglu.js';
export { causalMask, causalBias, MASK_VALUE } from './mask.js';
export { SeededRandom, deriveSeed, initValues, initTensor, INIT_STD } from './init.js';
