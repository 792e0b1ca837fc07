import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import * as tf from '@tensorflow/tfjs-core';
import { DeconattnError, UnknownMixerError } from '@deconattn/core';
import { LanguageModel } from '../model/model.js';
import type { LayerPlan } from '../model/plan.js';
import type { TokenizerConfig } from '../tokenizer/index.js';
import { decodeSafetensors, encodeSafetensors, type StoredTensor } from './safetensors.js';
import { fromHfConfig } from './hf-config.js';
import { CHECKPOINT_LIMITS, checkpointFile, isBarePackageName, isInside, isPlainFileName, parseCheckpointJson, readCheckpointBytes, realDir } from './files.js';
import { validateConfig, type ModelConfig } from '../model/config.js';
import { CHECKPOINT_FORMAT, checkpointConfig, modelTensors, tensorData, type CheckpointExtras, type LoadedCheckpoint } from './model-state.js';

export { CHECKPOINT_FORMAT, checkpointConfig, modelTensors, type CheckpointExtras, type LoadedCheckpoint } from './model-state.js';

/**
 * A checkpoint is a directory: config.json (Qwen2 names + a `deconattn` section),
 * model.safetensors (Qwen2 tensor names, linear weights [out, in]), and, for training runs,
 * optimizer.safetensors + trainer_state.json. A `DONE` manifest with every file's size and
 * sha256 is written last. Saving goes to a temporary directory renamed into place, so a crash
 * leaves either the old checkpoint or the new one — never one that loads wrong.
 *
 * A run directory holds `checkpoints/step-NNNNNNN/`; loading a run directory picks the newest
 * complete checkpoint.
 */
function sha256(buf: Buffer): string {
  return createHash('sha256').update(buf).digest('hex');
}

