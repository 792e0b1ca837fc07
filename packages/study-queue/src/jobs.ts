import * as os from 'node:os';
import { UnrecoverableError, type Job } from 'bullmq';
import { z } from 'zod';
import { DeconattnError, hasMixer } from '@deconattn/core';
import { NonFiniteLossError, getPreset } from '@deconattn/hybrid';
import { loadTokenizer, useBackend } from '@deconattn/hybrid/node';
import {
  assembleStudyResults,
  claimStudyDirectory,
  divergedRun,
  divergedSkipRun,
  evaluateSkipRun,
  evaluateStudyRun,
  readStudyJson,
  runStudySynthetic,
  studyEvalSettings,
  studyRuns,
  skipRunId,
  trainStudyRun,
  validateStudyConfig,
  type RunSpec,
  type StudyResults,
  type StudyRun,
  type StudyConfigInput,
  type ValidatedStudyConfig,
} from '@deconattn/study';

type SyntheticSuiteResults = NonNullable<StudyResults['synthetic']>;
import { QUEUE_FORMAT, jobIds, jobPayloadSchema, studyKey, type JobPayload } from './format.js';
import type { Store } from './store.js';

/** What a job reports while it runs (BullMQ job progress): the coordinator prints it. */
export type JobProgress =
  | { kind: 'start'; what: string; worker: string }
  | { kind: 'resumed'; fromStep: number; worker: string }
  | { kind: 'step'; step: number; steps: number; loss: number; tokensPerSec: number; worker: string }
  | { kind: 'phase'; what: string; worker: string };

/** A training job's outcome, handed to its evaluation. */
export type TrainOutcome = { status: 'trained' } | { status: 'diverged'; error: string; trainSec: number };

/** Where a job's study lives in the store, and the config it was validated to. */
interface StudyContext {
  o: ValidatedStudyConfig;
  key: string;
  specs: RunSpec[];
}

const syntheticMixers = z.object({ mixers: z.array(z.string()).optional() }).loose();

/** A deterministic problem with a job: failing it again would fail the same way, so it is not retried. */
const refuse = (message: string) => new UnrecoverableError(message);

/**
 * Checks a job's payload and rebuilds its study: the schema (strict), the format, the mixers
 * (already registered in this worker: a job cannot make it load a plugin), the study's own
 * validation, and the key (the hash of the settings, so a payload cannot point at another
 * study's files). Every failure is unrecoverable.
 */
export async function jobContext(data: unknown, store: Store, cache: Map<string, StudyContext>): Promise<{ p: JobPayload; ctx: StudyContext }> {
  const format = (data as { format?: unknown })?.format;
  if (format !== QUEUE_FORMAT) throw refuse(`The job's study format is ${JSON.stringify(format)}; this worker understands '${QUEUE_FORMAT}' only: run the same deconattn version on the coordinator and the workers.`);
  const parsed = jobPayloadSchema.safeParse(data);
  if (!parsed.success) throw refuse(`The job's payload is not valid: ${z.prettifyError(parsed.error).replace(/\s*\n\s*/g, '; ')}`);
  const p = parsed.data;
  const cached = cache.get(JSON.stringify([p.key, p.study]));
  if (cached) return { p, ctx: cached };
  const wanted = [...p.study.mixers];
  if (p.study.synthetic !== undefined) {
    const s = syntheticMixers.safeParse(p.study.synthetic);
    if (!s.success) throw refuse(`The job's synthetic settings are not an object with a list of mixers.`);
    wanted.push(...(s.data.mixers ?? []));
  }
  const missing = [...new Set(wanted)].filter((m) => !hasMixer(m));
  if (missing.length) throw refuse(`The study uses mixer${missing.length > 1 ? 's' : ''} ${missing.map((m) => `'${m}'`).join(', ')}, not registered in this worker: start every worker with the plugins the study needs (worker option 'plugin').`);
  let o: ValidatedStudyConfig;
  try {
    o = await validateStudyConfig({ ...p.study, synthetic: p.study.synthetic as StudyConfigInput['synthetic'], out: store.location });
  } catch (e) {
    if (e instanceof DeconattnError) throw refuse(e.message);
    throw e;
  }
  const key = studyKey(o);
  if (key !== p.key) throw refuse(`The job's study key '${p.key}' does not match its settings (their key is '${key}').`);
  const ctx = { o, key, specs: studyRuns(o.mixers, o.configs, o.placements, o.skipModes) };
  cache.set(JSON.stringify([p.key, p.study]), ctx);
  return { p, ctx };
}

