import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { useBackend } from '../src/node.js';
import { listCheckpoints, loadCheckpoint, modelTensors, saveCheckpoint, saveRunCheckpoint } from '../src/checkpoint/checkpoint.js';
import type { LanguageModel } from '../src/model/model.js';
import { microModel } from './helpers.js';

/**
 * Failure injected at every file-system step of saveCheckpoint (creating the temporary
 * directory, opening, writing and syncing each file, moving the old checkpoint aside, renaming
 * the new one into place, removing the old one, pruning): after each, the directory must load as
 * the old checkpoint or the new one, bit for bit — there is no moment with neither on disk.
 */
const faults = vi.hoisted(() => ({ root: '', armed: false, count: 0, failAt: 0, ops: [] as string[] }));

vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs')>();
  const fdPaths = new Map<number, string>();
  const step = (op: string, p: unknown) => {
    if (!faults.armed || typeof p !== 'string' || !path.resolve(p).startsWith(faults.root)) return;
    faults.count++;
    faults.ops.push(`${op} ${path.relative(faults.root, path.resolve(p))}`);
    if (faults.count === faults.failAt) throw Object.assign(new Error(`injected failure at ${op} ${p}`), { code: 'EIO' });
  };
  const mocked = {
    ...real,
    mkdtempSync: (prefix: string, ...rest: any[]) => (step('mkdtemp', prefix), (real.mkdtempSync as any)(prefix, ...rest)),
    openSync: (p: string, ...rest: any[]) => {
      step('open', p);
      const fd = (real.openSync as any)(p, ...rest);
      fdPaths.set(fd, p);
      return fd;
    },
    writeSync: (fd: number, ...rest: any[]) => (step('write', fdPaths.get(fd)), (real.writeSync as any)(fd, ...rest)),
    fsyncSync: (fd: number) => (step('fsync', fdPaths.get(fd)), real.fsyncSync(fd)),
    renameSync: (a: string, b: string) => (step('rename', b), real.renameSync(a, b)),
    rmSync: (p: string, ...rest: any[]) => (step('rm', p), (real.rmSync as any)(p, ...rest)),
    writeFileSync: (p: any, ...rest: any[]) => (step('writeFile', p), (real.writeFileSync as any)(p, ...rest)),
  };
  return { ...mocked, default: mocked };
});

const tmp = (p: string) => fs.mkdtempSync(path.join(os.tmpdir(), `deconattn-atomic-${p}-`));

async function weightsOf(m: LanguageModel): Promise<string> {
  const t = await modelTensors(m);
  return JSON.stringify([...t].map(([n, x]) => [n, Array.from(x.data)]));
}

/** Runs `save` with a failure at file-system step `failAt` (0: none); returns whether it failed. */
async function withFailure(root: string, failAt: number, save: () => Promise<unknown>): Promise<{ failed: boolean; steps: string[] }> {
  Object.assign(faults, { root, armed: true, count: 0, failAt, ops: [] });
  let failed = false;
  try {
    await save();
  } catch (e) {
    if (!/injected failure/.test((e as Error).message)) throw e;
    failed = true;
  } finally {
    faults.armed = false;
  }
  return { failed, steps: faults.ops };
}

/** Which checkpoint `dir` loads as: 'old', 'new', or what went wrong. */
async function loadsAs(dir: string, old: string, next: string): Promise<string> {
  const ck = await loadCheckpoint(dir).catch((e: Error) => e);
  if (ck instanceof Error) return `unloadable: ${ck.message}`;
  const w = await weightsOf(ck.model);
  ck.model.dispose();
  return w === old ? 'old' : w === next ? 'new' : 'other weights';
}

