/**
 * @deconattn/eval-glue/node: everything of the main entry, with the file-system loader installed
 * as the default (importing this module installs it), plus the Node-only helpers: the package's
 * tasks/ and data/ directories, the per-user answer-cache directory.
 */
import { setDefaultEvalDataLoader } from './loader.js';
import { nodeDataLoader } from './node/loader.js';

setDefaultEvalDataLoader(nodeDataLoader());

export * from './index.js';
export { nodeDataLoader, readDataFile } from './node/loader.js';
export { defaultEvalCacheDir } from './node/cache-dir.js';
export { vendoredDataDir, tasksDir } from './node/paths.js';
