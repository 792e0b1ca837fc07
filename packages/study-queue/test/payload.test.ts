import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job } from 'bullmq';
import { validateStudyConfig } from '@deconattn/study';
import { DirStore } from '../src/store.js';
import { jobContext, jobRunner } from '../src/jobs.js';
import { QUEUE_FORMAT, studyKey, studySettings, type JobPayload } from '../src/format.js';

/**
 * A job's payload is untrusted input: whoever can write to the queue can write one. Each of
 * these must be refused before anything is read or written, as an UnrecoverableError (failed
 * once, not retried), naming what was wrong.
 */
let root: string;
let store: DirStore;
let valid: JobPayload;

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'deconattn-payload-'));
  store = new DirStore(path.join(root, 'store'));
  const o = await validateStudyConfig({ out: path.join(root, 'unused'), suites: ['lm'], preset: 'tiny', steps: 2, mixers: ['mlp'], configs: ['hybrid', 'skip'], skipModes: ['mixer'], tasks: ['copa'], limit: 2, wikitextDocs: 0, analysisSequences: 1, backend: 'wasm' });
  valid = { format: QUEUE_FORMAT, key: studyKey(o), kind: 'train', study: studySettings(o, undefined), seed: 0, runId: 'hybrid-mlp' };
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

async function refusal(data: unknown): Promise<Error> {
  try {
    await jobContext(data, store, new Map());
  } catch (e) {
    return e as Error;
  }
  throw new Error('the payload was accepted');
}

describe('job payloads', () => {
  it('accepts a valid one and rebuilds its study', async () => {
    const { p, ctx } = await jobContext(valid, store, new Map());
    expect(p.runId).toBe('hybrid-mlp');
    expect(ctx.key).toBe(valid.key);
    expect(ctx.specs.map((s) => s.id)).toEqual(['standard', 'hybrid-mlp']);
  });

  it.each<[string, (p: JobPayload) => unknown, RegExp]>([
    ['another format', (p) => ({ ...p, format: 'deconattn-study-queue/2' }), /study format is "deconattn-study-queue\/2"; this worker understands 'deconattn-study-queue\/1' only/],
    ['a run id that climbs out of the store', (p) => ({ ...p, runId: '../../../etc' }), /payload is not valid.*runId/],
    ['an absolute run id', (p) => ({ ...p, runId: '/etc/passwd' }), /payload is not valid.*runId/],
    ['a key that is a path', (p) => ({ ...p, key: '../other-study00' }), /payload is not valid.*key/],
    ['a field of its own (a path, say)', (p) => ({ ...p, outDir: '/tmp/x' }), /payload is not valid.*outDir/],
    ['a study field of its own', (p) => ({ ...p, study: { ...p.study, out: '/tmp/x' } }), /payload is not valid.*out/],
    ['a plugin to load', (p) => ({ ...p, study: { ...p.study, plugin: ['evil-package'] } }), /payload is not valid.*plugin/],
    ['a mixer this worker was not started with', (p) => ({ ...p, study: { ...p.study, mixers: ['sliding-window'] } }), /mixer 'sliding-window', not registered in this worker: start every worker with the plugins the study needs/],
    ['a synthetic mixer this worker was not started with', (p) => ({ ...p, study: { ...p.study, suites: ['lm', 'synthetic'], synthetic: { mixers: ['sliding-window'] } } }), /mixer 'sliding-window', not registered/],
    ['a key that is not its settings\'', (p) => ({ ...p, key: '0123456789abcdef' }), /study key '0123456789abcdef' does not match its settings/],
    ['settings the study refuses', (p) => ({ ...p, study: { ...p.study, tasks: ['no-such-task'] } }), /no-such-task/],
    ['a number that is not a count', (p) => ({ ...p, study: { ...p.study, steps: 1.5 } }), /payload is not valid.*steps/],
  ])('refuses %s, for good', async (_, change, why) => {
    const e = await refusal(change(valid));
    expect(e.name).toBe('UnrecoverableError');
    expect(e.message).toMatch(why);
    expect(e.message).not.toContain('\n');
  });

  it('refuses a run or seed the study does not have, before touching the store', async () => {
    const runner = jobRunner(store, 'test:1', () => {});
    const job = (data: unknown) => ({ id: 'x', data, updateProgress: async () => {}, getChildrenValues: async () => ({}) }) as unknown as Job;
    await expect(runner.run(job({ ...valid, runId: 'uniform-mlp' }))).rejects.toThrow(/has no run 'uniform-mlp'/);
    await expect(runner.run(job({ ...valid, seed: 7 }))).rejects.toThrow(/has no seed 7/);
    await expect(runner.run(job({ ...valid, kind: 'skip', mode: 'block' }))).rejects.toThrow(/has no skip evaluation 'block'/);
    expect(fs.readdirSync(store.root)).toEqual([]);
  });
});