function runOf(p: JobPayload, ctx: StudyContext): { spec: RunSpec; seed: number; runKey: string } {
  const spec = ctx.specs.find((s) => s.id === p.runId);
  if (!spec) throw refuse(`The study has no run '${p.runId}'.`);
  if (p.seed === undefined || !ctx.o.seedList.includes(p.seed)) throw refuse(`The study has no seed ${p.seed}.`);
  return { spec, seed: p.seed, runKey: `${runsKey(ctx, p.seed)}/${spec.id}` };
}

/** The store key of a seed's runs: as a local study's directory (`runs/`, `seed-<s>/runs/`). */
const runsKey = (ctx: StudyContext, seed: number) => (seed === ctx.o.seed ? `${ctx.key}/runs` : `${ctx.key}/seed-${seed}/runs`);

async function readRun(store: Store, key: string): Promise<StudyRun | undefined> {
  const bytes = await store.get(key);
  if (!bytes) return undefined;
  try {
    return JSON.parse(Buffer.from(bytes).toString('utf8')) as StudyRun;
  } catch {
    return undefined; // torn by a crash outside the atomic write: recompute
  }
}

const putJson = (store: Store, key: string, value: unknown) => store.put(key, JSON.stringify(value, null, 1) + '\n');

/** The values of a job's children, by child job id. */
async function childValues(job: Job): Promise<Map<string, unknown>> {
  const values = await job.getChildrenValues();
  return new Map(Object.entries(values).map(([k, v]) => [k.slice(k.lastIndexOf(':') + 1), v]));
}

/** This machine and process, as progress lines name it. */
export function defaultWorkerId(): string {
  return `${os.hostname()}:${process.pid}`;
}

export interface JobRunner {
  run(job: Job): Promise<unknown>;
}

