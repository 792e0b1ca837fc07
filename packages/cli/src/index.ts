export { createProgram, main } from './program.js';
export { extraCommands } from './commands/extra.js';
export { markdownTable, formatNumber } from './util/table.js';
export { loadPlugins } from './util/plugins.js';
export { renderTable1, renderStudyReport, renderAnalysisReport } from './report/index.js';
export { runStudy, type StudyOptions, type StudyEvent } from './study/run.js';
export type { StudyResults, StudyRun, RunMetrics, PatternCheck, StudyConfig } from './study/types.js';
