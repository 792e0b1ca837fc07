import * as path from 'node:path';
import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import { DeconattnError } from '@deconattn/core';
import { PRESETS, getPreset } from '@deconattn/hybrid';
import { CONFIGS, DEFAULT_STUDY, STUDY_DEFAULTS, SYNTHETIC_DEFAULTS, formatDuration, overallVerdict, renderTable1, runStudy, validateStudyConfig, writeStudyOutputs, type StudyConfigInput, type StudyConfigName, type StudyEvent, type StudyResults, type StudySuite, type StudySyntheticInput } from '@deconattn/study';
import { checkOutputDir } from '../util/files.js';
import { loadPlugins } from '../util/plugins.js';
import { loadStudyQueue } from '../util/study-queue.js';
import { gitHash } from '../util/git.js';
import { formatNumber } from '../util/table.js';
import { backendOption, intArg, pluginOption, positiveArg } from '../program-options.js';

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
  seeds: number;
  suite: 'lm' | 'synthetic' | 'all';
  syntheticTasks?: { task: string; rungs: string[] }[];
  syntheticMixers?: string;
  syntheticSteps?: number;
  syntheticBatch?: number;
  syntheticLayers?: number;
  syntheticLrs?: number[];
  backend: string;
  plugin?: string[];
  quiet?: boolean;
  /** Redis URL: run the study through a queue, on `deconattn worker`s. */
  queue?: string;
  queueName?: string;
  /** With --queue: also write the outputs into the workers' store, under the study's key. */
  store?: string;
}

const list = (s: string | undefined) => (s ?? '').split(',').map((x) => x.trim()).filter(Boolean);

/** `mqar:r0+r1,selective-copying:r0` → [{ task: 'mqar', rungs: ['r0', 'r1'] }, …]. */
export function parseSyntheticTasks(v: string): { task: string; rungs: string[] }[] {
  const out = list(v).map((item) => {
    const [task, rungs, extra] = item.split(':');
    const rs = (rungs ?? '').split('+').map((r) => r.trim()).filter(Boolean);
    if (!task || !rs.length || extra !== undefined) throw new InvalidArgumentError(`--synthetic-tasks takes task:rung+rung items separated by commas (e.g. mqar:r0+r1), got '${item}'.`);
    return { task: task.trim(), rungs: rs };
  });
  if (!out.length) throw new InvalidArgumentError(`--synthetic-tasks takes task:rung+rung items separated by commas (e.g. mqar:r0+r1), got '${v}'.`);
  return out;
}

const lrList = (v: string) => list(v).map((x) => positiveArg('--synthetic-lrs')(x));

/** The suites a --suite value runs. */
export const SUITE_CHOICES: Record<StudyCliOptions['suite'], StudySuite[]> = { lm: ['lm'], synthetic: ['synthetic'], all: ['lm', 'synthetic'] };

