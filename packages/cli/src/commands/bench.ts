import * as fs from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { DeconattnError } from '@deconattn/core';
import { LanguageModel, Trainer, generate, parsePlan, type ModelConfig } from '@deconattn/hybrid';
import { setup } from '../util/context.js';
import { formatNumber, markdownTable } from '../util/table.js';
import { checkOutputFile } from '../util/files.js';

/** The fixed benchmark model: small enough for two CPU cores, big enough that matMuls dominate. */
export const BENCH_CONFIG: ModelConfig = { hiddenSize: 128, intermediateSize: 384, numLayers: 2, numHeads: 4, vocabSize: 257, maxPositions: 128, ropeTheta: 10000, rmsNormEps: 1e-6, tieEmbeddings: true };
const BATCH = 8;
const SEQ = 128;

/** Forward FLOPs per token: 2 per weight of every matMul (incl. the tied head) + QKᵀ and AV. */
export function forwardFlopsPerToken(c: ModelConfig, seq: number): number {
  const d = c.hiddenSize;
  const perLayer = 2 * (4 * d * d + 3 * d * c.intermediateSize) + 2 * 2 * seq * d;
  return c.numLayers * perLayer + 2 * d * c.vocabSize;
}

export interface BenchRow {
  backend: string;
  plan: string;
  trainTokensPerSec: number;
  trainGflops: number;
  decodeTokensPerSec: number;
  msPerStep: number;
}

export async function benchCommand(o: { backends: string; plan: string; steps: number; json?: boolean; out?: string; plugin?: string[] }): Promise<void> {
  checkOutputFile(o.out, '--out');
  const rows: BenchRow[] = [];
  const backends = o.backends.split(',').map((b) => b.trim()).filter(Boolean);
  for (const backend of backends) {
    try {
      await setup({ backend, plugin: o.plugin });
    } catch (e) {
      if (backends.length === 1) throw e;
      console.error(`skipping ${backend}: ${(e as Error).message}`);
      continue;
    }
    rows.push(await benchOne(backend, o.plan, o.steps));
    if (!o.json) console.error(`${backend}: done`);
  }
  if (!rows.length) throw new DeconattnError('No backend could be benchmarked.');
  const result = { config: BENCH_CONFIG, batch: BATCH, seqLen: SEQ, steps: o.steps, date: new Date().toISOString(), rows };
  if (o.out) fs.writeFileSync(o.out, JSON.stringify(result, null, 2) + '\n');
  if (o.json) console.log(JSON.stringify(result, null, 2));
  else {
    console.log(`Training: batch ${BATCH} × ${SEQ} tokens, d ${BENCH_CONFIG.hiddenSize}, ${BENCH_CONFIG.numLayers} layers (forward + backward + AdamW). Decoding: 64 tokens, batch 1.\n`);
    console.log(markdownTable(['backend', 'plan', 'train tok/s', 'ms/step', 'train GFLOP/s', 'decode tok/s'], rows.map((r) => [r.backend, r.plan, r.trainTokensPerSec, r.msPerStep, r.trainGflops, r.decodeTokensPerSec])));
  }
}

async function benchOne(backend: string, planText: string, steps: number): Promise<BenchRow> {
  const plan = parsePlan(planText);
  const model = await LanguageModel.create({ config: BENCH_CONFIG, plan, seed: 0 });
  const tokens = Int32Array.from({ length: 20000 }, (_, i) => (i * 31 + (i >> 5)) % 257);
  const trainer = new Trainer(model, { train: tokens, val: tokens.subarray(0, 2000) }, { steps: steps + 1, batchSize: BATCH, seqLen: SEQ, lr: 1e-3, warmupSteps: 1, weightDecay: 0.1, seed: 0, evalInterval: 0, logInterval: 1000 }, { tokenizer: { kind: 'byte' } });
  await trainer.trainStep(); // warm-up: kernel compilation, allocation
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) await trainer.trainStep();
  const ms = (performance.now() - t0) / steps;
  trainer.dispose();
  await generate(model, [1, 2, 3], { maxNewTokens: 4 });
  const d0 = performance.now();
  const n = (await generate(model, [1, 2, 3], { maxNewTokens: 64 })).length;
  const decodeSec = (performance.now() - d0) / 1000;
  model.dispose();
  const tokensPerStep = BATCH * SEQ;
  const flops = 3 * forwardFlopsPerToken(BENCH_CONFIG, SEQ) * tokensPerStep;
  return { backend: tf.getBackend(), plan: planText, msPerStep: ms, trainTokensPerSec: (tokensPerStep * 1000) / ms, trainGflops: flops / (ms * 1e6), decodeTokensPerSec: n / decodeSec };
}
