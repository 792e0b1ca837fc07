export * from './tasks/index.js';
export * from './train/index.js';
export * from './run/index.js';
export * from './stats/index.js';
export * from './report/index.js';
export * from './suite/index.js';