function printer(quiet: boolean) {
  return (e: StudyEvent) => {
    const tag = (i: number, total: number, label: string) => `[${String(i + 1).padStart(String(total).length)}/${total} ${label}]`;
    switch (e.kind) {
      case 'synthetic': {
        const s = e.event;
        if (s.kind === 'start') console.log(`synthetic tasks: ${s.cells} cells, ${s.trainings} trainings`);
        else if (s.kind === 'cell-start') console.log(`${tag(s.index, s.total, `${s.task} ${s.rung} ${s.model.label} seed ${s.seed}`)} training`);
        else if (s.kind === 'cell-reused') console.log(`${tag(s.index, s.total, `${s.task} ${s.rung} ${s.model.label} seed ${s.seed}`)} already done, reusing it`);
        else if (s.kind === 'step' && !quiet && s.log.step % 50 === 0) console.log(`  step ${s.log.step}/${s.steps} | lr ${s.lr} | loss ${s.log.loss.toFixed(4)} | ${formatNumber(Math.round(s.log.tokensPerSec))} tok/s | ETA ${formatDuration(s.etaSec ?? NaN)}`);
        else if (s.kind === 'cell-done') {
          const best = s.cell.grid.best;
          const acc = best.test ? `test accuracy ${(100 * best.test.accuracy).toFixed(1)} %` : best.status;
          console.log(`  ${acc} (lr ${best.lr}) in ${formatDuration(s.seconds)}${s.etaSec !== null ? `, ETA ${formatDuration(s.etaSec)}` : ''}`);
        }
        break;
      }
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
  checkOutputDir(o.out, '--out');
  if (o.store && !o.queue) throw new DeconattnError(`--store goes with --queue (the workers' shared store); a local study keeps its files in --out.`);
  await loadPlugins(o.plugin);
  const t0 = performance.now();
  const synthetic: StudySyntheticInput = {
    tasks: o.syntheticTasks ?? DEFAULT_STUDY.synthetic.tasks,
    // The default study's synthetic mixers, unless --mixers or --synthetic-mixers says otherwise.
    ...(o.syntheticMixers ? { mixers: list(o.syntheticMixers) } : o.mixers === DEFAULT_STUDY.mixers.join(',') && DEFAULT_STUDY.synthetic.mixers ? { mixers: [...DEFAULT_STUDY.synthetic.mixers] } : {}),
    ...(o.syntheticLrs ? { lrGrid: o.syntheticLrs } : {}),
    ...(o.syntheticLayers ? { model: { ...SYNTHETIC_DEFAULTS.model, numLayers: o.syntheticLayers } } : {}),
    ...(o.syntheticSteps || o.syntheticBatch ? { train: { steps: o.syntheticSteps ?? SYNTHETIC_DEFAULTS.train.steps, batchSize: o.syntheticBatch ?? SYNTHETIC_DEFAULTS.train.batchSize } } : {}),
  };
  const config: StudyConfigInput = {
    out: o.out,
    preset: o.preset,
    // The default study's step count belongs to its preset; another preset keeps its own.
    steps: o.steps ?? (o.tokens === undefined && o.preset === DEFAULT_STUDY.preset ? DEFAULT_STUDY.steps : undefined),
    tokens: o.tokens,
    seed: o.seed,
    seeds: o.seeds,
    suites: SUITE_CHOICES[o.suite],
    synthetic,
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
  const parts = [
    checked.suites.includes('lm') ? `language models: preset ${preset.name} (${preset.description}), ${checked.steps} steps per run` : '',
    checked.synthetic ? `synthetic: ${checked.synthetic.tasks.map((t) => `${t.task} ${t.rungs.join('+')}`).join(', ')}, ${checked.synthetic.train?.steps} steps of ${checked.synthetic.train?.batchSize}` : '',
  ].filter(Boolean);
  console.log(`deconattn study: ${parts.join('; ')}; seeds ${checked.seedList.join(', ')}; backend ${checked.backend}; output ${o.out}`);
  const results = o.queue ? await queuedStudy(config, o) : await runStudy(config, { onEvent: printer(!!o.quiet) });
  const files = await writeStudyOutputs(o.out, results);
  console.log('');
  if (results.runs.length) console.log(renderTable1(results));
  const rc = results.rankCorrelation;
  if (rc) console.log(`Spearman ρ with the paper's Table 1 WikiText PPL: ${rc.spearman.toFixed(2)}${rc.lo !== null ? ` [${rc.lo.toFixed(2)}, ${rc.hi!.toFixed(2)}]` : ''} over ${rc.n} models (ours: ${rc.ours}).`);
  if (results.synthetic) {
    console.log('\nSynthetic tasks, test accuracy % (mean [95 % interval] over seeds):');
    for (const e of results.synthetic.summary) {
      const a = e.accuracy;
      const f = (x: number | null) => (x === null ? '' : (100 * x).toFixed(1));
      console.log(`  ${`${e.task} ${e.rung}`.padEnd(10)} ${e.label.padEnd(34)} ${a ? `${f(a.estimate)}${a.lo !== null ? ` [${f(a.lo)}, ${f(a.hi)}]` : ''}` : 'diverged'}`);
    }
    for (const b of results.synthetic.baselines.filter((x) => x.seed === checked.seed)) console.log(`  ${`${b.task} ${b.rung}`.padEnd(10)} ${'chance / majority'.padEnd(34)} ${(100 * b.random).toFixed(1)} / ${(100 * b.majority).toFixed(1)}`);
  }
  console.log("\nThe paper's findings on this study (95 % intervals of paired differences):");
  for (const c of results.claims ?? []) {
    const where = [...(c.lm ? [`LM ${c.lm.verdict ?? 'not measured'}`] : []), ...c.synthetic.map((s) => `${s.task} ${s.rung} ${s.verdict ?? 'not measured'}`)];
    console.log(`  ${(overallVerdict(c) ?? 'not measured').padEnd(15)} ${c.claim}\n      ${where.join('; ')}`);
  }
  console.log(`\nWrote ${[files.json, files.table, files.report].map((f) => path.relative(process.cwd(), f)).join(', ')} in ${formatDuration((performance.now() - t0) / 1000)}.`);
  return results;
}

/** The study through a queue: jobs for `deconattn worker`s, their progress printed as it comes. */
async function queuedStudy(config: StudyConfigInput, o: StudyCliOptions): Promise<StudyResults> {
  const { runQueuedStudy, parseRedisUrl, DirStore, studyKey } = await loadStudyQueue('deconattn study --queue');
  const target = parseRedisUrl(o.queue!);
  const results = await runQueuedStudy(config, {
    queue: o.queue!,
    queueName: o.queueName,
    onEvent: (e) => {
      switch (e.kind) {
        case 'enqueued':
          return console.log(`queued as study ${e.key} (${e.jobs} jobs) on queue ${e.queue} at ${target.redacted}; start workers with: deconattn worker --queue <url> --store <dir>`);
        case 'reattached':
          return console.log(`reattached to study ${e.key} on queue ${e.queue} at ${target.redacted} (${e.state})`);
        case 'requeued':
          return console.log(`study ${e.key} had failed: queued again on ${e.queue} at ${target.redacted} (finished runs come from the store)`);
        case 'progress': {
          const p = e.progress;
          if (p.kind === 'step') {
            if (!o.quiet) console.log(`[${e.job}] step ${p.step}/${p.steps} | loss ${p.loss.toFixed(4)} | ${formatNumber(Math.round(p.tokensPerSec))} tok/s | ${p.worker}`);
          } else if (p.kind === 'resumed') console.log(`[${e.job}] resumed from its checkpoint of step ${p.fromStep} on ${p.worker}`);
          else if (p.kind === 'start') console.log(`[${e.job}] ${p.what} on ${p.worker}`);
          else if (!o.quiet) console.log(`[${e.job}]   ${p.what}`);
          return;
        }
        case 'job-done':
          return console.log(`[${e.job}] done`);
        case 'job-failed':
          return console.log(`[${e.job}] failed: ${e.reason}`);
        case 'connection':
          return console.log(`queue connection: ${e.message}`);
      }
    },
  });
  if (o.store) {
    const key = studyKey(await validateStudyConfig(config));
    const dir = new DirStore(o.store).directory(key);
    await writeStudyOutputs(dir, results);
    console.log(`Wrote the outputs into the store too: ${dir}`);
  }
  return results;
}

export function addStudyCommand(program: Command): void {
  program
    .command('study')
    .description("reproduce the paper at small scale: standard and each variant uniform, hybrid, and hybrid with its relaxed layers skipped; evaluate; diagnose; report")
    .option('--out <dir>', 'output directory (resumable)', path.join('runs', 'study'))
    .addOption(new Option('--preset <name>', 'model preset').choices(Object.keys(PRESETS)).default(DEFAULT_STUDY.preset))
    .option('--steps <n>', `training steps per run (default ${DEFAULT_STUDY.steps}; with another --preset, that preset's)`, intArg('--steps', 1))
    .option('--tokens <n>', 'training tokens per run (instead of --steps)', intArg('--tokens', 1))
    .option('--mixers <list>', `relaxed mixers to compare (all six: ${STUDY_DEFAULTS.mixers.join(',')})`, DEFAULT_STUDY.mixers.join(','))
    .option('--configs <list>', `configurations: ${CONFIGS.join(', ')}`, STUDY_DEFAULTS.configs.join(','))
    .option('--placements <list>', 'extra placements to train per mixer (first,last,bilateral,25%,odd,top,middle,bottom)')
    .option('--skip-modes <list>', 'how skip removes relaxed layers: mixer (the mixer sublayer), block (the whole block); both by default', STUDY_DEFAULTS.skipModes.join(','))
    .option('--tasks <list>', `zero-shot tasks (the paper's that fit a small model: ${STUDY_DEFAULTS.tasks.join(',')})`, DEFAULT_STUDY.tasks.join(','))
    .option('--limit <n>', 'documents per zero-shot task', intArg('--limit', 1), DEFAULT_STUDY.limit)
    .option('--wikitext-docs <n>', 'WikiText documents for word perplexity (0 = none)', intArg('--wikitext-docs'), DEFAULT_STUDY.wikitextDocs)
    .option('--analysis-sequences <n>', 'held-out sequences for the attention diagnostics', intArg('--analysis-sequences', 1), STUDY_DEFAULTS.analysisSequences)
    .option('--analysis-length <n>', 'tokens per diagnostic sequence (at least 4: local focus 3 needs them)', intArg('--analysis-length', 4), STUDY_DEFAULTS.analysisLength)
    .option('--seed <n>', 'seed of every run (weights and data order); with --seeds N, the first of N', intArg('--seed'), STUDY_DEFAULTS.seed)
    .option('--seeds <n>', 'train every model N times (seeds seed … seed+N−1); figures become means with 95 % intervals', intArg('--seeds', 1), DEFAULT_STUDY.seeds)
    .addOption(new Option('--suite <name>', 'lm (language models), synthetic (recall tasks) or all').choices(Object.keys(SUITE_CHOICES)).default('all'))
    .option('--synthetic-tasks <list>', `synthetic tasks and rungs, task:rung+rung,… (default ${SYNTHETIC_DEFAULTS.tasks.map((t) => `${t.task}:${t.rungs.join('+')}`).join(',')})`, parseSyntheticTasks)
    .option('--synthetic-mixers <list>', 'relaxed mixers on the synthetic tasks (default: --mixers)')
    .option('--synthetic-steps <n>', `training steps per synthetic model (default ${SYNTHETIC_DEFAULTS.train.steps})`, intArg('--synthetic-steps', 1))
    .option('--synthetic-batch <n>', `sequences per synthetic training step (default ${SYNTHETIC_DEFAULTS.train.batchSize})`, intArg('--synthetic-batch', 1))
    .option('--synthetic-layers <n>', `layers of the synthetic models (default ${SYNTHETIC_DEFAULTS.model.numLayers})`, intArg('--synthetic-layers', 1))
    .option('--synthetic-lrs <list>', `learning rates tried per synthetic model, best on validation kept (default ${SYNTHETIC_DEFAULTS.lrGrid.join(',')})`, lrList)
    .option('--quiet', 'one line per run instead of per logged step')
    .option('--queue <url>', 'run on `deconattn worker`s through this Redis (redis://[:password@]host:6379/0, rediss:// for TLS); the same command again reattaches')
    .option('--queue-name <name>', 'BullMQ queue name (with --queue)', 'deconattn-study')
    .option('--store <dir>', "with --queue: also write the outputs into the workers' store, under the study's key")
    .addOption(backendOption())
    .addOption(pluginOption())
    .action(async (o) => {
      await studyCommand(o);
    });
}

