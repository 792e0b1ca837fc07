import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { createFeatureModel } from '@deconattn/hybrid';
import { finetune, resultsToMarkdown } from '@deconattn/eval-glue/node';
import { openModel, setup } from '../util/context.js';
import { gitHash } from '../util/git.js';
import { backendOption, intArg, pluginOption, positiveArg } from '../program-options.js';

export interface FinetuneCliOptions {
  model: string;
  tasks: string;
  epochs?: number;
  batchSize?: number;
  lr?: number;
  limit?: number;
  trainLimit?: number;
  maxSeqLength?: number;
  freezeBackbone?: boolean;
  seed: number;
  dataDir?: string;
  output?: string;
  json?: boolean;
  backend?: string;
  plugin?: string[];
}

export async function finetuneCommand(o: FinetuneCliOptions): Promise<void> {
  await setup(o);
  const { ckpt, tokenizer } = await openModel(o.model);
  const features = await createFeatureModel(ckpt.model, tokenizer, { model: ckpt.dir });
  let last = '';
  const out = await finetune(features, {
    tasks: o.tasks.split(',').map((t) => t.trim()).filter(Boolean),
    epochs: o.epochs,
    batchSize: o.batchSize,
    learningRate: o.lr,
    limit: o.limit,
    trainLimit: o.trainLimit,
    maxSeqLength: o.maxSeqLength,
    freezeBackbone: o.freezeBackbone,
    seed: o.seed,
    dataDir: o.dataDir,
    gitHash: gitHash(),
    modelName: ckpt.dir,
    onProgress: (p) => {
      const line = `${p.task} ${p.phase} epoch ${p.epoch} step ${p.step}/${p.steps}${p.loss !== undefined ? ` | loss ${p.loss.toFixed(4)}` : ''}${p.heldOutScore !== undefined ? ` | held-out ${p.heldOutScore.toFixed(4)}` : ''}`;
      if (line !== last && (p.step % 10 === 0 || p.step === p.steps || p.heldOutScore !== undefined)) process.stderr.write(line + '\n');
      last = line;
    },
  });
  const file = o.output ?? path.join(path.resolve(o.model), 'finetune', `results_${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(out.results, null, 2) + '\n');
  if (o.json) console.log(JSON.stringify(out.results, null, 2));
  else console.log(`${resultsToMarkdown(out.results)}\n\nResults: ${file}`);
  ckpt.model.dispose();
}

export function addFinetuneCommand(program: Command): void {
  program
    .command('finetune')
    .description('fine-tune a classification (or STS-B regression) head on GLUE/SuperGLUE train splits; report validation metrics and the GLUE/SuperGLUE averages')
    .requiredOption('--model <dir>', 'checkpoint or run directory')
    .requiredOption('--tasks <list>', 'tasks or groups (glue, super_glue)')
    .option('--epochs <n>', 'epochs (default 3)', positiveArg('--epochs'))
    .option('--batch-size <n>', 'examples per step (default 16)', positiveArg('--batch-size'))
    .option('--lr <x>', 'learning rate (default 2e-5)', positiveArg('--lr'))
    .option('--limit <n>', 'validation documents per task', positiveArg('--limit'))
    .option('--train-limit <n>', 'training examples per task', positiveArg('--train-limit'))
    .option('--max-seq-length <n>', 'tokens per example', positiveArg('--max-seq-length'))
    .option('--freeze-backbone', 'train the head only (fast; not the usual protocol)')
    .option('--seed <n>', 'seed', intArg('--seed'), 0)
    .option('--data-dir <dir>', 'official files for tasks without vendored train data')
    .option('--output <file>', 'results JSON (default <model>/finetune/results_<time>.json)')
    .option('--json', 'print the results JSON')
    .addOption(backendOption())
    .addOption(pluginOption())
    .action((o) => finetuneCommand(o));
}
