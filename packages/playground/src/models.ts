import * as tf from '@tensorflow/tfjs-core';
import { LanguageModel, PRESETS, Trainer, byteTokenizer, type Tokenizer, type TokenizerConfig } from '@deconattn/hybrid';
import { corpusSplit, defaultPassage } from './corpus.js';

/** A model on the page: trained here, or loaded from a checkpoint directory. */
export interface ModelEntry {
  id: number;
  label: string;
  model: LanguageModel;
  tokenizer: Tokenizer;
  tokenizerConfig: TokenizerConfig;
  preset?: string;
  origin: 'trained' | 'checkpoint';
  /** Per step: [step, training loss]. */
  losses: [number, number][];
}

export interface TrainSpec {
  preset: 'tiny' | 'small';
  layers: string[];
  steps: number;
  batchSize: number;
  seqLen: number;
  lr: number;
  seed: number;
}

let nextId = 1;
export const newEntryId = () => nextId++;

export async function createStack(spec: TrainSpec): Promise<ModelEntry> {
  const preset = PRESETS[spec.preset]!;
  const tokenizer = byteTokenizer();
  const model = await LanguageModel.create({
    config: preset.model,
    plan: { layers: spec.layers },
    seed: spec.seed,
    environment: { tokenizer, defaultPassage: await defaultPassage(tokenizer) },
  });
  const id = newEntryId();
  return { id, label: `#${id} ${spec.preset} ${spec.layers.join(',')}`, model, tokenizer, tokenizerConfig: tokenizer.toConfig(), preset: spec.preset, origin: 'trained', losses: [] };
}

export interface Progress {
  step: number;
  loss: number;
  tokensPerSec: number;
  done: boolean;
}

/**
 * Trains step by step on the page's thread, giving the event loop a turn after each step so the
 * chart redraws and Stop is heard; tokens/s over the last few steps.
 */
export class TrainingRun {
  private stopped = false;
  readonly trainer: Promise<Trainer>;

  constructor(readonly entry: ModelEntry, readonly spec: TrainSpec) {
    const preset = PRESETS[spec.preset]!;
    this.trainer = corpusSplit(entry.tokenizer).then(
      (data) =>
        new Trainer(entry.model, data, { ...preset.train, steps: spec.steps, batchSize: spec.batchSize, seqLen: spec.seqLen, lr: spec.lr, seed: spec.seed, evalInterval: 0, logInterval: 1 }, { tokenizer: entry.tokenizerConfig, preset: spec.preset }),
    );
  }

  stop(): void {
    this.stopped = true;
  }

  async run(onProgress: (p: Progress) => void): Promise<void> {
    const trainer = await this.trainer;
    const window: number[] = [];
    try {
      while (trainer.step < this.spec.steps && !this.stopped) {
        const t0 = performance.now();
        const { loss } = await trainer.trainStep();
        window.push(performance.now() - t0);
        if (window.length > 10) window.shift();
        const ms = window.reduce((a, b) => a + b, 0) / window.length;
        this.entry.losses.push([trainer.step, loss]);
        onProgress({ step: trainer.step, loss, tokensPerSec: (this.spec.batchSize * this.spec.seqLen * 1000) / ms, done: false });
        await new Promise((r) => setTimeout(r, 0));
      }
    } finally {
      trainer.dispose();
    }
    onProgress({ step: trainer.step, loss: this.entry.losses.at(-1)?.[1] ?? NaN, tokensPerSec: 0, done: true });
  }
}

/** Frees a model's weights. */
export function disposeEntry(e: ModelEntry): void {
  e.model.dispose();
}

/** Live tensors of the backend: flat between steps when nothing leaks. */
export const tensorsInUse = () => tf.memory().numTensors;
