import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { Option } from 'commander';
import { DeconattnError } from '@deconattn/core';
import { createScorer } from '@deconattn/hybrid';
import { defaultEvalCacheDir, evaluate, resultsToMarkdown, samplesToJsonl } from '@deconattn/eval-glue/node';
import { openModel, setup } from '../util/context.js';
import { progressBar } from '../util/progress.js';
import { gitHash } from '../util/git.js';
import { backendOption, intArg, pluginOption, positiveArg } from '../program-options.js';

export interface EvalCliOptions {
  model: string;
  tasks: string;
  limit?: number;
  logSamples?: boolean;
  output?: string;
  dataDir?: string;
  batchSize?: number;
  skip?: 'mixer' | 'block';
  cache: boolean;
  cacheDir?: string;
  bootstrapIters?: number;
  json?: boolean;
  backend?: string;
  plugin?: string[];
}

/** Results go next to the model unless --output says otherwise. */
function outputPath(o: EvalCliOptions, modelDir: string): string {
  if (o.output) return o.output;
  const dir = path.join(modelDir, 'eval');
  // The model directory is not ours: an `eval` link there could point anywhere.
  if (fs.lstatSync(dir, { throwIfNoEntry: false })?.isSymbolicLink()) {
    throw new DeconattnError(`${dir} is a symbolic link; results are not written through a link inside a model directory. Pass --output <file>.`);
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return path.join(dir, `results_${stamp}.json`);
}

/**
 * The answer cache: the per-user one (or --cache-dir), never inside the model directory, whose
 * contents come with the model (a checkpoint could ship made-up answers under its own checksum).
 */
function cacheDir(o: EvalCliOptions, modelDirs: string[]): string | undefined {
  if (!o.cache) return undefined;
  const dir = path.resolve(o.cacheDir ?? defaultEvalCacheDir());
  const real = (p: string) => {
    // The nearest existing ancestor's real path, so symbolic links cannot hide the model directory.
    const rest: string[] = [];
    let cur = p;
    while (!fs.existsSync(cur) && path.dirname(cur) !== cur) {
      rest.unshift(path.basename(cur));
      cur = path.dirname(cur);
    }
    return path.join(fs.realpathSync(cur), ...rest);
  };
  for (const m of modelDirs) {
    const rel = path.relative(real(m), real(dir));
    if (rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel))) {
      throw new DeconattnError(`The answer cache ${dir} lies inside the model directory ${m}; answers found there could have come with the model. Use --cache-dir (or DECONATTN_CACHE_DIR) outside it.`);
    }
  }
  return dir;
}

export async function evalCommand(o: EvalCliOptions): Promise<void> {
  const backend = await setup(o);
  const { ckpt, tokenizer } = await openModel(o.model);
  const answers = cacheDir(o, [o.model, ckpt.dir]);
  const file = outputPath(o, path.resolve(o.model));
  if (o.skip) ckpt.model.skip = o.skip;
  const scorer = await createScorer(ckpt.model, tokenizer, { model: ckpt.dir, preset: ckpt.config.deconattn?.preset, backend: backend.name, tokenizer: tokenizer.kind });
  const bar = progressBar('eval', 'requests');
  const out = await evaluate(scorer, {
    tasks: o.tasks.split(',').map((t) => t.trim()).filter(Boolean),
    limit: o.limit,
    logSamples: o.logSamples,
    dataDir: o.dataDir,
    cacheDir: answers,
    batchSize: o.batchSize,
    bootstrapIters: o.bootstrapIters,
    gitHash: gitHash(),
    modelName: ckpt.dir,
    onProgress: (done, total) => bar.update(done, total),
  });
  bar.stop();
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(out.results, null, 2) + '\n');
  if (o.logSamples) fs.writeFileSync(file.replace(/\.json$/, '') + '.samples.jsonl', samplesToJsonl(out.samples));
  if (o.json) console.log(JSON.stringify(out.results, null, 2));
  else console.log(`${resultsToMarkdown(out.results)}\n\nResults: ${file}${o.logSamples ? ` (samples: ${file.replace(/\.json$/, '')}.samples.jsonl)` : ''}`);
  ckpt.model.dispose();
}

export function addEvalCommand(program: Command): void {
  program
    .command('eval')
    .description('zero-shot evaluation as lm-evaluation-harness v0.4.8 scores it (GLUE, SuperGLUE, the paper\'s suite)')
    .requiredOption('--model <dir>', 'checkpoint or run directory')
    .option('--tasks <list>', 'tasks and groups (glue, super_glue, paper), comma-separated', 'paper')
    .option('--limit <n>', 'first N documents per task (N < 1: that fraction)', positiveArg('--limit'))
    .option('--log-samples', 'write one JSONL line per document next to the results')
    .option('--output <file>', 'results JSON (default <model>/eval/results_<time>.json)')
    .option('--data-dir <dir>', 'where tasks without vendored data find their official files')
    .option('--batch-size <n>', 'sequences per forward pass', positiveArg('--batch-size'))
    .addOption(new Option('--skip <mode>', 'evaluate without the relaxed layers').choices(['mixer', 'block']))
    .option('--no-cache', 'do not reuse or store cached answers')
    .option('--cache-dir <dir>', 'answer cache (default $DECONATTN_CACHE_DIR/eval, else $XDG_CACHE_HOME/deconattn/eval or ~/.cache/deconattn/eval); never inside the model')
    .option('--bootstrap-iters <n>', 'bootstrap iterations for f1/mcc stderr (0 = none)', intArg('--bootstrap-iters'))
    .option('--json', 'print the results JSON instead of the table')
    .addOption(backendOption())
    .addOption(pluginOption())
    .action((o) => evalCommand(o));
}
