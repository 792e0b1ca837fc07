import * as tf from '@tensorflow/tfjs-core';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { hasMixer, registerMixerLoader } from '@deconattn/core';
import { useBackend } from '@deconattn/hybrid/node';
import { type BackendInfo } from '@deconattn/hybrid';
import '@deconattn/attention-standard';
import '@deconattn/attention-relaxed';
import { loadCheckpoint, loadTokenizer, resolveCheckpointDir, type LoadedCheckpoint, type Tokenizer } from '@deconattn/hybrid';
import { loadInstalledPackage, loadPlugins } from './plugins.js';

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
 * so a model whose plugin is installed loads without --plugin.
 */
function registerCheckpointMixers(dir: string): void {
  let mixers: { id?: unknown; package?: unknown }[] = [];
  try {
    const cfg = JSON.parse(fs.readFileSync(path.join(resolveCheckpointDir(dir), 'config.json'), 'utf8'));
    mixers = Array.isArray(cfg?.deconattn?.mixers) ? cfg.deconattn.mixers : [];
  } catch {
    return; // loadCheckpoint reports a missing or corrupt checkpoint precisely
  }
  for (const m of mixers) {
    if (typeof m.id === 'string' && typeof m.package === 'string' && !hasMixer(m.id)) {
      const pkg = m.package;
      registerMixerLoader(m.id, pkg, async () => void (await loadInstalledPackage(pkg)));
    }
  }
}

export async function openModel(dir: string): Promise<{ ckpt: LoadedCheckpoint; tokenizer: Tokenizer }> {
  registerCheckpointMixers(dir);
  const ckpt = await loadCheckpoint(dir);
  const tokenizer = await loadTokenizer(ckpt.tokenizer);
  return { ckpt, tokenizer };
}

export function backendName(): string {
  return tf.getBackend();
}
