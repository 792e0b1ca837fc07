import * as tf from '@tensorflow/tfjs-core';
import { useBackend, type BackendInfo } from '@deconattn/core';
import '@deconattn/attention-standard';
import '@deconattn/attention-relaxed';
import { loadCheckpoint, loadTokenizer, type LoadedCheckpoint, type Tokenizer } from '@deconattn/hybrid';
import { loadPlugins } from './plugins.js';

export interface CommonOptions {
  backend?: string;
  plugin?: string[];
}

/** Backend + plugins: every command that touches a model starts here. */
export async function setup(opts: CommonOptions): Promise<BackendInfo> {
  await loadPlugins(opts.plugin);
  return useBackend(opts.backend);
}

export async function openModel(dir: string): Promise<{ ckpt: LoadedCheckpoint; tokenizer: Tokenizer }> {
  const ckpt = await loadCheckpoint(dir);
  const tokenizer = await loadTokenizer(ckpt.tokenizer);
  return { ckpt, tokenizer };
}

export function backendName(): string {
  return tf.getBackend();
}
