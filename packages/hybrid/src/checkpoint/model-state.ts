import * as tf from '@tensorflow/tfjs-core';
import type { LanguageModel } from '../model/model.js';
import type { TokenizerConfig } from '../tokenizer/index.js';
import type { StoredTensor } from './safetensors.js';
import { toHfConfig } from './hf-config.js';

/**
 * What a checkpoint holds, computed from a model without touching a file system (browser-safe):
 * its config.json (Qwen2 names + a `deconattn` section) and its tensors under their Hugging Face
 * names. checkpoint.ts writes and reads them as directories (Node).
 */
export const CHECKPOINT_FORMAT = 'deconattn-checkpoint/1';

export interface CheckpointExtras {
  tokenizer: TokenizerConfig;
  preset?: string;
  /** Trainer state (JSON) and optimizer tensors, for resuming. */
  trainerState?: Record<string, unknown>;
  optimizer?: Map<string, tf.Tensor>;
}

export interface LoadedCheckpoint {
  dir: string;
  model: LanguageModel;
  config: Record<string, any>;
  tokenizer: TokenizerConfig;
  trainerState?: Record<string, any>;
  optimizer?: Map<string, StoredTensor>;
}

export async function tensorData(t: tf.Tensor, transpose: boolean): Promise<StoredTensor> {
  const x = transpose ? tf.transpose(t) : t;
  const data = (await x.data()) as Float32Array;
  if (transpose) x.dispose();
  return { shape: x.shape.slice(), data };
}

/** Model weights under their checkpoint names, in Hugging Face layout. */
export async function modelTensors(model: LanguageModel): Promise<Map<string, StoredTensor>> {
  const out = new Map<string, StoredTensor>();
  for (const p of model.namedParams()) out.set(p.name, await tensorData(p.variable, p.kind === 'linear' && p.variable.rank === 2));
  return out;
}

export function checkpointConfig(model: LanguageModel, extras: Pick<CheckpointExtras, 'tokenizer' | 'preset'>): Record<string, unknown> {
  const mixers = model.mixerInfo();
  const fixedSeq = mixers.find((m) => Array.isArray((m.options as any)?.tokenIds));
  return {
    ...toHfConfig(model.config),
    deconattn: {
      format: CHECKPOINT_FORMAT,
      plan: model.plan,
      layers: model.layerMixers,
      mixers,
      packages: Object.fromEntries(mixers.map((m) => [m.package, m.version])),
      tokenizer: extras.tokenizer,
      preset: extras.preset,
      seed: model.seed,
      ...(fixedSeq ? { fixed_sequence_token_ids: (fixedSeq.options as any).tokenIds } : {}),
    },
  };
}

