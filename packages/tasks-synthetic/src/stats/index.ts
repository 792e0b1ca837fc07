export { meanInterval, wilsonInterval, tQuantile, zQuantile, type Interval } from './intervals.js';
export { pairedBootstrap, quantileSorted, type PairedBootstrapOptions, type PairedBootstrapResult } from './bootstrap.js';
export { mcnemarExact, logBinomialHalfCdf, type McNemarResult } from './mcnemar.js';
export { judgeAtLeast, judgeAtMost, differenceInterval, judgeWithin, judgeFarBelow, judgeCollapse, type Verdict, type SeedScore, type ComparisonOptions, type ClaimJudgement } from './verdict.js';
export { taskBaselines, type TaskBaselines } from './baselines.js';
export { spearmanRank, type RankCorrelationResult } from './rank.js';
