// The study is the paper's comparison: importing it registers standard attention and the six
// relaxed mixers (other mixers come from plugins the caller imports).
import '@deconattn/attention-standard';
import '@deconattn/attention-relaxed';

export { runStudy, validateStudyConfig, seedRoot, STUDY_DEFAULTS, SUITES, type StudyConfigInput, type StudyHooks, type StudyEvent, type ValidatedStudyConfig } from './study/run.js';
export { studyRuns, skipRunId, CONFIGS, RELAXED, type RunSpec, type StudyConfigName } from './study/runs.js';
export { checkPattern, FAR_WORSE, CLOSE, COLLAPSE } from './study/pattern.js';
export { studyEta } from './study/eta.js';
export { summarizeRuns, lossInterval } from './study/summary.js';
export { judgeLmClaims, type LmClaim } from './study/lm-claims.js';
export { studyClaims, overallVerdict, PAPER_CLAIMS } from './study/claims.js';
export { paperRankCorrelation } from './study/rank-correlation.js';
export { PAPER_WIKITEXT_PPL } from './paper/table1.js';
export { SYNTHETIC_DEFAULTS, syntheticSuiteConfig, runStudySynthetic, type StudySyntheticInput } from './study/synthetic.js';
export { writeStudyOutputs } from './study/outputs.js';
export type { StudyResults, StudyRun, RunMetrics, RunGroup, TaskScore, PatternCheck, StudyConfig, StudySuite, ModelSummary, RankCorrelation, StudyClaim } from './study/types.js';
export { renderTable1, renderStudyReport, renderAnalysisReport, buildTable1, orderRuns, formatPercent, formatPerplexity, formatDuration, type Table1Model, type Table1Column, type Table1Row } from './report/index.js';
export { DEFAULT_STUDY } from './study/default-study.js';
export { trainStudyRun, evaluateStudyRun, evaluateSkipRun, divergedRun, divergedSkipRun, assembleStudyResults, claimStudyDirectory, studyEvalSettings, studyIdentity, studyCheckpointInterval, readJson as readStudyJson, type TrainedStudyRun } from './study/pieces.js';
