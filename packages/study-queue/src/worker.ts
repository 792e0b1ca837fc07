import { Worker, type Job } from 'bullmq';
import { DeconattnError } from '@deconattn/core';
import { claimQueueFormat, reachRedis, redisConnection } from './connection.js';
import { DEFAULT_QUEUE_NAME } from './format.js';
import { defaultWorkerId, jobRunner } from './jobs.js';
import { parseRedisUrl, redactText } from './redis-url.js';
import type { Store } from './store.js';

export interface StudyWorkerOptions {
  /** Redis URL (`redis://…`, `rediss://…` for TLS); never printed with its password. */
  queue: string;
  store: Store;
  queueName?: string;
  /** Jobs at once in this process (default 1: one training saturates a backend). */
  concurrency?: number;
  /**
   * Seconds a job's lock lasts without renewal (default 30): a worker that dies loses its jobs to
   * the others after about this long (BullMQ's stalled-job check), and they resume from the last
   * checkpoint in the store.
   */
  lockSeconds?: number;
  /** How this worker names itself in progress lines (default host:pid). */
  workerId?: string;
  /** One line per job event (started, resumed, done, failed); redacted. */
  onLog?: (line: string) => void;
}

export interface StudyWorker {
  readonly id: string;
  /** Stops taking jobs, waits for those running, and disconnects. */
  close(): Promise<void>;
}

/**
 * Runs a queued study's jobs (training runs, evaluations, skip evaluations, the synthetic suite,
 * the assembly) from `queue`, with checkpoints and results in `store`. The mixers a study may use
 * are those registered in this process when it starts (plugins loaded by the caller).
 */
export async function startStudyWorker(o: StudyWorkerOptions): Promise<StudyWorker> {
  const target = parseRedisUrl(o.queue);
  const queueName = o.queueName ?? DEFAULT_QUEUE_NAME;
  const concurrency = o.concurrency ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new DeconattnError(`Worker option 'concurrency' must be a positive integer, got ${JSON.stringify(o.concurrency)}.`);
  const lockSeconds = o.lockSeconds ?? 30;
  if (!(typeof lockSeconds === 'number' && lockSeconds >= 1 && lockSeconds <= 86_400)) throw new DeconattnError(`Worker option 'lockSeconds' must be a number of seconds from 1 to 86400, got ${JSON.stringify(o.lockSeconds)}.`);
  const id = o.workerId ?? defaultWorkerId();
  const log = (line: string) => o.onLog?.(redactText(line, target));
  await reachRedis(target);
  const connection = redisConnection(target);
  try {
    await claimQueueFormat(connection, queueName, 'worker');
  } catch (e) {
    connection.disconnect();
    throw e;
  }
  const runner = jobRunner(o.store, id, log);
  const started = new Map<string, number>();
  const worker = new Worker(
    queueName,
    async (job: Job) => {
      started.set(job.id!, performance.now());
      log(`${job.id}: started (attempt ${job.attemptsMade + 1})`);
      return runner.run(job);
    },
    {
      connection,
      concurrency,
      lockDuration: lockSeconds * 1000,
      stalledInterval: lockSeconds * 1000,
      // A job whose worker died is handed on; one that kills every worker it meets stops after 5.
      maxStalledCount: 5,
      name: id,
    },
  );
  const seconds = (jobId: string | undefined) => ((performance.now() - (started.get(jobId ?? '') ?? performance.now())) / 1000).toFixed(1);
  worker.on('completed', (job) => log(`${job.id}: done in ${seconds(job.id)} s`));
  worker.on('failed', (job, err) => log(`${job?.id ?? 'a job'}: failed${err.name === 'UnrecoverableError' ? ' (not retried)' : job && job.attemptsMade < (job.opts.attempts ?? 1) ? ' (will be retried)' : ''}: ${err.message}`));
  worker.on('error', (err) => log(`queue connection: ${err.message}`));
  await worker.waitUntilReady();
  return {
    id,
    async close() {
      await worker.close();
      connection.disconnect();
    },
  };
}
