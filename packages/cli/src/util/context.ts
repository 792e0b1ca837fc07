import * as tf from '@tensorflow/tfjs-core';
import * as path from 'node:path';
import { hasMixer, registerMixerLoader } from '@deconattn/core';
import { useBackend } from '@deconattn/hybrid/node';
import { type BackendInfo } from '@deconattn/hybrid';
import '@deconattn/attention-standard';
import '@deconattn/attention-relaxed';
import { type LoadedCheckpoint, type Tokenizer } from '@deconattn/hybrid';
import { loadCheckpoint, loadTokenizer, readCheckpointConfig } from '@deconattn/hybrid/node';
import { loadPlugins } from './plugins.js';
import { checkRecordedName, loadRecordedPackage } from './recorded-packages.js';
import { distrustDirectory } from './installed-mixers.js';

export interface CommonOptions {
  backend?: string;
  plugin?: string[];
}

/** Backend + plugins: every command that touches a model starts here. */
export async function setup(opts: CommonOptions): Promise<BackendInfo> {
  await loadPlugins(opts.plugin);
  return useBackend(opts.backend);
}

/**
 * A checkpoint records the package of each mixer: register a lazy loader for those not registered,
 * so a model whose plugin is installed (and declares the mixer) loads without --plugin. The
 * recorded name is untrusted: ./recorded-packages.ts decides whether anything is imported.
 */
function registerCheckpointMixers(modelDir: string): void {
  const { dir, config } = readCheckpointConfig(modelDir);
  // Nothing inside the model directory is imported, also by the loaders of installed packages.
  distrustDirectory(modelDir);
  distrustDirectory(dir);
  const mixers: unknown[] = Array.isArray(config.deconattn?.mixers) ? config.deconattn.mixers : [];
  for (const m of mixers) {
    const id = (m as { id?: unknown })?.id;
    if (typeof id !== 'string' || hasMixer(id)) continue;
    const recorded = (m as { package?: unknown }).package;
    const mixer = { id, package: recorded, configFile: path.join(dir, 'config.json'), untrusted: [modelDir, dir] };
    // A path or URL is refused now, before anything else is read; a name is looked up lazily.
    const name = checkRecordedName(mixer);
    registerMixerLoader(id, name, async () => void (await loadRecordedPackage(mixer)));
  }
}

/** Opens a model directory: every command that loads a model (score, eval, analyze, finetune, …) goes through here. */
export async function openModel(dir: string): Promise<{ ckpt: LoadedCheckpoint; tokenizer: Tokenizer }> {
  registerCheckpointMixers(dir);
  const ckpt = await loadCheckpoint(dir);
  const tokenizer = await loadTokenizer(ckpt.tokenizer);
  return { ckpt, tokenizer };
}

export function backendName(): string {
  return tf.getBackend();
}
