import * as tf from '@tensorflow/tfjs-core';
import { LanguageModel, Trainer, byteTokenizer, checkpointConfig, type LayerPlan, type ModelConfig } from '@deconattn/hybrid';
import { fixedPassage } from '@deconattn/hybrid/node';
import type { BenchConfig } from './configs.js';

/** Options of the timed training run: those of `deconattn train`'s defaults that affect speed. */
export const BENCH_TRAINING = { lr: 1e-3, weightDecay: 0.1 };

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

async function createModel(model: ModelConfig, plan: LayerPlan): Promise<LanguageModel> {
  const tokenizer = byteTokenizer();
  return LanguageModel.create({ config: model, plan, seed: 0, environment: { tokenizer, defaultPassage: (n) => fixedPassage(tokenizer, n).tokenIds } });
}

/**
 * The model and trainer every training measurement times: `deconattn train`'s speed-relevant
 * defaults on random-looking but fixed tokens, with no evaluation and no logging in the loop.
 */
async function benchTrainer(cfg: BenchConfig, plan: LayerPlan, steps: number): Promise<{ model: LanguageModel; trainer: Trainer }> {
  const model = await createModel(cfg.model, plan);
  const vocab = cfg.model.vocabSize;
  const tokens = Int32Array.from({ length: 50_000 }, (_, i) => (i * 7919 + (i >> 3) * 31) % vocab);
  const trainer = new Trainer(
    model,
    { train: tokens, val: tokens.subarray(0, 4096) },
    { steps, batchSize: cfg.batchSize, seqLen: cfg.seqLen, lr: BENCH_TRAINING.lr, warmupSteps: 1, weightDecay: BENCH_TRAINING.weightDecay, seed: 0, evalInterval: 0, logInterval: 1_000_000 },
    { tokenizer: { kind: 'byte' } },
  );
  return { model, trainer };
}

export interface TrainSpeed {
  msPerStep: number;
  /** Every timed step, in order (the median is reported). */
  msPerStepAll: number[];
  tokensPerSec: number;
  /** Weights of the matrix products (mixers and FFNs, not embeddings), for the FLOP estimate. */
  matrixParams: number;
  /** Trainable parameters. */
  params: number;
  /** The config.json of the timed model, for PyTorch's run of the same model. */
  configJson: Record<string, unknown>;
}

/**
 * Median time of `steps` full training steps (forward, backward, clipping, AdamW) after
 * `warmup` untimed ones (kernel compilation, allocation), on random-looking but fixed tokens.
 */
export async function trainSpeed(cfg: BenchConfig, plan: LayerPlan, steps: number, warmup = 2): Promise<TrainSpeed> {
  const { model, trainer } = await benchTrainer(cfg, plan, steps + warmup + 1);
  try {
    for (let i = 0; i < warmup; i++) await trainer.trainStep();
    const all: number[] = [];
    for (let i = 0; i < steps; i++) {
      const t0 = performance.now();
      await trainer.trainStep();
      all.push(performance.now() - t0);
    }
    const ms = median(all);
    const matrixParams = model.namedParams().filter((p) => p.kind === 'linear').reduce((n, p) => n + p.variable.size, 0);
    return { msPerStep: ms, msPerStepAll: all, tokensPerSec: (cfg.batchSize * cfg.seqLen * 1000) / ms, matrixParams, params: model.parameterCount(), configJson: checkpointConfig(model, { tokenizer: { kind: 'byte' } }) };
  } finally {
    trainer.dispose();
    model.dispose();
  }
}

/**
 * Decoding speed with `context` tokens already consumed: the context is fed in chunks through
 * the decoding path (each mixer's state: KV cache, recurrent state, cached maps), then `tokens`
 * single-token steps are timed, each reading its logits back as generation does. Returns tokens/s.
 */
export async function decodeSpeed(cfg: BenchConfig, plan: LayerPlan, context: number, tokens: number, chunk = 256): Promise<number> {
  const model = await createModel({ ...cfg.model, maxPositions: Math.max(cfg.model.maxPositions, context + tokens + 1) }, plan);
  const vocab = cfg.model.vocabSize;
  const state = model.initDecodeState(1);
  try {
    const ids = Array.from({ length: context + tokens + 2 }, (_, i) => (i * 7919 + 13) % Math.min(vocab, 256));
    const step = async (from: number, n: number) => {
      const last = tf.tidy(() => {
        const l = model.logits(tf.tensor2d(ids.slice(from, from + n), [1, n], 'int32'), { state });
        return tf.slice(l, [0, n - 1, 0], [1, 1, -1]);
      });
      await last.data();
      last.dispose();
    };
    for (let at = 0; at < context; at += chunk) await step(at, Math.min(chunk, context - at));
    await step(context, 1); // warm-up of the single-token path
    const t0 = performance.now();
    for (let i = 0; i < tokens; i++) await step(context + 1 + i, 1);
    return (tokens * 1000) / (performance.now() - t0);
  } finally {
    model.disposeDecodeState(state);
    model.dispose();
  }
}

export interface StepProfile {
  /** Kernels launched in one training step, and their summed time (tf.profile). */
  kernels: number;
  kernelMs: number;
  /** Per kernel name: launches and time, longest first. */
  byKernel: { name: string; calls: number; ms: number }[];
}

/**
 * tf.profile of one training step (after warm-up), kernels only: custom-gradient scopes, which
 * tf.profile lists beside the kernels they contain, are left out.
 */
export async function profileStep(cfg: BenchConfig, plan: LayerPlan): Promise<StepProfile> {
  const { model, trainer } = await benchTrainer(cfg, plan, 10);
  try {
    await trainer.trainStep();
    await trainer.trainStep();
    const backend = tf.getBackend();
    const info = await tf.profile(async () => void (await trainer.trainStep()));
    const by = new Map<string, { calls: number; ms: number }>();
    let kernels = 0;
    let kernelMs = 0;
    for (const k of info.kernels) {
      if (!tf.getKernel(k.name, backend)) continue;
      const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
      const e = by.get(k.name) ?? { calls: 0, ms: 0 };
      e.calls++;
      e.ms += ms;
      by.set(k.name, e);
      kernels++;
      kernelMs += ms;
    }
    return { kernels, kernelMs, byKernel: [...by].map(([name, e]) => ({ name, ...e })).sort((a, b) => b.ms - a.ms) };
  } finally {
    trainer.dispose();
    model.dispose();
  }
}
