import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisServer, ensureBuilt, freePort, hasRedis, killAll, runCli, tmpDir, type Proc } from './helpers/processes.js';

/**
 * The acceptance test, on loopback: a micro study (tiny preset, 100 steps, standard and
 * two hybrids, one skip evaluation each) runs locally, then through Redis on two worker
 * processes while (1) one worker is SIGKILLed mid-run after its first checkpoint, (2) the
 * coordinator is SIGKILLed, (3) Redis is restarted (append-only persistence), and (4) the same
 * coordinator command is run again. The queued results.json must equal the local one.
 */
const STEPS = 100; // checkpoints at 50 and 100 (study runs checkpoint every max(50, steps/4))
const STUDY = ['study', '--suite', 'lm', '--preset', 'tiny', '--steps', String(STEPS), '--mixers', 'mlp,approximate', '--configs', 'hybrid,skip', '--skip-modes', 'mixer', '--tasks', 'copa', '--limit', '4', '--wikitext-docs', '0', '--analysis-sequences', '1', '--backend', 'wasm'];
const LOCK_SECONDS = '5';

/**
 * Fields that legitimately differ between two runs of the same study: wall-clock measurements
 * (durations, seconds, tokens/s, ms per step, elapsed time, the date) and `tensors`, the
 * process's live tensor count logged with each step (a worker that resumed a run or loaded a
 * model holds other tensors than one process that did everything). Every other value, numbers
 * included, must be identical.
 */
const VOLATILE = new Set(['durations', 'durationSec', 'date', 'seconds', 'tokensPerSec', 'msPerStep', 'elapsedSec', 'tensors']);

