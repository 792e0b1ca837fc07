// The study is the paper's comparison: importing it registers standard attention and the six
// relaxed mixers (other mixers come from plugins the caller imports).
import '@deconattn/attention-standard';
import '@deconattn/attention-relaxed';

export { runStudy, validateStudyConfig, STUDY_DEFAULTS, type StudyConfigInput, type StudyHooks, type StudyEvent, type ValidatedStudyConfig } from './study/run.js';
export { studyRuns, skipRunId, CONFIGS, RELAXED, type RunSpec, type StudyConfigName } from './study/runs.js';
export { checkPattern, FAR_WORSE, CLOSE, COLLAPSE } from './study/pattern.js';
export { studyEta } from './study/eta.js';
export { writeStudyOutputs } from './study/outputs.js';
export type { StudyResults, StudyRun, RunMetrics, RunGroup, TaskScore, PatternCheck, StudyConfig } from './study/types.js';
export { renderTable1, renderStudyReport, renderAnalysisReport, buildTable1, orderRuns, formatPercent, formatPerplexity, formatDuration, type Table1Model, type Table1Column, type Table1Row } from './report/index.js';
