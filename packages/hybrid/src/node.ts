/**
 * `@deconattn/hybrid/node`: the parts of the runtime that need Node (the file system, Node's
 * crypto, native and Dawn backends). Everything in the main entry works in browsers too.
 */
export { useBackend, type WebGpuNodeOptions } from './node/backend.js';
