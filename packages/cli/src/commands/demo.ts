import * as fs from 'node:fs';
import * as path from 'node:path';
import { DeconattnError } from '@deconattn/core';
import { generate, getPreset, scoreTokenSequence, splitTokens, tokenizeCorpus, byteTokenizer } from '@deconattn/hybrid';
import { bundledCorpus, trainRun } from '@deconattn/hybrid/node';
import { setup } from '../util/context.js';
import { formatStepLog } from './train.js';

/** What a training run writes into its directory, and nothing else. */
const RUN_ENTRIES = /^(checkpoints|metrics\.jsonl|run\.json|run\.json\.tmp-\d+|metrics\.jsonl\.tmp-\d+)$/;

function isDemoRun(dir: string): boolean {
  if (!fs.statSync(dir).isDirectory()) return false;
  const entries = fs.readdirSync(dir);
  return entries.every((n) => RUN_ENTRIES.test(n));
}

/** The quick start: train `tiny` with standard attention, score held-out text, generate. */
export async function demoCommand(o: { out: string; steps?: number; backend?: string }): Promise<void> {
  // The demo starts afresh by deleting --out: only ever a directory that an earlier demo made.
  if (fs.existsSync(o.out) && !isDemoRun(o.out)) {
    throw new DeconattnError(`--out '${o.out}' exists and is not a demo run directory (the demo replaces its output); give a new path or an earlier demo's.`);
  }
  const backend = await setup(o);
  if (fs.existsSync(o.out)) fs.rmSync(o.out, { recursive: true, force: true });
  const preset = getPreset('tiny');
  console.log(`Training the '${preset.name}' model (${preset.description}) with standard attention on tiny-shakespeare, backend ${backend.name}.`);
  const run = await trainRun({
    preset,
    plan: { preset: 'uniform', mixer: 'standard' },
    outDir: o.out,
    train: o.steps !== undefined ? { steps: o.steps } : {},
    onLog: (l, { totalSteps }) => console.log(formatStepLog(l, totalSteps)),
  });
  const tok = byteTokenizer();
  const { val } = splitTokens(tokenizeCorpus(tok, bundledCorpus()));
  const heldOut = Array.from(val.subarray(0, 2048));
  const s = await scoreTokenSequence(run.model, heldOut);
  console.log(`\nHeld-out score (${s.scored} tokens): mean NLL ${s.meanNll.toFixed(4)} nats/token, perplexity ${s.perplexity.toFixed(2)} (uniform guess: ${tok.vocabSize}).`);
  const prompt = 'ROMEO:';
  const ids = await generate(run.model, tok.encode(prompt), { maxNewTokens: 120, temperature: 0.8, topK: 20, seed: 1 });
  console.log(`\nSample:\n${prompt}${tok.decode(ids)}\n`);
  console.log(`Checkpoint: ${path.join(o.out, 'checkpoints')}. Try: deconattn generate --model ${o.out} --prompt "ROMEO:"`);
  run.model.dispose();
}
