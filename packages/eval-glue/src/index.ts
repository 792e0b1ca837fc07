/**
 * @deconattn/eval-glue: browser-safe (this entry imports no Node module). Task definitions, data
 * files and cached answers come through a loader (loader.ts): `@deconattn/eval-glue/node` installs
 * the file-system one; a browser passes its own (e.g. memoryDataLoader).
 */
export type { EvalTokenizer, ScoringTokenizer, ScoringModel, ScoreRequest, ScoreResult, NextTokenRequest, NextTokenResult } from './model.js';
export { prefixTokenId } from './model.js';
export { DataFileError, TaskSpecError } from './errors.js';
export type { TaskSpec, ZeroShotSpec, FinetuneSpec, DataSpec, FieldSpec, MetricSpec, OutputType } from './spec.js';
export { listTasks, loadTaskSpec, groupTasks, selectTasks, compileZeroShot, renderDoc, GROUPS } from './tasks.js';
export type { GroupName, TaskSelection, CompiledZeroShot, RenderedDoc } from './tasks.js';
export { loadDocs, dataAvailable } from './data/load.js';
export type { Doc } from './data/load.js';
export { compileTemplate } from './template.js';
export type { TemplateSpec, CompiledTemplate } from './template.js';
export { generalDetokenize, wikitextDetokenize, hellaswagPreprocess, wscMarkSpan, recordPassage } from './transforms.js';
export { encodePair, rollingWindows, toScoreRequest } from './requests.js';
export type { TokenPair } from './requests.js';
export { AnswerCache, requestKey } from './cache.js';
export { setDefaultEvalDataLoader, resolveLoader, memoryDataLoader } from './loader.js';
export type { EvalDataLoader, AnswerStore, DataLocation, MemoryData } from './loader.js';
export { runRequests } from './runner.js';
export { evaluate, samplesToJsonl, answerStore } from './evaluate.js';
export type { EvaluateOptions, EvalSample, EvaluationOutput } from './evaluate.js';
export { taskResults } from './task-results.js';
export type { EvalTaskResult, EvaluatedTask, SkippedTask, EvalMetric } from './task-results.js';
export { buildResults, resultsToMarkdown, taskScore, groupScore, zeroShotConfig } from './results.js';
export type { LmEvalResults, TaskOutcome, MetricOutcome } from './results.js';
export { f1Binary, matthewsCorrcoef, macroF1, accuracy, groupExactMatch, pearson, spearman, averageRanks } from './metrics/classification.js';
export { mean, sampleStddev, meanStderr, bootstrapStderr, DEFAULT_BOOTSTRAP_ITERS } from './metrics/stderr.js';
export { AGGREGATIONS, aggregate } from './metrics/aggregations.js';
export { PyRandom } from './metrics/pyrandom.js';
export { normalizeAnswer, exactMatch, tokenF1 } from './metrics/squad.js';
export { finetune, splitHeldOut } from './finetune/finetune.js';
export type { FinetuneOptions, FinetuneOutput, FinetuneProgress, FinetuneTaskReport } from './finetune/finetune.js';
// A fine-tuned model is core's FeatureModel (@deconattn/hybrid's createFeatureModel makes one).
export type { FeatureModel, FeatureParam } from '@deconattn/core';
export { encodeSegments, compileFinetune, toExample } from './finetune/examples.js';
export type { Example } from './finetune/examples.js';
export { finetuneMetrics, aggregationOf } from './finetune/metrics.js';
