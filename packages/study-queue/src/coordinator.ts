import { FlowProducer, Job, Queue, QueueEvents, type FlowJob, type FlowJobNode } from 'bullmq';
import { DeconattnError } from '@deconattn/core';
import { studyRuns, validateStudyConfig, type StudyConfigInput, type StudyResults, type ValidatedStudyConfig } from '@deconattn/study';
import { claimQueueFormat, reachRedis, redisConnection } from './connection.js';
import { DEFAULT_QUEUE_NAME, QUEUE_FORMAT, jobIds, studyKey, studySettings, type JobKind, type JobPayload, type StudySettings } from './format.js';
import type { JobProgress } from './jobs.js';
import { parseRedisUrl, redactText } from './redis-url.js';

export interface QueuedStudyOptions {
  /** Redis URL (`redis://…`, `rediss://…` for TLS); never printed with its password. */
  queue: string;
  queueName?: string;
  onEvent?: (e: QueuedStudyEvent) => void;
  /** How often the study's final job is looked at (default 500 ms). */
  pollMs?: number;
}

export type QueuedStudyEvent =
  | { kind: 'enqueued'; key: string; jobs: number; queue: string }
  | { kind: 'reattached'; key: string; state: string; queue: string }
  | { kind: 'requeued'; key: string; queue: string }
  | { kind: 'progress'; jobId: string; job: string; progress: JobProgress }
  | { kind: 'job-done'; jobId: string; job: string }
  | { kind: 'job-failed'; jobId: string; job: string; reason: string }
  | { kind: 'connection'; message: string };

/** Retries of a job that failed for a reason that may pass (a machine, a disk); deterministic problems are not retried. */
const ATTEMPTS = 3;

/**
 * The study as a BullMQ flow: the assembly is the root; its children are, per seed and run, a
 * chain skip evaluation(s) ← evaluation ← training (a parent runs once its child is done), and
 * the synthetic suite. Every child fails its parent when it fails for good.
 */
export function studyFlow(o: ValidatedStudyConfig, key: string, settings: StudySettings, queueName: string): FlowJob {
  const payload = (kind: JobKind, extra: Partial<JobPayload> = {}): JobPayload => ({ format: QUEUE_FORMAT, key, kind, study: settings, ...extra });
  const opts = (jobId: string) => ({ jobId, attempts: ATTEMPTS, backoff: { type: 'fixed', delay: 2000 }, failParentOnFailure: true });
  const children: FlowJobNode[] = [];
  if (o.suites.includes('lm')) {
    for (const seed of o.seedList) {
      for (const spec of studyRuns(o.mixers, o.configs, o.placements, o.skipModes)) {
        const run = { seed, runId: spec.id };
        let node: FlowJobNode = { name: `train ${spec.label} seed ${seed}`, queueName, data: payload('train', run), opts: opts(jobIds.train(key, seed, spec.id)) };
        node = { name: `evaluate ${spec.label} seed ${seed}`, queueName, data: payload('evaluate', run), opts: opts(jobIds.evaluate(key, seed, spec.id)), children: [node] };
        for (const mode of spec.skips) {
          node = { name: `skip (${mode}) ${spec.label} seed ${seed}`, queueName, data: payload('skip', { ...run, mode }), opts: opts(jobIds.skip(key, seed, spec.id, mode)), children: [node] };
        }
        children.push(node);
      }
    }
  }
  if (o.synthetic) children.push({ name: 'synthetic suite', queueName, data: payload('synthetic'), opts: opts(jobIds.synthetic(key)) });
  return { name: 'assemble', queueName, data: payload('assemble'), opts: { jobId: jobIds.assemble(key), attempts: ATTEMPTS, backoff: { type: 'fixed', delay: 2000 } }, children };
}

function countJobs(n: { children?: FlowJobNode[] }): number {
  return 1 + (n.children ?? []).reduce((s, c) => s + countJobs(c), 0);
}

/**
 * Runs a study through a queue: enqueues its jobs (or reattaches to them: job ids derive from the
 * study's settings, so the same call again finds the same jobs), reports every job's progress
 * from every worker, and returns the results the assembly job computed — the same StudyResults
 * `runStudy` returns for the same settings. Workers (`startStudyWorker`) do the work; this side
 * needs no store and no backend.
 */
