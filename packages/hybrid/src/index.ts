// Fast kernels for the wasm backend (registered through tfjs' kernel registry; same numbers).
import '@deconattn/kernels-wasm';
export { PRESETS, getPreset, validateConfig, dimsOf, type ModelConfig, type Preset, type TrainDefaults } from './model/config.js';
export { PLAN_PRESETS, parsePlan, planLabel, resolvePlan, standardLayers, isStandardLayer, validatePlan, type LayerPlan, type PlanPreset, type SkipMode } from './model/plan.js';
export { LanguageModel, type CreateModelOptions, type DecodeState, type ForwardOptions, type ModelParam } from './model/model.js';
export { crossEntropy, targetLogProbs } from './model/loss.js';
export { scoreBatch, scoreNextTokens, scoreTokenSequence, type NextTokenRequest, type NextTokenResult, type ScoreRequest, type ScoreResult, type TextScore } from './model/score.js';
export { generate, type GenerateOptions } from './model/generate.js';
export { createScorer, type Scorer } from './model/scorer.js';
export { Trainer, NonFiniteLossError, batchLoss, heldOutLoss, type StepLog, type TrainData, type TrainOptions } from './train/trainer.js';
export { AdamW, clipByGlobalNorm, type AdamWConfig } from './train/optimizer.js';
export { learningRate } from './train/schedule.js';
export { trainRun, type TrainRunOptions, type TrainRunInfo, type TrainRunResult } from './train/run.js';
export { encodeSafetensors, decodeSafetensors, SAFETENSORS_MAX_HEADER_BYTES, type StoredTensor } from './checkpoint/safetensors.js';
export { CHECKPOINT_LIMITS, isBarePackageName } from './checkpoint/files.js';
export {
  CHECKPOINT_FORMAT,
  saveCheckpoint,
  saveRunCheckpoint,
  loadCheckpoint,
  readCheckpointConfig,
  listCheckpoints,
  resolveCheckpointDir,
  checkpointConfig,
  modelTensors,
  assignWeights,
  type CheckpointExtras,
  type LoadedCheckpoint,
} from './checkpoint/checkpoint.js';
export { toHfConfig, fromHfConfig } from './checkpoint/hf-config.js';
export * from './tokenizer/index.js';
export * from './data/index.js';
export { analyzeModel, type ModelAnalysis, type LayerAnalysis, type AnalyzeOptions } from './analysis/analyze.js';
export { attentionEntropy, concentration, sink, localFocus, headDiversity, layerIndicators, averageIndicators, minMaxNormalise, type LayerIndicators } from './analysis/indicators.js';
export { logitStats, type LogitStats } from './analysis/logits.js';
