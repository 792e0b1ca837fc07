export { maskedCrossEntropy } from './masked-loss.js';
export { TaskModel, TINY_SYNTHETIC, syntheticModelConfig, type SyntheticModelSize } from './task-model.js';
export { trainTaskModel, evaluateSplit, batchRows, SYNTHETIC_TRAIN_DEFAULTS, type SyntheticTrainOptions, type SyntheticStepLog, type TrainSummary, type SplitEvaluation } from './trainer.js';
