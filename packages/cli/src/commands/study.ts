import * as path from 'node:path';
import type { Command } from 'commander';
import { Option } from 'commander';
import { DeconattnError, resolveMixer } from '@deconattn/core';
import { PRESETS, getPreset } from '@deconattn/hybrid';
import { selectTasks } from '@deconattn/eval-glue';
import { runStudy, type StudyEvent } from '../study/run.js';
import { CONFIGS, RELAXED, type StudyConfigName } from '../study/runs.js';
import type { StudyResults } from '../study/types.js';
import { setup } from '../util/context.js';
import { gitHash } from '../util/git.js';
import { formatNumber } from '../util/table.js';
import { backendOption, intArg, pluginOption } from '../program-options.js';
import { writeStudyOutputs } from '../study/outputs.js';
import { renderTable1 } from '../report/index.js';

export interface StudyCliOptions {
  out: string;
  preset: string;
  steps?: number;
  tokens?: number;
  mixers: string;
  configs: string;
  placements?: string;
  skipModes: string;
  tasks: string;
  limit: number;
  wikitextDocs: number;
  analysisSequences: number;
  analysisLength: number;
  seed: number;
  backend: string;
  plugin?: string[];
  quiet?: boolean;
}

const list = (s: string | undefined) => (s ?? '').split(',').map((x) => x.trim()).filter(Boolean);

function duration(sec: number): string {
  if (!Number.isFinite(sec)) return '?';
  const m = Math.floor(sec / 60);
  const s = Math.round(sec % 60);
  return m ? `${m}m${String(s).padStart(2, '0')}s` : `${s}s`;
}

function printer(quiet: boolean) {
  return (e: StudyEvent) => {
    const tag = (i: number, total: number, label: string) => `[${String(i + 1).padStart(String(total).length)}/${total} ${label}]`;
    switch (e.kind) {
      case 'run-start':
        console.log(`${tag(e.index, e.total, e.run.label)} training ${e.run.plan && 'preset' in e.run.plan ? `${e.run.plan.preset}:${e.run.plan.mixer}` : ''}${e.resumed ? ' (resuming from its last checkpoint)' : ''}`);
        break;
      case 'run-reused':
        console.log(`${tag(e.index, e.total, e.id)} already done, reusing its results`);
        break;
      case 'step':
        if (!quiet) {
          const l = e.log;
          const val = l.valLoss !== undefined ? ` | val ${l.valLoss.toFixed(4)}` : '';
          console.log(`${tag(e.index, e.total, e.run.label)} step ${l.step}/${e.steps} | loss ${l.loss.toFixed(4)}${val} | ${formatNumber(Math.round(l.tokensPerSec))} tok/s | ETA ${duration(e.etaSec ?? NaN)}`);
        }
        break;
      case 'phase':
        if (!quiet) console.log(`  ${e.id}: ${e.what}`);
        break;
      case 'run-done':
        console.log(`  ${e.id}: ${e.status} in ${duration(e.seconds)}`);
        break;
    }
  };
}

export async function studyCommand(o: StudyCliOptions): Promise<StudyResults> {
  const backend = await setup(o);
  const preset = getPreset(o.preset);
  if (o.steps !== undefined && o.tokens !== undefined) throw new DeconattnError('Give --steps or --tokens, not both.');
  const tokensPerStep = preset.train.batchSize * preset.train.seqLen * (preset.train.accumSteps ?? 1);
  const steps = o.tokens !== undefined ? Math.max(1, Math.ceil(o.tokens / tokensPerStep)) : o.steps;
  const mixers = list(o.mixers);
  for (const m of mixers) await resolveMixer(m); // unknown ids fail now, with the registered list
  // Unknown task names fail now too: evaluation records a failing task as skipped and goes on,
  // which would only show after every run was trained.
  selectTasks(list(o.tasks).filter((t) => t !== 'wikitext'), 'zeroShot');
  const t0 = performance.now();
  console.log(`deconattn study: preset ${preset.name} (${preset.description}), ${steps ?? preset.train.steps} steps per run, backend ${backend.name}, output ${o.out}`);
  const results = await runStudy({
    out: o.out,
    preset: preset.name,
    steps,
    seed: o.seed,
    backend: backend.name,
    mixers,
    configs: list(o.configs) as StudyConfigName[],
    placements: list(o.placements),
    skipModes: list(o.skipModes) as ('mixer' | 'block')[],
    tasks: list(o.tasks),
    limit: o.limit,
    wikitextDocs: o.wikitextDocs,
    analysisSequences: o.analysisSequences,
    analysisLength: o.analysisLength,
    gitHash: gitHash(),
    onEvent: printer(!!o.quiet),
  });
  const files = await writeStudyOutputs(o.out, results);
  console.log('');
  console.log(renderTable1(results));
  console.log('\nDoes this small study show the paper\'s pattern?');
  for (const p of results.pattern) console.log(`  ${p.holds === null ? 'not measured' : p.holds ? 'yes' : 'NO '} — ${p.claim}\n      ${p.evidence}`);
  console.log(`\nWrote ${[files.json, files.table, files.report].map((f) => path.relative(process.cwd(), f)).join(', ')} in ${duration((performance.now() - t0) / 1000)}.`);
  return results;
}

export function addStudyCommand(program: Command): void {
  program
    .command('study')
    .description("reproduce the paper at small scale: standard and each variant uniform, hybrid, and hybrid with its relaxed layers skipped; evaluate; diagnose; report")
    .option('--out <dir>', 'output directory (resumable)', path.join('runs', 'study'))
    .addOption(new Option('--preset <name>', 'model preset').choices(Object.keys(PRESETS)).default('tiny'))
    .option('--steps <n>', 'training steps per run (default: the preset\'s)', intArg('--steps', 1))
    .option('--tokens <n>', 'training tokens per run (instead of --steps)', intArg('--tokens', 1))
    .option('--mixers <list>', 'relaxed mixers to compare', RELAXED.join(','))
    .option('--configs <list>', `configurations: ${CONFIGS.join(', ')}`, 'uniform,hybrid,skip')
    .option('--placements <list>', 'extra placements to train per mixer (first,last,bilateral,25%,odd,top,middle,bottom)')
    .option('--skip-modes <list>', 'how skip removes relaxed layers: mixer (the mixer sublayer), block (the whole block); both by default', 'mixer,block')
    .option('--tasks <list>', 'zero-shot tasks', 'arc_easy,boolq,copa,rte,lambada_openai')
    .option('--limit <n>', 'documents per zero-shot task', intArg('--limit', 1), 100)
    .option('--wikitext-docs <n>', 'WikiText documents for word perplexity (0 = none)', intArg('--wikitext-docs'), 4)
    .option('--analysis-sequences <n>', 'held-out sequences for the attention diagnostics', intArg('--analysis-sequences', 1), 8)
    .option('--analysis-length <n>', 'tokens per diagnostic sequence (at least 4: local focus 3 needs them)', intArg('--analysis-length', 4), 64)
    .option('--seed <n>', 'seed of every run (weights and data order)', intArg('--seed'), 0)
    .option('--quiet', 'one line per run instead of per logged step')
    .addOption(backendOption())
    .addOption(pluginOption())
    .action(async (o) => {
      await studyCommand(o);
    });
}

