import * as fs from 'node:fs';
import { Option, type Command } from 'commander';
import { DeconattnError } from '@deconattn/core';
import { analyzeModel, splitTokens, tokenizeCorpus } from '@deconattn/hybrid';
import { bundledCorpus } from '@deconattn/hybrid/node';
import { openModel, setup } from '../util/context.js';
import { markdownTable } from '../util/table.js';
import { renderAnalysisReport } from '@deconattn/study';
import { backendOption, intArg, pluginOption } from '../program-options.js';

export interface AnalyzeCliOptions {
  model: string;
  textFile?: string;
  sequences: number;
  length?: number;
  json?: boolean;
  output?: string;
  report?: string;
  skip?: 'mixer' | 'block';
  backend?: string;
  plugin?: string[];
}

/** Attention diagnostics of a trained model (docs/model.md §5) on held-out text or a user's file. */
export async function analyzeCommand(o: AnalyzeCliOptions) {
  await setup(o);
  const { ckpt, tokenizer } = await openModel(o.model);
  const model = ckpt.model;
  if (o.skip) model.skip = o.skip;
  const L = Math.min(o.length ?? model.config.maxPositions, model.config.maxPositions);
  let tokens: ArrayLike<number>;
  if (o.textFile) {
    if (!fs.existsSync(o.textFile)) throw new DeconattnError(`Text file '${o.textFile}' does not exist.`);
    tokens = tokenizer.encode(fs.readFileSync(o.textFile, 'utf8'));
  } else tokens = splitTokens(tokenizeCorpus(tokenizer, bundledCorpus())).val;
  const seqs: number[][] = [];
  for (let i = 0; i < o.sequences && (i + 1) * L <= tokens.length; i++) seqs.push(Array.from(tokens).slice(i * L, (i + 1) * L));
  if (!seqs.length) throw new DeconattnError(`The text has ${tokens.length} tokens: at least ${L} are needed for one sequence (or pass a smaller --length).`);
  const analysis = await analyzeModel(model, seqs);
  const result = { model: ckpt.dir, layers: model.layerMixers, plan: model.plan, skip: model.skip, analysis };
  if (o.output) fs.writeFileSync(o.output, JSON.stringify(result, null, 1) + '\n');
  if (o.report) fs.writeFileSync(o.report, await renderAnalysisReport(analysis, { model: ckpt.dir, layers: model.layerMixers, plan: model.plan }));
  if (o.json) console.log(JSON.stringify(result, null, 1));
  else {
    console.log(`Attention diagnostics of ${ckpt.dir}: ${analysis.sequences} sequence(s) of ${analysis.length} tokens, averaged over heads and sequences.\n`);
    const f = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(3));
    console.log(
      markdownTable(
        ['layer', 'mixer', 'entropy', 'conc', 'head div', 'sink', 'loc 0', 'loc 1', 'loc 2', 'loc 3', 'neg mass', 'logit min', 'logit max', '|logit| p99'],
        analysis.layers.map((l) => {
          const i = l.indicators;
          const g = l.logits;
          return [String(l.layer), l.skipped ? `${l.mixer} (skipped)` : l.mixer, f(i?.entropy), f(i?.concentration), f(i?.headDiversity), f(i?.sink), ...[0, 1, 2, 3].map((n) => f(i?.localFocus[n])), f(i?.negativeMass), f(g?.min), f(g?.max), f(g ? Math.max(Math.abs(g.quantiles.p01), Math.abs(g.quantiles.p99)) : undefined)];
        }),
      ),
    );
    if (o.output) console.log(`\nJSON: ${o.output}`);
    if (o.report) console.log(`Report: ${o.report}`);
  }
  model.dispose();
  return result;
}

export function addAnalyzeCommand(program: Command): void {
  program
    .command('analyze')
    .description('attention-pattern indicators per layer (entropy, concentration, head diversity, sink, local focus) and pre-softmax logit ranges')
    .requiredOption('--model <dir>', 'checkpoint or run directory')
    .option('--text-file <file>', 'text to analyse (default: the bundled corpus\' held-out split)')
    .option('--sequences <n>', 'sequences to average over', intArg('--sequences', 1), 8)
    .option('--length <n>', 'tokens per sequence, at least 4 (default: the model\'s context)', intArg('--length', 4))
    .addOption(new Option('--skip <mode>', 'analyse without the relaxed layers').choices(['mixer', 'block']))
    .option('--json', 'print JSON')
    .option('--output <file>', 'also write the JSON here')
    .option('--report <file>', 'write a self-contained HTML report (indicator charts, logit distributions, attention heatmaps)')
    .addOption(backendOption())
    .addOption(pluginOption())
    .action(async (o) => {
      await analyzeCommand(o);
    });
}
