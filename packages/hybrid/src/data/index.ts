export { hybridDataDir, hybridDataFile, findPackageRoot, HYBRID_PACKAGE_NAME } from './dataDir.js';
export type { Corpus } from './corpus.js';
export { bundledCorpus, loadCorpusFiles, BUNDLED_CORPUS_FILE, BUNDLED_CORPUS_NAME, CORPUS_FILE_SEPARATOR } from './corpus.js';
export { tokenizeText, tokenizeCorpus } from './tokenize.js';
export { splitTokens } from './split.js';
export type { TokenBatch } from './batches.js';
export { sampleBatch, evalWindows } from './batches.js';
export { fixedPassage, passageFromText } from './passage.js';
