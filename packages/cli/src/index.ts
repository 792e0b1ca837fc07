export { createProgram, main } from './program.js';
export { markdownTable, formatNumber } from './util/table.js';
export { loadPlugins } from './util/plugins.js';
