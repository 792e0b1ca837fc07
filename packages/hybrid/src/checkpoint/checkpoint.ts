import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { DeconattnError } from '@deconattn/core';
import type { LanguageModel } from '../model/model.js';
import type { TokenizerConfig } from '../tokenizer/index.js';
import { decodeSafetensors } from './safetensors.js';
import { CHECKPOINT_LIMITS, checkpointFile, isInside, isPlainFileName, parseCheckpointJson, readCheckpointBytes, realDir } from './files.js';
import { checkpointFiles, checkpointManifest, modelFromCheckpoint, type CheckpointExtras, type LoadedCheckpoint } from './model-state.js';

export { CHECKPOINT_FORMAT, checkpointConfig, checkpointFiles, checkpointManifest, modelTensors, assignWeights, modelFromCheckpoint, type CheckpointExtras, type LoadedCheckpoint } from './model-state.js';

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
function sha256(buf: Uint8Array): string {
  return createHash('sha256').update(buf).digest('hex');
}

function writeFileSynced(file: string, data: Uint8Array | string): void {
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
  const files = await checkpointFiles(model, extras);
  for (const [name, buf] of Object.entries(files)) writeFileSynced(path.join(tmp, name), buf);
  writeFileSynced(path.join(tmp, 'DONE'), checkpointManifest(files, sha256));
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

/** Load a checkpoint (or a run directory's newest one) into a new model. Mixers must be registered. */
export async function loadCheckpoint(dirIn: string): Promise<LoadedCheckpoint> {
  const { dir, config: cfg, manifest } = readCheckpointConfig(dirIn);
  const weightsFile = path.join(dir, 'model.safetensors');
  const weights = readVerified(dir, 'model.safetensors', manifest);
  const model = await modelFromCheckpoint(cfg, weights, { config: path.join(dir, 'config.json'), weights: weightsFile });
  try {
    const out: LoadedCheckpoint = { dir, model, config: cfg, tokenizer: cfg.deconattn.tokenizer };
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