function writeFileSynced(file: string, data: Buffer | string): void {
  const fd = fs.openSync(file, 'w');
  try {
    fs.writeSync(fd, data as any);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Write a complete checkpoint into `dir` atomically (dir must not exist, or is replaced). */
export async function saveCheckpoint(dir: string, model: LanguageModel, extras: CheckpointExtras): Promise<void> {
  const parent = path.dirname(path.resolve(dir));
  fs.mkdirSync(parent, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(parent, `.${path.basename(dir)}.tmp-`));
  const files: Record<string, Buffer> = {};
  files['config.json'] = Buffer.from(JSON.stringify(checkpointConfig(model, extras), null, 2) + '\n');
  files['model.safetensors'] = encodeSafetensors(await modelTensors(model), { format: 'pt' });
  if (extras.optimizer) {
    const opt = new Map<string, StoredTensor>();
    for (const [k, t] of extras.optimizer) opt.set(k, await tensorData(t, false));
    files['optimizer.safetensors'] = encodeSafetensors(opt);
  }
  if (extras.trainerState) files['trainer_state.json'] = Buffer.from(JSON.stringify(extras.trainerState, null, 2) + '\n');
  for (const [name, buf] of Object.entries(files)) writeFileSynced(path.join(tmp, name), buf);
  const manifest = { format: CHECKPOINT_FORMAT, files: Object.fromEntries(Object.entries(files).map(([n, b]) => [n, { bytes: b.length, sha256: sha256(b) }])) };
  writeFileSynced(path.join(tmp, 'DONE'), JSON.stringify(manifest, null, 2) + '\n');
  // Swap into place: the old directory (if any) is moved aside first and removed only after.
  let aside: string | undefined;
  if (fs.existsSync(dir)) {
    aside = `${tmp}.old`;
    fs.renameSync(dir, aside);
  }
  fs.renameSync(tmp, dir);
  if (aside) fs.rmSync(aside, { recursive: true, force: true });
}

const STEP_DIR = /^step-(\d+)$/;

/** Complete checkpoints of a run directory, newest first. */
export function listCheckpoints(runDir: string): { step: number; dir: string }[] {
  const root = path.join(runDir, 'checkpoints');
  if (!fs.existsSync(root)) return [];
  return fs
    .readdirSync(root)
    .map((n) => ({ m: STEP_DIR.exec(n), n }))
    .filter((x) => x.m && fs.existsSync(path.join(root, x.n, 'DONE')))
    .map((x) => ({ step: Number(x.m![1]), dir: path.join(root, x.n) }))
    .sort((a, b) => b.step - a.step);
}

export function stepDir(runDir: string, step: number): string {
  return path.join(runDir, 'checkpoints', `step-${String(step).padStart(7, '0')}`);
}

/** Save a training checkpoint under the run directory and keep the newest `keep`. */
export async function saveRunCheckpoint(runDir: string, step: number, model: LanguageModel, extras: CheckpointExtras, keep = 2): Promise<string> {
  const dir = stepDir(runDir, step);
  await saveCheckpoint(dir, model, extras);
  for (const old of listCheckpoints(runDir).slice(keep)) fs.rmSync(old.dir, { recursive: true, force: true });
  // Saves killed half-way leave their temporary directories (a model's size each): a run has one
  // writer, so once this save is in place every other one is dead.
  const root = path.join(runDir, 'checkpoints');
  for (const name of fs.readdirSync(root)) if (/^\.step-\d+\.tmp-/.test(name)) fs.rmSync(path.join(root, name), { recursive: true, force: true });
  return dir;
}

/** The checkpoint directory for `dir`: itself if it holds one, else the newest in its run. */
export function resolveCheckpointDir(dir: string): string {
  if (!fs.existsSync(dir)) throw new DeconattnError(`No model at '${dir}': the directory does not exist. Train a model into it first.`);
  if (fs.existsSync(path.join(dir, 'config.json'))) return dir;
  const found = listCheckpoints(dir);
  if (found.length) return found[0]!.dir;
  throw new DeconattnError(`'${dir}' holds no complete checkpoint (no config.json, and no checkpoints/step-*/ with a DONE marker).`);
}

function readVerified(dir: string, name: string, manifest: any, maxBytes?: number): Buffer {
  const buf = readCheckpointBytes(dir, name, maxBytes);
  const file = path.join(dir, name);
  if (!buf) throw new DeconattnError(`Corrupt checkpoint: ${file} is missing.`);
  const want = manifest?.files?.[name];
  if (want && (want.bytes !== buf.length || want.sha256 !== sha256(buf))) {
    throw new DeconattnError(`Corrupt checkpoint: ${file} does not match its DONE manifest (${buf.length} bytes, expected ${want.bytes}; checksum differs). Load an earlier checkpoint.`);
  }
  return buf;
}

/** The DONE manifest, checked: a JSON object whose `files` are plain names in the directory. */
function readManifest(dir: string): any {
  const buf = readCheckpointBytes(dir, 'DONE', CHECKPOINT_LIMITS.manifestBytes);
  if (!buf) return undefined;
  const donePath = path.join(dir, 'DONE');
  const manifest = parseCheckpointJson(buf, donePath);
  const files = manifest.files ?? {};
  if (typeof files !== 'object' || Array.isArray(files)) throw new DeconattnError(`Corrupt checkpoint: ${donePath} has 'files' that is not an object of file name → {bytes, sha256}.`);
  const bad = Object.keys(files).find((n) => !isPlainFileName(n));
  if (bad !== undefined) throw new DeconattnError(`Corrupt checkpoint: ${donePath} lists a file ${JSON.stringify(bad)}, which is not a plain file name in the checkpoint directory.`);
  return manifest;
}

/**
 * The checkpoint directory for `dirIn` (itself, or its run's newest checkpoint, which must lie
 * inside it) and its config.json, read with the checks of ./files.ts. Imports nothing: mixers are
 * looked up in the registry only.
 */
export function readCheckpointConfig(dirIn: string): { dir: string; config: Record<string, any>; manifest: any } {
  const dir = resolveCheckpointDir(dirIn);
  const home = realDir(dirIn);
  if (!isInside(home, realDir(dir))) {
    throw new DeconattnError(`Unsafe checkpoint: ${dir} resolves to ${realDir(dir)}, outside the run directory ${home}; a run's checkpoints must lie inside it.`);
  }
  const manifest = readManifest(dir);
  const config = parseCheckpointJson(readVerified(dir, 'config.json', manifest, CHECKPOINT_LIMITS.configBytes), path.join(dir, 'config.json'));
  return { dir, config, manifest };
}

/**
 * Weights a model of `config` must hold at least (embeddings, every layer's MLP and norms): a
 * config that asks for more than the weights file holds is refused before any memory is taken.
 */
function minimumWeights(c: ModelConfig): number {
  return c.vocabSize * c.hiddenSize + c.numLayers * (3 * c.hiddenSize * c.intermediateSize + 2 * c.hiddenSize) + c.hiddenSize;
}

/** Load a checkpoint (or a run directory's newest one) into a new model. Mixers must be registered. */
export async function loadCheckpoint(dirIn: string): Promise<LoadedCheckpoint> {
  const { dir, config: cfg, manifest } = readCheckpointConfig(dirIn);
  const cfgFile = path.join(dir, 'config.json');
  const dc = cfg.deconattn;
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
  const weightsFile = path.join(dir, 'model.safetensors');
  const { tensors } = decodeSafetensors(readVerified(dir, 'model.safetensors', manifest), weightsFile);
  let stored = 0;
  for (const t of tensors.values()) stored += t.data.length;
  if (minimumWeights(config) > stored) {
    throw new DeconattnError(`Corrupt checkpoint: ${cfgFile} describes a model of at least ${minimumWeights(config)} weights, but ${weightsFile} holds ${stored}.`);
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
    assignWeights(model, tensors, weightsFile);
    const out: LoadedCheckpoint = { dir, model, config: cfg, tokenizer: dc.tokenizer };
    const stateFile = checkpointFile(dir, 'trainer_state.json', CHECKPOINT_LIMITS.trainerStateBytes);
    if (stateFile) out.trainerState = parseCheckpointJson(readVerified(dir, 'trainer_state.json', manifest, CHECKPOINT_LIMITS.trainerStateBytes), stateFile.file);
    if (checkpointFile(dir, 'optimizer.safetensors')) {
      out.optimizer = decodeSafetensors(readVerified(dir, 'optimizer.safetensors', manifest), path.join(dir, 'optimizer.safetensors')).tensors;
    }
    return out;
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
