/**
 * `@deconattn/hybrid/node`: the parts of the runtime that need Node — the file system (checkpoint
 * and run directories, corpus files, the bundled corpus and tokenizer), native and Dawn backends.
 * Everything in the main entry works in browsers too.
 */
export { useBackend, type WebGpuNodeOptions } from './node/backend.js';
export { writeFileAtomic, writeJsonAtomic } from './node/atomic.js';
export { runDirectoryStore } from './node/run-store.js';
export { trainRun, type TrainRunOptions, type TrainRunInfo, type TrainRunResult } from './train/run.js';
export { encodeSafetensors, decodeSafetensors, SAFETENSORS_MAX_HEADER_BYTES } from './checkpoint/safetensors.js';
export { CHECKPOINT_LIMITS, isBarePackageName } from './checkpoint/files.js';
export { saveCheckpoint, saveRunCheckpoint, loadCheckpoint, readCheckpointConfig, listCheckpoints, resolveCheckpointDir, assignWeights } from './checkpoint/checkpoint.js';
export { hybridDataDir, hybridDataFile, findPackageRoot, HYBRID_PACKAGE_NAME } from './data/dataDir.js';
export { bundledCorpus, loadCorpusFiles, BUNDLED_CORPUS_FILE, BUNDLED_CORPUS_NAME, CORPUS_FILE_SEPARATOR } from './data/corpus.js';
export { fixedPassage } from './data/fixed-passage.js';
export { pythiaTokenizer, loadTokenizer, readTokenizerJson, TOKENIZER_FILE_LIMITS } from './tokenizer/files.js';
