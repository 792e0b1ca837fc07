import * as path from 'node:path';
import type { Command } from 'commander';
import { Option } from 'commander';
import { PRESETS, getPreset } from '@deconattn/hybrid';
import { CONFIGS, STUDY_DEFAULTS, formatDuration, renderTable1, runStudy, validateStudyConfig, writeStudyOutputs, type StudyConfigInput, type StudyConfigName, type StudyEvent, type StudyResults } from '@deconattn/study';
import { loadPlugins } from '../util/plugins.js';
import { gitHash } from '../util/git.js';
import { formatNumber } from '../util/table.js';
import { backendOption, intArg, pluginOption } from '../program-options.js';

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
          console.log(`${tag(e.index, e.total, e.run.label)} step ${l.step}/${e.steps} | loss ${l.loss.toFixed(4)}${val} | ${formatNumber(Math.round(l.tokensPerSec))} tok/s | ETA ${formatDuration(e.etaSec ?? NaN)}`);
        }
        break;
      case 'phase':
        if (!quiet) console.log(`  ${e.id}: ${e.what}`);
        break;
      case 'run-done':
        console.log(`  ${e.id}: ${e.status} in ${formatDuration(e.seconds)}`);
        break;
    }
  };
}

export async function studyCommand(o: StudyCliOptions): Promise<StudyResults> {
  await loadPlugins(o.plugin);
  const t0 = performance.now();
  const config: StudyConfigInput = {
    out: o.out,
    preset: o.preset,
    steps: o.steps,
    tokens: o.tokens,
    seed: o.seed,
    backend: o.backend,
    mixers: list(o.mixers),
    configs: list(o.configs) as StudyConfigName[],
    placements: list(o.placements),
    skipModes: list(o.skipModes) as ('mixer' | 'block')[],
    tasks: list(o.tasks),
    limit: o.limit,
    wikitextDocs: o.wikitextDocs,
    analysisSequences: o.analysisSequences,
    analysisLength: o.analysisLength,
    gitHash: gitHash(),
  };
  const checked = await validateStudyConfig(config);
  const preset = getPreset(checked.preset);
  console.log(`deconattn study: preset ${preset.name} (${preset.description}), ${checked.steps} steps per run, backend ${checked.backend}, output ${o.out}`);
  const results = await runStudy(config, { onEvent: printer(!!o.quiet) });
  const files = await writeStudyOutputs(o.out, results);
  console.log('');
  console.log(renderTable1(results));
  console.log('\nDoes this small study show the paper\'s pattern?');
  for (const p of results.pattern) console.log(`  ${p.holds === null ? 'not measured' : p.holds ? 'yes' : 'NO '} — ${p.claim}\n      ${p.evidence}`);
  console.log(`\nWrote ${[files.json, files.table, files.report].map((f) => path.relative(process.cwd(), f)).join(', ')} in ${formatDuration((performance.now() - t0) / 1000)}.`);
  return results;
}

export function addStudyCommand(program: Command): void {
  program
    .command('study')
    .description("reproduce the paper at small scale: standard and each variant uniform, hybrid, and hybrid with its relaxed layers skipped; evaluate; diagnose; report")
    .option('--out <dir>', 'output directory (resumable)', path.join('runs', 'study'))
    .addOption(new Option('--preset <name>', 'model preset').choices(Object.keys(PRESETS)).default(STUDY_DEFAULTS.preset))
    .option('--steps <n>', 'training steps per run (default: the preset\'s)', intArg('--steps', 1))
    .option('--tokens <n>', 'training tokens per run (instead of --steps)', intArg('--tokens', 1))
    .option('--mixers <list>', 'relaxed mixers to compare', STUDY_DEFAULTS.mixers.join(','))
    .option('--configs <list>', `configurations: ${CONFIGS.join(', ')}`, STUDY_DEFAULTS.configs.join(','))
    .option('--placements <list>', 'extra placements to train per mixer (first,last,bilateral,25%,odd,top,middle,bottom)')
    .option('--skip-modes <list>', 'how skip removes relaxed layers: mixer (the mixer sublayer), block (the whole block); both by default', STUDY_DEFAULTS.skipModes.join(','))
    .option('--tasks <list>', 'zero-shot tasks', STUDY_DEFAULTS.tasks.join(','))
    .option('--limit <n>', 'documents per zero-shot task', intArg('--limit', 1), STUDY_DEFAULTS.limit)
    .option('--wikitext-docs <n>', 'WikiText documents for word perplexity (0 = none)', intArg('--wikitext-docs'), STUDY_DEFAULTS.wikitextDocs)
    .option('--analysis-sequences <n>', 'held-out sequences for the attention diagnostics', intArg('--analysis-sequences', 1), STUDY_DEFAULTS.analysisSequences)
    .option('--analysis-length <n>', 'tokens per diagnostic sequence (at least 4: local focus 3 needs them)', intArg('--analysis-length', 4), STUDY_DEFAULTS.analysisLength)
    .option('--seed <n>', 'seed of every run (weights and data order)', intArg('--seed'), STUDY_DEFAULTS.seed)
    .option('--quiet', 'one line per run instead of per logged step')
    .addOption(backendOption())
    .addOption(pluginOption())
    .action(async (o) => {
      await studyCommand(o);
    });
}