function differences(a: unknown, b: unknown, at = '$'): string[] {
  if (Array.isArray(a) && Array.isArray(b)) return a.length !== b.length ? [`${at}: ${a.length} items ≠ ${b.length}`] : a.flatMap((x, i) => differences(x, b[i], `${at}[${i}]`));
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => !VOLATILE.has(k)).flatMap((k) => differences((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${at}.${k}`));
  }
  return Object.is(a, b) ? [] : [`${at}: ${JSON.stringify(a)?.slice(0, 80)} ≠ ${JSON.stringify(b)?.slice(0, 80)}`];
}

const started = (procs: Proc[], jobId: string, fromLines?: number[]) => procs.reduce((n, p, i) => n + p.lines.slice(fromLines?.[i] ?? 0).filter((l) => l.includes(`${jobId}: started`)).length, 0);

describe.skipIf(!hasRedis)('a study on two workers through Redis', () => {
  let root: string;
  let redis: RedisServer;

  beforeAll(async () => {
    ensureBuilt();
    root = tmpDir('study');
    fs.mkdirSync(path.join(root, 'redis'));
    redis = new RedisServer(await freePort(), path.join(root, 'redis'));
    await redis.start();
  });

  afterAll(async () => {
    killAll();
    await redis?.stop();
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  it('survives a killed worker, a killed coordinator and a Redis restart, and equals a local study', async () => {
    const local = runCli([...STUDY, '--quiet', '--out', path.join(root, 'local')], 240_000);
    const l = await local.exit;
    expect(l.code, local.text()).toBe(0);
    const reference = JSON.parse(fs.readFileSync(path.join(root, 'local', 'results.json'), 'utf8'));

    const store = path.join(root, 'store');
    const worker = () => runCli(['worker', '--queue', redis.url, '--store', store, '--lock-seconds', LOCK_SECONDS], 300_000);
    const coordinator = (extra: string[] = []) => runCli([...STUDY, '--queue', redis.url, '--out', path.join(root, 'queued'), ...extra], 300_000);
    const workers = [worker(), worker()];
    for (const w of workers) await w.waitFor(/waiting for jobs/, 60_000);
    const first = coordinator();
    const key = (await first.waitFor(/queued as study ([0-9a-f]{16})/, 60_000))[1]!;

    // (1) A worker past its run's first checkpoint (step 50), before its last step: SIGKILL it.
    const m = await first.waitFor(new RegExp(`^\\[(0\\.[a-z-]+\\.train)\\] step (6|7|8|9)\\d/${STEPS} .*\\| \\S+:(\\d+)$`), 180_000);
    const [, job, , pid] = m;
    const victim = workers.find((w) => w.child.pid === Number(pid))!;
    expect(victim, `the progress line names a worker of ours (pid ${pid})`).toBeDefined();
    victim.child.kill('SIGKILL');
    const survivor = workers.find((w) => w !== victim)!;
    // BullMQ's stalled-job check hands the run to the other worker, which resumes from step 50.
    await survivor.waitFor(new RegExp(`${key}\\.${job!.replace(/\./g, '\\.')}: resumed from the checkpoint of step 50$`), 120_000);

    // (2) The coordinator dies too; (3) Redis restarts, keeping its append-only file.
    first.child.kill('SIGKILL');
    await first.exit;
    const completedBefore = redis.cli(['ZRANGE', 'bull:deconattn-study:completed', '0', '-1']).split('\n').filter(Boolean);
    await redis.stop();
    await redis.start();
    const completedAfter = redis.cli(['ZRANGE', 'bull:deconattn-study:completed', '0', '-1']).split('\n').filter(Boolean);
    expect(completedAfter, 'every job finished before the restart is still finished after it').toEqual(expect.arrayContaining(completedBefore));
    const linesAtRestart = [survivor.lines.length];

    // (4) The same command again reattaches and finishes, with a fresh second worker.
    const replacement = worker();
    const second = coordinator(['--store', store]); // --store: the outputs go into the store too
    const end = await second.exit;
    expect(end.code, second.text()).toBe(0);
    expect(second.text()).toMatch(/reattached to study [0-9a-f]{16}/);

    const queued = JSON.parse(fs.readFileSync(path.join(root, 'queued', 'results.json'), 'utf8'));
    expect(differences(queued, reference)).toEqual([]);
    expect(fs.readFileSync(path.join(root, 'queued', 'table.md'), 'utf8')).toBe(fs.readFileSync(path.join(root, 'local', 'table.md'), 'utf8'));
    expect(fs.existsSync(path.join(root, 'queued', 'report.html'))).toBe(true);
    expect(JSON.parse(fs.readFileSync(path.join(store, key, 'results.json'), 'utf8'))).toEqual(queued);

    // The killed run was started twice (once per worker); no job finished before the Redis
    // restart was started again after it.
    const all = [...workers, replacement];
    expect(started(all, `${key}.${job}`)).toBe(2);
    for (const id of completedBefore) expect(started([survivor], id, linesAtRestart) + started([replacement], id), `${id} ran again after the restart`).toBe(0);
    console.log(
      [
        `killed worker ${pid} during ${job} (after step 50); the other worker resumed it from the step-50 checkpoint`,
        `Redis restarted with ${completedBefore.length} finished jobs; all still finished after it: ${completedBefore.map((id) => id.slice(17)).join(', ')}`,
        `coordinator killed and run again: reattached and wrote results.json equal to the local study's`,
      ].join('\n'),
    );
    for (const w of [survivor, replacement]) w.child.kill('SIGTERM');
    await Promise.all([survivor.exit, replacement.exit]);
  });

  it('reports a deterministic failure once instead of retrying it: a mixer the workers were not started with', async () => {
    const plugin = path.join('examples', 'third-party-mixer');
    const store = path.join(root, 'store-plugin');
    const w = runCli(['worker', '--queue', redis.url, '--store', store, '--queue-name', 'plugin-test'], 120_000);
    await w.waitFor(/waiting for jobs/, 60_000);
    const c = runCli(['study', '--suite', 'lm', '--preset', 'tiny', '--steps', '2', '--mixers', 'sliding-window', '--configs', 'uniform', '--tasks', 'copa', '--limit', '2', '--wikitext-docs', '0', '--analysis-sequences', '1', '--backend', 'wasm', '--plugin', plugin, '--queue', redis.url, '--queue-name', 'plugin-test', '--out', path.join(root, 'plugin-out')], 120_000);
    const end = await c.exit;
    expect(end.code).toBe(1);
    const err = c.lines.filter((l) => l.startsWith('deconattn:'));
    expect(err).toHaveLength(1);
    expect(err[0]).toMatch(/mixer 'sliding-window', not registered in this worker: start every worker with the plugins the study needs \(--plugin\)/);
    expect(c.text()).not.toMatch(/\n\s+at /); // no stack trace
    // Every job the worker took was tried once and failed for good (no attempt 2).
    const attempts = w.lines.filter((l) => /: started \(attempt \d+\)$/.test(l));
    expect(attempts.length).toBeGreaterThan(0);
    expect(attempts.every((l) => l.endsWith('(attempt 1)')), attempts.join('\n')).toBe(true);
    expect(new Set(attempts.map((l) => l.split(' ')[1])).size).toBe(attempts.length);
    expect(w.text()).toMatch(/\.train: failed \(not retried\): The study uses mixer 'sliding-window'/);
    w.child.kill('SIGTERM');
    expect((await w.exit).code).toBe(0);
  });
});
