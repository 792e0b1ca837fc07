import * as tf from '@tensorflow/tfjs-core';
import { DeconattnError, UnknownMixerError } from '@deconattn/core';
import { LanguageModel } from '../model/model.js';
import type { LayerPlan } from '../model/plan.js';
import { validateConfig, type ModelConfig } from '../model/config.js';
import type { TokenizerConfig } from '../tokenizer/index.js';
import { decodeSafetensors, encodeSafetensors, type StoredTensor } from './safetensors.js';
import { sha256Hex } from '../hash.js';
import { fromHfConfig, toHfConfig } from './hf-config.js';

/**
 * What a checkpoint holds, computed from a model without touching a file system (browser-safe):
 * its config.json (Qwen2 names + a `deconattn` section) and its tensors under their Hugging Face
 * names, and back: the model a config.json and a model.safetensors describe. checkpoint.ts
 * writes and reads them as directories (Node); a browser reads them from files a person picked.
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


/**
 * The files of a checkpoint directory, as bytes: config.json, model.safetensors and, when
 * `extras` carry them, optimizer.safetensors and trainer_state.json. `checkpointManifest` makes
 * the DONE file that lists them; Node's saveCheckpoint writes them atomically, a browser offers
 * them as a download.
 */
export async function checkpointFiles(model: LanguageModel, extras: CheckpointExtras): Promise<Record<string, Uint8Array>> {
  const text = (x: unknown) => new TextEncoder().encode(JSON.stringify(x, null, 2) + '\n');
  const files: Record<string, Uint8Array> = {};
  files['config.json'] = text(checkpointConfig(model, extras));
  files['model.safetensors'] = encodeSafetensors(await modelTensors(model), { format: 'pt' });
  if (extras.optimizer) {
    const opt = new Map<string, StoredTensor>();
    for (const [k, t] of extras.optimizer) opt.set(k, await tensorData(t, false));
    files['optimizer.safetensors'] = encodeSafetensors(opt);
  }
  if (extras.trainerState) files['trainer_state.json'] = text(extras.trainerState);
  return files;
}

/** The DONE manifest (written last) for `files`: each one's size and SHA-256. */
export function checkpointManifest(files: Record<string, Uint8Array>, sha256: (b: Uint8Array) => string = sha256Hex): string {
  const manifest = { format: CHECKPOINT_FORMAT, files: Object.fromEntries(Object.entries(files).map(([n, b]) => [n, { bytes: b.length, sha256: sha256(b) }])) };
  return JSON.stringify(manifest, null, 2) + '\n';
}

/**
 * A bare npm package name (`name` or `@scope/name`, lower case, URL-safe, at most 214
 * characters, as npm accepts for new packages) and nothing else: no path, no URL, no `file:`,
 * no `..`. A checkpoint's recorded mixer package is only ever used as such a name.
 */
export function isBarePackageName(name: unknown): name is string {
  return typeof name === 'string' && name.length <= 214 && /^(?:@[a-z0-9~-][a-z0-9._~-]*\/)?[a-z0-9~-][a-z0-9._~-]*$/.test(name) && !name.includes('..');
}

/**
 * Weights a model of `config` must hold at least (embeddings, every layer's MLP and norms): a
 * config that asks for more than the weights file holds is refused before any memory is taken.
 */
function minimumWeights(c: ModelConfig): number {
  return c.vocabSize * c.hiddenSize + c.numLayers * (3 * c.hiddenSize * c.intermediateSize + 2 * c.hiddenSize) + c.hiddenSize;
}

/** Where a checkpoint's files came from, for error messages (paths in Node, file names in a browser). */
export interface CheckpointFileNames {
  config: string;
  weights: string;
}

/**
 * The model a checkpoint describes: its config.json (parsed, untrusted: checked here) and its
 * model.safetensors (bytes, or tensors already decoded). Mixers must be registered; an
 * unregistered one is reported with the package config.json records for it, when that is a bare
 * package name. Browser-safe: `loadCheckpoint` of `@deconattn/hybrid/node` reads a directory and
 * calls this.
 */
