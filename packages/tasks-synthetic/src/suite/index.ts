export { validateSuiteConfig, suiteModels, lrGridFor, type SyntheticSuiteConfig, type SuiteModel } from './config.js';
export { summarizeCells, seedScores, rowLabel, type SuiteCell, type SummaryEntry, type Evaluation } from './summary.js';
export { judgeSyntheticClaims, combineVerdicts, DEFAULT_CLAIM_MARGINS, type ClaimMargins, type ClaimId, type SyntheticClaim } from './claims.js';
export { runSyntheticSuite, type SuiteEvent, type RunSuiteOptions, type SyntheticSuiteResults, type SuiteEfficiency } from './run.js';
export { writeJsonAtomic, readJson } from './store.js';
export { suiteHeatmap, columnLabel } from './heatmap-input.js';
