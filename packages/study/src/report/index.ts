/** The study's and the analysis' reports: Markdown Table 1 and self-contained HTML. */
export { renderTable1 } from './table.js';
export { renderStudyReport } from './study-report.js';
export { renderAnalysisReport } from './analysis-report.js';
export { buildTable1, orderRuns, type Table1Model, type Table1Column, type Table1Row } from './table-model.js';
export { formatPercent, formatPerplexity, formatDuration } from './format.js';