export async function runQueuedStudy(input: StudyConfigInput, q: QueuedStudyOptions): Promise<StudyResults> {
  const target = parseRedisUrl(q.queue);
  const o = await validateStudyConfig(input);
  const key = studyKey(o);
  const queueName = q.queueName ?? DEFAULT_QUEUE_NAME;
  const emit = q.onEvent ?? (() => {});
  await reachRedis(target);
  const connection = redisConnection(target);
  const closers: (() => Promise<unknown>)[] = [async () => connection.disconnect()];
  try {
    await claimQueueFormat(connection, queueName, 'coordinator');
    const queue = new Queue(queueName, { connection });
    closers.unshift(() => queue.close());
    // QueueEvents blocks on its connection: it gets its own (BullMQ leaves given connections open).
    const eventsConnection = connection.duplicate();
    eventsConnection.on('error', () => {});
    closers.push(async () => eventsConnection.disconnect());
    const events = new QueueEvents(queueName, { connection: eventsConnection });
    closers.unshift(() => events.close());
    const mine = (jobId: string) => jobId.startsWith(`${key}.`);
    const short = (jobId: string) => jobId.slice(key.length + 1);
    events.on('progress', ({ jobId, data }) => mine(jobId) && emit({ kind: 'progress', jobId, job: short(jobId), progress: data as JobProgress }));
    events.on('completed', ({ jobId }) => mine(jobId) && emit({ kind: 'job-done', jobId, job: short(jobId) }));
    events.on('failed', ({ jobId, failedReason }) => mine(jobId) && emit({ kind: 'job-failed', jobId, job: short(jobId), reason: redactText(failedReason, target) }));
    events.on('error', (e) => emit({ kind: 'connection', message: redactText(e.message, target) }));
    await events.waitUntilReady();

    const rootId = jobIds.assemble(key);
    const existing = await Job.fromId(queue, rootId);
    const state = existing ? await existing.getState() : null;
    if (!existing || state === 'unknown') {
      const flow = studyFlow(o, key, studySettings(o, input.synthetic), queueName);
      const producer = new FlowProducer({ connection });
      closers.unshift(() => producer.close());
      await producer.add(flow);
      emit({ kind: 'enqueued', key, jobs: countJobs(flow), queue: queueName });
    } else if (state === 'failed') {
      // Run again after a failure (its cause fixed): finished runs come back from the store.
      await existing.remove({ removeChildren: true });
      const flow = studyFlow(o, key, studySettings(o, input.synthetic), queueName);
      const producer = new FlowProducer({ connection });
      closers.unshift(() => producer.close());
      await producer.add(flow);
      emit({ kind: 'requeued', key, queue: queueName });
    } else emit({ kind: 'reattached', key, state: state!, queue: queueName });

    // The root's state is polled (not only awaited through events): events sent while this
    // process or Redis was down are not replayed, the job's state is.
    for (;;) {
      const root = await Job.fromId(queue, rootId);
      const s = root ? await root.getState() : 'unknown';
      if (s === 'completed') return root!.returnvalue as StudyResults;
      if (s === 'failed' || s === 'unknown') throw new DeconattnError(await failureReport(queue, key, s === 'unknown' ? 'its jobs were removed from the queue' : root!.failedReason));
      await new Promise((r) => setTimeout(r, q.pollMs ?? 500));
    }
  } finally {
    for (const close of closers) await close().catch(() => {});
  }
}

/** One line: which of the study's jobs failed and why (each once). */
async function failureReport(queue: Queue, key: string, rootReason: string): Promise<string> {
  const failed = (await queue.getFailed(0, 1000)).filter((j) => j.id?.startsWith(`${key}.`) && j.id !== jobIds.assemble(key));
  // The cause is the deepest failure; its parents only say that a child failed.
  const causes = failed.filter((j) => !/child .* failed|failed children/i.test(j.failedReason ?? ''));
  const list = (causes.length ? causes : failed).map((j) => `${j.id!.slice(key.length + 1)}: ${j.failedReason}`);
  return `The queued study ${key} failed: ${list.length ? list.join(' | ') : rootReason}. Fix the cause and run the same command again (finished runs are kept in the store).`;
}
