/**
 * @deconattn/hybrid: the runtime, browser-safe (this entry imports no Node module): backends,
 * the model from a layer plan, the training loop, scoring, generation, tokenizers, data helpers,
 * diagnostics. Files (checkpoint directories, corpus files, the bundled data, run directories)
 * are in @deconattn/hybrid/node.
 */
export { BACKENDS, defaultBackend, isNode, activateBackend, useBrowserBackend, missingBackend, BROWSER_BACKEND_LOADERS, type BackendName, type BackendInfo, type BackendLoaders } from './backend.js';
export { PRESETS, getPreset, validateConfig, dimsOf, type ModelConfig, type Preset, type TrainDefaults } from './model/config.js';
export { PLAN_PRESETS, parsePlan, planLabel, resolvePlan, standardLayers, isStandardLayer, validatePlan, type LayerPlan, type PlanPreset, type SkipMode } from './model/plan.js';
export { LanguageModel, type CreateModelOptions, type DecodeState, type ForwardOptions, type ModelParam } from './model/model.js';
export { crossEntropy, targetLogProbs } from './model/loss.js';
export { scoreBatch, scoreNextTokens, scoreTokenSequence, type NextTokenRequest, type NextTokenResult, type ScoreRequest, type ScoreResult, type TextScore } from './model/score.js';
export { generate, type GenerateOptions } from './model/generate.js';
export { createScorer, createFeatureModel, modelChecksum, type Scorer } from './model/scorer.js';
export { Trainer, NonFiniteLossError, batchLoss, heldOutLoss, withOptimizerDefaults, type StepLog, type TrainData, type TrainOptions } from './train/trainer.js';
export type { TrainStore } from './train/store.js';
export { AdamW, clipByGlobalNorm, type AdamWConfig } from './train/optimizer.js';
export { learningRate, learningRateAt, type ScheduleOptions } from './train/schedule.js';
export { encodeSafetensors, decodeSafetensors, SAFETENSORS_MAX_HEADER_BYTES, type StoredTensor } from './checkpoint/safetensors.js';
export {
  CHECKPOINT_FORMAT,
  checkpointConfig,
  checkpointFiles,
  checkpointManifest,
  modelTensors,
  modelFromCheckpoint,
  assignWeights,
  isBarePackageName,
  type CheckpointExtras,
  type CheckpointFileNames,
  type LoadedCheckpoint,
} from './checkpoint/model-state.js';
export { toHfConfig, fromHfConfig } from './checkpoint/hf-config.js';
export * from './tokenizer/index.js';
export * from './data/index.js';
export { sha256Hex, createSha256 } from './hash.js';
export { analyzeModel, type ModelAnalysis, type LayerAnalysis, type AnalyzeOptions } from './analysis/analyze.js';
export { attentionEntropy, concentration, sink, localFocus, headDiversity, negativeMass, layerIndicators, averageIndicators, minMaxNormalise, type LayerIndicators } from './analysis/indicators.js';
export { logitStats, type LogitStats } from './analysis/logits.js';