export async function modelFromCheckpoint(cfg: Record<string, any>, weights: Uint8Array | Map<string, StoredTensor>, names: CheckpointFileNames = { config: 'config.json', weights: 'model.safetensors' }): Promise<LanguageModel> {
  const cfgFile = names.config;
  const dc = cfg?.deconattn;
  if (!dc || typeof dc !== 'object' || !Array.isArray(dc.layers) || !dc.plan || !dc.tokenizer) throw new DeconattnError(`Corrupt checkpoint: ${cfgFile} lacks the 'deconattn' section (plan, layers, tokenizer).`);
  if (dc.mixers !== undefined && !(Array.isArray(dc.mixers) && dc.mixers.every((m: unknown) => typeof m === 'object' && m !== null && typeof (m as any).id === 'string'))) {
    throw new DeconattnError(`Corrupt checkpoint: ${cfgFile} has 'deconattn.mixers' that is not a list of {id, package, version, options}.`);
  }
  let config: ModelConfig;
  try {
    config = validateConfig(fromHfConfig(cfg, cfgFile));
  } catch (e) {
    throw e instanceof DeconattnError && !e.message.includes(cfgFile) ? new DeconattnError(`Corrupt checkpoint: ${cfgFile}: ${e.message}`) : e;
  }
  // Weights first: their header is checked, and their size bounds the model built below.
  const tensors = weights instanceof Map ? weights : decodeSafetensors(weights, names.weights).tensors;
  let stored = 0;
  for (const t of tensors.values()) stored += t.data.length;
  if (minimumWeights(config) > stored) {
    throw new DeconattnError(`Corrupt checkpoint: ${cfgFile} describes a model of at least ${minimumWeights(config)} weights, but ${names.weights} holds ${stored}.`);
  }
  // Each mixer's options as recorded, read by the version that wrote them (its defaults, old
  // names). fromEntries defines own properties, so an id such as "__proto__" cannot reach a prototype.
  const recordedOptions: Record<string, { options: unknown; version?: string }> = Object.fromEntries(
    (dc.mixers ?? []).map((m: any) => [m.id, { options: m.options, version: typeof m.version === 'string' ? m.version : undefined }]),
  );
  const plan = dc.plan as LayerPlan;
  const model = await LanguageModel.create({ config, plan, seed: dc.seed ?? 0, recordedOptions }).catch((e) => {
    // config.json names each mixer's package: an unregistered one is reported with it (install /
    // plugins), but only when it is a package name: a path or URL there is never repeated as advice.
    const recorded = e instanceof UnknownMixerError && !e.providedBy ? dc.mixers?.find((m: any) => m.id === e.id)?.package : undefined;
    throw isBarePackageName(recorded) ? new UnknownMixerError(e.id, e.registered, undefined, recorded) : e;
  });
  try {
    if (JSON.stringify(model.layerMixers) !== JSON.stringify(dc.layers)) {
      throw new DeconattnError(`Corrupt checkpoint: ${cfgFile} lists layers ${dc.layers.join(',')} but its plan resolves to ${model.layerMixers.join(',')}.`);
    }
    assignWeights(model, tensors, names.weights);
    return model;
  } catch (e) {
    model.dispose();
    throw e;
  }
}

/** Copy stored tensors into the model's variables, checking names and shapes. */
export function assignWeights(model: LanguageModel, tensors: Map<string, StoredTensor>, file: string): void {
  const expected = new Set(model.namedParams().map((p) => p.name));
  const missing = [...expected].filter((n) => !tensors.has(n));
  if (missing.length) throw new DeconattnError(`Corrupt checkpoint: ${file} lacks ${missing.length} tensor(s) the model needs: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}.`);
  const extra = [...tensors.keys()].filter((n) => !expected.has(n));
  if (extra.length) throw new DeconattnError(`Checkpoint ${file} has tensor(s) this model does not use: ${extra.slice(0, 5).join(', ')}. Is the plan in config.json right?`);
  for (const p of model.namedParams()) {
    const t = tensors.get(p.name)!;
    const transposed = p.kind === 'linear' && p.variable.rank === 2;
    const want = transposed ? [...p.variable.shape].reverse() : p.variable.shape;
    if (t.shape.join(',') !== want.join(',')) throw new DeconattnError(`Corrupt checkpoint: ${file} has '${p.name}' of shape [${t.shape.join(', ')}], expected [${want.join(', ')}].`);
    tf.tidy(() => {
      const x = tf.tensor(t.data, t.shape);
      p.variable.assign(transposed ? tf.transpose(x) : x);
    });
  }
  model.markWeightsChanged();
}
