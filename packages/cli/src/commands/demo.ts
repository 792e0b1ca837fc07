import * as fs from 'node:fs';
import * as path from 'node:path';
import { generate, getPreset, scoreTokenSequence, splitTokens, tokenizeCorpus, byteTokenizer } from '@deconattn/hybrid';
import { bundledCorpus, trainRun } from '@deconattn/hybrid/node';
import { setup } from '../util/context.js';
import { formatStepLog } from './train.js';

/** The quick start: train `tiny` with standard attention, score held-out text, generate. */
export async function demoCommand(o: { out: string; steps?: number; backend?: string }): Promise<void> {
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
