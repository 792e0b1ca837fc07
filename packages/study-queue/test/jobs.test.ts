import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job } from 'bullmq';
import { validateStudyConfig, type StudyRun } from '@deconattn/study';
import { DirStore } from '../src/store.js';
import { jobRunner, type JobProgress } from '../src/jobs.js';
import { QUEUE_FORMAT, jobIds, studyKey, studySettings, type JobPayload } from '../src/format.js';

/**
 * The job processors in process, without Redis: a run's chain (train → evaluate → skip) on the
 * wasm backend, twice over, leaving no tensor behind; progress names the worker; a second
 * evaluation of a finished run reads its result from the store instead of recomputing it.
 */
let root: string;
let store: DirStore;
let base: Omit<JobPayload, 'kind'>;

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'deconattn-jobs-'));
  store = new DirStore(path.join(root, 'store'));
  const o = await validateStudyConfig({ out: path.join(root, 'unused'), suites: ['lm'], preset: 'tiny', steps: 3, mixers: ['mlp'], configs: ['hybrid', 'skip'], skipModes: ['mixer'], tasks: ['copa'], limit: 2, wikitextDocs: 0, analysisSequences: 1, backend: 'wasm' });
  base = { format: QUEUE_FORMAT, key: studyKey(o), study: studySettings(o, undefined), seed: 0, runId: 'hybrid-mlp' };
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function fakeJob(id: string, data: JobPayload, children: Record<string, unknown> = {}, progress: JobProgress[] = []): Job {
  return {
    id,
    data,
    updateProgress: async (p: JobProgress) => void progress.push(p),
    getChildrenValues: async () => Object.fromEntries(Object.entries(children).map(([k, v]) => [`bull:deconattn-study:${k}`, v])),
  } as unknown as Job;
}

async function chain(): Promise<{ runs: StudyRun[]; progress: JobProgress[] }> {
  const runner = jobRunner(store, 'test-host:1', () => {});
  const progress: JobProgress[] = [];
  const k = base.key;
  const trained = await runner.run(fakeJob(jobIds.train(k, 0, 'hybrid-mlp'), { ...base, kind: 'train' }, {}, progress));
  expect(trained).toEqual({ status: 'trained' });
  const evaluated = (await runner.run(fakeJob(jobIds.evaluate(k, 0, 'hybrid-mlp'), { ...base, kind: 'evaluate' }, { [jobIds.train(k, 0, 'hybrid-mlp')]: trained }, progress))) as StudyRun[];
  const runs = (await runner.run(fakeJob(jobIds.skip(k, 0, 'hybrid-mlp', 'mixer'), { ...base, kind: 'skip', mode: 'mixer' }, { [jobIds.evaluate(k, 0, 'hybrid-mlp')]: evaluated }, progress))) as StudyRun[];
  return { runs, progress };
}

describe('the job processors', () => {
  it('train, evaluate and skip-evaluate a run through the store, leaving no tensor behind', async () => {
    const first = await chain();
    expect(first.runs.map((r) => [r.id, r.status])).toEqual([
      ['hybrid-mlp', 'ok'],
      ['hybrid-mlp-skip', 'ok'],
    ]);
    expect(first.runs[0]!.train!.steps).toBe(3);
    expect(Number.isFinite(first.runs[0]!.metrics!.valLoss)).toBe(true);
    expect(first.runs[1]!.metrics!.valLoss).not.toBe(first.runs[0]!.metrics!.valLoss);
    expect(first.progress.some((p) => p.kind === 'step' && p.step === 3 && p.worker === 'test-host:1')).toBe(true);
    const files = await store.list(base.key);
    expect(files).toContain(`${base.key}/runs/hybrid-mlp/result.json`);
    expect(files).toContain(`${base.key}/runs/hybrid-mlp-skip/result.json`);
    expect(files.some((f) => f.startsWith(`${base.key}/runs/hybrid-mlp/checkpoints/step-0000003/`))).toBe(true);

    // Finished: the same chain again reads the results (no training, no evaluation).
    const again = await chain();
    expect(again.runs).toEqual(first.runs);
    expect(again.progress).toEqual([]);

    // From scratch again: every tensor of the second round is freed.
    fs.rmSync(path.join(store.root, base.key), { recursive: true });
    const before = tf.memory().numTensors;
    const fresh = await chain();
    expect(tf.memory().numTensors).toBe(before);
    expect(fresh.runs[0]!.metrics!.valLoss).toBe(first.runs[0]!.metrics!.valLoss);
  });
});
