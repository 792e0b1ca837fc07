import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { StudyConfigInput, ValidatedStudyConfig } from '@deconattn/study';

/**
 * The queue's study format. The coordinator records it in the queue's metadata and in every job;
 * a worker refuses a queue or a job of another format (with one line saying which it speaks).
 * Bump it whenever a job's payload or the meaning of its fields changes.
 */
export const QUEUE_FORMAT = 'deconattn-study-queue/1';

/** The queue used when none is named. */
export const DEFAULT_QUEUE_NAME = 'deconattn-study';

const id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._%-]{0,63}$/);
const count = (min: number) => z.number().int().min(min).max(1e9);

/**
 * A study's settings as they travel in a job: what `validateStudyConfig` takes, less `out` (the
 * worker's store decides where files go) and `tokens` (already turned into `steps`). Strict: an
 * unknown field is refused, not ignored.
 */
export const studySettingsSchema = z.strictObject({
  preset: id,
  steps: count(1),
  seed: count(0),
  seeds: count(1),
  suites: z.array(z.enum(['lm', 'synthetic'])).min(1).max(2),
  synthetic: z.unknown().optional(),
  backend: id,
  mixers: z.array(id).max(64),
  configs: z.array(z.enum(['uniform', 'hybrid', 'skip'])).max(3),
  placements: z.array(id).max(16),
  skipModes: z.array(z.enum(['mixer', 'block'])).max(2),
  tasks: z.array(id).max(64),
  limit: count(1),
  wikitextDocs: count(0),
  analysisSequences: count(1),
  analysisLength: count(4),
  gitHash: z.string().max(80).optional(),
});
export type StudySettings = z.infer<typeof studySettingsSchema>;

export const JOB_KINDS = ['train', 'evaluate', 'skip', 'synthetic', 'assemble'] as const;
export type JobKind = (typeof JOB_KINDS)[number];

/** Every job's payload. Paths are not part of it: a worker derives them from the study key and run id. */
export const jobPayloadSchema = z.strictObject({
  format: z.string().max(80),
  key: z.string().regex(/^[0-9a-f]{16}$/),
  kind: z.enum(JOB_KINDS),
  study: studySettingsSchema,
  seed: count(0).optional(),
  runId: id.optional(),
  mode: z.enum(['mixer', 'block']).optional(),
});
export type JobPayload = z.infer<typeof jobPayloadSchema>;

/** The settings a job carries, from a validated config. */
export function studySettings(o: ValidatedStudyConfig, synthetic: StudyConfigInput['synthetic']): StudySettings {
  return {
    preset: o.preset,
    steps: o.steps,
    seed: o.seed,
    seeds: o.seeds,
    suites: [...o.suites],
    ...(o.synthetic ? { synthetic: synthetic ?? {} } : {}),
    backend: o.backend,
    mixers: [...o.mixers],
    configs: [...o.configs],
    placements: [...o.placements],
    skipModes: [...o.skipModes],
    tasks: [...o.tasks],
    limit: o.limit,
    wikitextDocs: o.wikitextDocs,
    analysisSequences: o.analysisSequences,
    analysisLength: o.analysisLength,
    ...(o.gitHash ? { gitHash: o.gitHash } : {}),
  };
}

/**
 * The study's key: a hash of the format and of every validated setting that changes a result
 * (not the output directory, not the git hash). Job ids and the study's directory in the store
 * derive from it, so the same command enqueues the same jobs again (and reattaches).
 */
export function studyKey(o: ValidatedStudyConfig): string {
  const { out: _out, gitHash: _git, ...rest } = o;
  return createHash('sha256').update(JSON.stringify({ format: QUEUE_FORMAT, ...rest })).digest('hex').slice(0, 16);
}

/** Job ids: `<key>.<seed>.<run>.<step>`; BullMQ refuses ':' in custom ids, these have none. */
export const jobIds = {
  train: (key: string, seed: number, runId: string) => `${key}.${seed}.${runId}.train`,
  evaluate: (key: string, seed: number, runId: string) => `${key}.${seed}.${runId}.evaluate`,
  skip: (key: string, seed: number, runId: string, mode: 'mixer' | 'block') => `${key}.${seed}.${runId}.skip-${mode}`,
  synthetic: (key: string) => `${key}.synthetic`,
  assemble: (key: string) => `${key}.assemble`,
};
