import type { Command } from 'commander';
import { useBackend } from '@deconattn/hybrid/node';
import { loadPlugins } from '../util/plugins.js';
import { loadStudyQueue } from '../util/study-queue.js';
import { intArg, pluginOption, positiveArg } from '../program-options.js';
import { BACKENDS } from '@deconattn/hybrid';
import { Option } from 'commander';

export interface WorkerCliOptions {
  queue: string;
  store: string;
  queueName?: string;
  backend?: string;
  concurrency: number;
  lockSeconds: number;
  plugin?: string[];
}

/**
 * `deconattn worker`: runs the jobs of queued studies until stopped (Ctrl-C or SIGTERM finish
 * the running job's current step and leave; a killed worker's job goes to another worker).
 */
export async function workerCommand(o: WorkerCliOptions): Promise<void> {
  const { DirStore, startStudyWorker, parseRedisUrl } = await loadStudyQueue('deconattn worker');
  const target = parseRedisUrl(o.queue);
  // Only the plugins named here: a job cannot make this worker load another.
  await loadPlugins(o.plugin);
  if (o.backend) await useBackend(o.backend);
  const store = new DirStore(o.store);
  const stamp = () => new Date().toISOString().slice(11, 19);
  const worker = await startStudyWorker({
    queue: o.queue,
    store,
    queueName: o.queueName,
    concurrency: o.concurrency,
    lockSeconds: o.lockSeconds,
    onLog: (line) => console.log(`${stamp()} ${line}`),
  });
  // The signal handlers first, then the banner: whoever waits for the banner may stop us at once.
  const stopped = new Promise<void>((resolve) => {
    const stop = () => {
      console.log(`${stamp()} worker ${worker.id}: stopping after the running jobs`);
      worker.close().then(resolve, resolve);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  console.log(`${stamp()} worker ${worker.id}: queue ${o.queueName ?? 'deconattn-study'} at ${target.redacted}, store ${store.location}, ${o.concurrency} job${o.concurrency > 1 ? 's' : ''} at a time; waiting for jobs (Ctrl-C stops)`);
  await stopped;
}

export function addWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('run the jobs of studies queued with `deconattn study --queue` (training, evaluation, assembly); any number of workers on any machines sharing --store')
    .requiredOption('--queue <url>', 'Redis URL: redis://[:password@]host:6379/0, rediss:// for TLS (the password is never printed)')
    .requiredOption('--store <dir>', 'shared directory for checkpoints and per-run results (the same for every worker: NFS or similar)')
    .option('--queue-name <name>', 'BullMQ queue name', 'deconattn-study')
    .addOption(new Option('--backend <name>', "activate this tfjs backend at start (each study's jobs run on the study's backend)").choices([...BACKENDS]))
    .option('--concurrency <n>', 'jobs at once in this process', intArg('--concurrency', 1), 1)
    .option('--lock-seconds <s>', "seconds before a silent worker's job is handed to another (BullMQ's lock)", positiveArg('--lock-seconds'), 30)
    .addOption(pluginOption())
    .action((o) => workerCommand(o));
}