describe('atomic checkpoint saves under injected failures', () => {
  let model: LanguageModel;
  let oldWeights: string;
  let newWeights: string;
  let oldDir: string;

  beforeAll(async () => {
    await useBackend('wasm');
    model = await microModel({ preset: 'hybrid', mixer: 'standard' });
    oldDir = path.join(tmp('old'), 'model');
    await saveCheckpoint(oldDir, model, { tokenizer: { kind: 'byte' } });
    oldWeights = await weightsOf(model);
    for (const v of model.trainableVariables()) v.assign(tf.tidy(() => tf.add(v, 0.5)));
    model.markWeightsChanged();
    newWeights = await weightsOf(model);
    expect(newWeights).not.toBe(oldWeights);
  });

  it('replacing an existing checkpoint: at every step the old or the new one loads', async () => {
    const probe = tmp('probe');
    fs.cpSync(oldDir, path.join(probe, 'model'), { recursive: true });
    const { failed, steps } = await withFailure(probe, 0, () => saveCheckpoint(path.join(probe, 'model'), model, { tokenizer: { kind: 'byte' } }));
    expect(failed).toBe(false);
    // mkdtemp, open/write/fsync × (config, weights, DONE), rename aside, rename into place, rm.
    expect(steps.length).toBeGreaterThanOrEqual(13);
    expect(steps.filter((s) => s.startsWith('rename'))).toHaveLength(2);
    const seen: Record<string, string[]> = {};
    for (let k = 1; k <= steps.length; k++) {
      const root = tmp('replace');
      const dir = path.join(root, 'model');
      fs.cpSync(oldDir, dir, { recursive: true });
      const r = await withFailure(root, k, () => saveCheckpoint(dir, model, { tokenizer: { kind: 'byte' } }));
      expect(r.failed, `step ${k} (${steps[k - 1]})`).toBe(true);
      const state = await loadsAs(dir, oldWeights, newWeights);
      (seen[state] ??= []).push(`${k}: ${steps[k - 1]}`);
      // The next save (a resumed run's) finishes the job and leaves nothing else behind.
      await saveCheckpoint(dir, model, { tokenizer: { kind: 'byte' } });
      expect(await loadsAs(dir, oldWeights, newWeights)).toBe('new');
      expect(fs.readdirSync(root)).toEqual(['model']);
      fs.rmSync(root, { recursive: true, force: true });
    }
    expect(Object.keys(seen).sort(), JSON.stringify(seen, null, 1)).toEqual(['new', 'old']);
    // The moment that needs care: the old one moved aside, the new one not yet renamed into
    // place. Nothing is at `dir`, yet the (complete) new one loads.
    const intoPlace = steps.findIndex((s, i) => s.startsWith('rename') && steps.slice(0, i).some((x) => x.startsWith('rename'))) + 1;
    expect(seen.new).toContain(`${intoPlace}: ${steps[intoPlace - 1]}`);
    expect(seen.old).toContain(`${intoPlace - 1}: ${steps[intoPlace - 2]}`);
  });

  it('a run directory: a failed save of step 2 leaves step 1 (or a complete step 2) as the newest loadable checkpoint', async () => {
    const probe = tmp('probe-run');
    const oldModel = await loadCheckpoint(oldDir);
    await saveRunCheckpoint(probe, 1, oldModel.model, { tokenizer: { kind: 'byte' } });
    const { steps } = await withFailure(probe, 0, () => saveRunCheckpoint(probe, 2, model, { tokenizer: { kind: 'byte' } }));
    for (let k = 1; k <= steps.length; k++) {
      const run = tmp('run');
      await saveRunCheckpoint(run, 1, oldModel.model, { tokenizer: { kind: 'byte' } });
      const r = await withFailure(run, k, () => saveRunCheckpoint(run, 2, model, { tokenizer: { kind: 'byte' } }));
      expect(r.failed).toBe(true);
      const newest = listCheckpoints(run)[0]!;
      const state = await loadsAs(run, oldWeights, newWeights);
      expect(state === 'old' || state === 'new', `step ${k} (${steps[k - 1]}): ${state}`).toBe(true);
      expect(newest.step).toBe(state === 'old' ? 1 : 2);
      fs.rmSync(run, { recursive: true, force: true });
    }
    oldModel.model.dispose();
  });

  it('never writes NaN or Infinity: the save is refused and the previous checkpoint stays', async () => {
    const root = tmp('nan');
    const dir = path.join(root, 'model');
    fs.cpSync(oldDir, dir, { recursive: true });
    const m = await microModel({ preset: 'hybrid', mixer: 'standard' });
    for (const bad of [NaN, Infinity, -Infinity]) {
      const v = m.trainableVariables()[3]!;
      const keep = tf.clone(v);
      v.assign(tf.tidy(() => tf.where(tf.equal(tf.reshape(tf.range(0, v.size), v.shape), 5), tf.fill(v.shape, bad), v)));
      await expect(saveCheckpoint(dir, m, { tokenizer: { kind: 'byte' } })).rejects.toThrow(new RegExp(`Refusing to save .*holds ${bad}`));
      expect(await loadsAs(dir, oldWeights, newWeights)).toBe('old');
      v.assign(keep);
      keep.dispose();
    }
    const opt = new Map([['m.x', tf.tensor1d([1, NaN])]]);
    await expect(saveCheckpoint(dir, m, { tokenizer: { kind: 'byte' }, optimizer: opt })).rejects.toThrow(/optimizer tensor 'm.x' holds NaN/);
    opt.forEach((t) => t.dispose());
    expect(fs.readdirSync(root)).toEqual(['model']);
    m.dispose();
  });
});
