import * as path from 'node:path';
import { getPreset, parsePlan, planLabel, type StepLog } from '@deconattn/hybrid';
import { trainRun } from '@deconattn/hybrid/node';
import { setup, type CommonOptions } from '../util/context.js';
import { formatNumber, markdownTable } from '../util/table.js';

export interface TrainCliOptions extends CommonOptions {
  preset: string;
  plan: string;
  steps?: number;
  out?: string;
  resume?: boolean;
  corpus?: string[];
  seed?: number;
  batchSize?: number;
  seqLen?: number;
  lr?: number;
  accum?: number;
  evalInterval?: number;
  logInterval?: number;
  checkpointInterval?: number;
  json?: boolean;
}

export function defaultRunDir(preset: string, plan: string): string {
  return path.join('runs', `${preset}-${plan.replace(/[^a-z0-9%.-]+/gi, '_')}`);
}

export function formatStepLog(l: StepLog, total: number): string {
  const parts = [
    `step ${String(l.step).padStart(String(total).length)}/${total}`,
    `loss ${l.loss.toFixed(4)}`,
    l.valLoss !== undefined ? `val ${l.valLoss.toFixed(4)}` : undefined,
    `lr ${l.lr.toExponential(2)}`,
    `gnorm ${l.gradNorm.toFixed(2)}`,
    `${formatNumber(Math.round(l.tokensPerSec))} tok/s`,
    `${l.msPerStep.toFixed(0)} ms/step`,
    l.backend,
    `${l.tensors} tensors`,
  ];
  return parts.filter(Boolean).join(' | ');
}

export async function trainCommand(o: TrainCliOptions): Promise<void> {
  const backend = await setup(o);
  const plan = parsePlan(o.plan);
  const preset = getPreset(o.preset);
  const out = o.out ?? defaultRunDir(preset.name, planLabel(plan));
  const result = await trainRun({
    preset,
    plan,
    seed: o.seed,
    corpusFiles: o.corpus,
    outDir: out,
    resume: o.resume,
    train: {
      ...(o.steps !== undefined && { steps: o.steps }),
      ...(o.batchSize !== undefined && { batchSize: o.batchSize }),
      ...(o.seqLen !== undefined && { seqLen: o.seqLen }),
      ...(o.lr !== undefined && { lr: o.lr }),
      ...(o.accum !== undefined && { accumSteps: o.accum }),
      ...(o.evalInterval !== undefined && { evalInterval: o.evalInterval }),
      ...(o.logInterval !== undefined && { logInterval: o.logInterval }),
      ...(o.checkpointInterval !== undefined && { checkpointInterval: o.checkpointInterval }),
    },
    onStart: (info) => {
      if (o.json) return;
      const t = info.options;
      console.log(
        markdownTable(
          ['setting', 'value'],
          [
            ['preset', `${info.preset.name} (${info.preset.description})`],
            ['plan', `${planLabel(info.plan)} → ${info.layers.join(', ')}`],
            ['parameters', formatNumber(info.parameters)],
            ['mixer parameters / layer', info.mixerParameters.map((n) => formatNumber(n)).join(', ')],
            ['backend', backend.name],
            ['tokenizer', `${info.tokenizer.kind} (${formatNumber(info.tokenizer.vocabSize)} ids)`],
            ['corpus', `${info.corpus.name}: ${formatNumber(info.trainTokens)} train / ${formatNumber(info.valTokens)} held-out tokens`],
            ['steps', `${t.steps}${info.resumedFromStep ? ` (resuming at ${info.resumedFromStep})` : ''}`],
            ['batch × length', `${t.batchSize} × ${t.seqLen}${t.accumSteps && t.accumSteps > 1 ? ` × ${t.accumSteps} accumulated` : ''}`],
            ['lr', `${t.lr} (warm-up ${t.warmupSteps}, cosine to ${t.minLr ?? t.lr / 10}${t.cosineSteps !== undefined && t.cosineSteps !== t.steps ? ` over ${t.cosineSteps} steps, stopping at step ${t.steps}` : ''}), weight decay ${t.weightDecay}`],
            ['seed', String(t.seed)],
            ['output', out],
          ],
        ),
      );
    },
    onLog: (log, { totalSteps }) => {
      if (o.json) console.log(JSON.stringify(log));
      else console.log(formatStepLog(log, totalSteps));
    },
  });
  const summary = { out, steps: result.options.steps, finalLoss: result.history.at(-1)?.loss, finalValLoss: result.finalValLoss, seconds: result.seconds, parameters: result.parameters, layers: result.layers };
  if (o.json) console.log(JSON.stringify({ summary }));
  else console.log(`\nSaved to ${out} (metrics.jsonl, checkpoints/). Held-out loss ${result.finalValLoss?.toFixed(4) ?? 'n/a'} after ${result.seconds.toFixed(1)} s.`);
  result.model.dispose();
}
