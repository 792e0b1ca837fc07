export type { Corpus } from './corpus.js';
export { tokenizeText, tokenizeCorpus } from './tokenize.js';
export { splitTokens } from './split.js';
export type { TokenBatch } from './batches.js';
export { sampleBatch, evalWindows } from './batches.js';
export { passageFromText } from './passage.js';