/** The processor of every job kind, on one store. */
export function jobRunner(store: Store, worker: string, log: (line: string) => void): JobRunner {
  const cache = new Map<string, StudyContext>();
  const progress = (job: Job, p: JobProgress) => {
    job.updateProgress(p).catch(() => {}); // progress is for people: a lost update is no failure
  };

  async function train(job: Job, p: JobPayload, ctx: StudyContext): Promise<TrainOutcome> {
    const { spec, seed, runKey } = runOf(p, ctx);
    if (await readRun(store, `${runKey}/result.json`)) return { status: 'trained' };
    const dir = store.directory(runKey);
    if (readStudyJson<{ steps: number }>(`${dir}/trained.json`)?.steps === ctx.o.steps) return { status: 'trained' };
    claimStudyDirectory(ctx.o, store.directory(ctx.key));
    progress(job, { kind: 'start', what: 'training', worker });
    const started = performance.now();
    let last = 0;
    try {
      const trained = await trainStudyRun(ctx.o, spec, dir, seed, {
        onResume: (fromStep) => {
          if (fromStep > 0) {
            log(`${job.id}: resumed from the checkpoint of step ${fromStep}`);
            progress(job, { kind: 'resumed', fromStep, worker });
          }
        },
        onLog: (l) => {
          const now = performance.now();
          // At most one update a second (and the last step): Redis is not a metrics store.
          if (now - last < 1000 && l.step !== ctx.o.steps) return;
          last = now;
          progress(job, { kind: 'step', step: l.step, steps: ctx.o.steps, loss: l.loss, tokensPerSec: l.tokensPerSec, worker });
        },
      });
      trained.model.dispose();
      return { status: 'trained' };
    } catch (e) {
      // Divergence is a result (the paper's uniform non-approximate), reported like a local study's.
      if (e instanceof NonFiniteLossError) return { status: 'diverged', error: e.message, trainSec: (performance.now() - started) / 1000 };
      throw e;
    }
  }

  async function evaluate(job: Job, p: JobPayload, ctx: StudyContext): Promise<StudyRun[]> {
    const { spec, seed, runKey } = runOf(p, ctx);
    const done = await readRun(store, `${runKey}/result.json`);
    if (done) return [done];
    const outcome = (await childValues(job)).get(jobIds.train(ctx.key, seed, spec.id)) as TrainOutcome | undefined;
    let run: StudyRun;
    if (outcome?.status === 'diverged') run = divergedRun(spec, seed, outcome.error, outcome.trainSec);
    else {
      progress(job, { kind: 'start', what: 'evaluating', worker });
      const trained = await trainStudyRun(ctx.o, spec, store.directory(runKey), seed);
      try {
        const tokenizer = await loadTokenizer(getPreset(ctx.o.preset).tokenizer);
        run = await evaluateStudyRun(spec, trained, seed, trained.train.seconds, tokenizer, studyEvalSettings(ctx.o, store.directory(ctx.key)), (what) => progress(job, { kind: 'phase', what, worker }));
      } finally {
        trained.model.dispose();
      }
    }
    await putJson(store, `${runKey}/result.json`, run);
    return [run];
  }

  async function skip(job: Job, p: JobPayload, ctx: StudyContext): Promise<StudyRun[]> {
    const { spec, seed, runKey } = runOf(p, ctx);
    const mode = p.mode;
    if (!mode || !spec.skips.includes(mode)) throw refuse(`Run '${spec.id}' has no skip evaluation '${mode}'.`);
    const before = [...(await childValues(job)).values()][0] as StudyRun[] | undefined;
    if (!Array.isArray(before) || !before.length) throw new Error(`the skip evaluation of ${spec.id} found no result of its evaluation`);
    const skipKey = `${runsKey(ctx, seed)}/${skipRunId(spec.id, mode)}/result.json`;
    let sr: StudyRun | undefined = await readRun(store, skipKey);
    if (!sr) {
      if (before[0]!.status === 'diverged') sr = divergedSkipRun(spec, before[0]!, mode);
      else {
        progress(job, { kind: 'start', what: `evaluating with the relaxed layers skipped (${mode})`, worker });
        const trained = await trainStudyRun(ctx.o, spec, store.directory(runKey), seed);
        try {
          const tokenizer = await loadTokenizer(getPreset(ctx.o.preset).tokenizer);
          sr = await evaluateSkipRun(spec, trained.model, mode, seed, tokenizer, studyEvalSettings(ctx.o, store.directory(ctx.key)));
        } finally {
          trained.model.dispose();
        }
      }
      await putJson(store, skipKey, sr);
    }
    return [...before, sr];
  }

  async function synthetic(job: Job, ctx: StudyContext): Promise<SyntheticSuiteResults> {
    if (!ctx.o.synthetic) throw refuse('The study has no synthetic suite.');
    progress(job, { kind: 'start', what: 'the synthetic suite', worker });
    return runStudySynthetic(store.directory(ctx.key), ctx.o.synthetic, (e) => {
      if (e.kind === 'cell-start') progress(job, { kind: 'phase', what: `synthetic ${e.task} ${e.rung} ${e.model.label} seed ${e.seed} (${e.index + 1}/${e.total})`, worker });
    });
  }

  async function assemble(job: Job, ctx: StudyContext): Promise<StudyResults> {
    const values = await childValues(job);
    const runs: StudyRun[] = [];
    for (const seed of ctx.o.suites.includes('lm') ? ctx.o.seedList : []) {
      for (const spec of ctx.specs) {
        const top = spec.skips.length ? jobIds.skip(ctx.key, seed, spec.id, spec.skips.at(-1)!) : jobIds.evaluate(ctx.key, seed, spec.id);
        const v = values.get(top) as StudyRun[] | undefined;
        if (!Array.isArray(v)) throw new Error(`the assembly found no result of ${top}`);
        runs.push(...v);
      }
    }
    const syntheticResults = ctx.o.synthetic ? (values.get(jobIds.synthetic(ctx.key)) as SyntheticSuiteResults | undefined) : undefined;
    if (ctx.o.synthetic && !syntheticResults) throw new Error('the assembly found no result of the synthetic suite');
    return assembleStudyResults(ctx.o, runs, syntheticResults);
  }

  return {
    async run(job: Job): Promise<unknown> {
      const { p, ctx } = await jobContext(job.data, store, cache);
      await useBackend(ctx.o.backend);
      switch (p.kind) {
        case 'train':
          return train(job, p, ctx);
        case 'evaluate':
          return evaluate(job, p, ctx);
        case 'skip':
          return skip(job, p, ctx);
        case 'synthetic':
          return synthetic(job, ctx);
        case 'assemble':
          return assemble(job, ctx);
      }
    },
  };
}
