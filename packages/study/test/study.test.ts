import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '@deconattn/hybrid/node';
import '@deconattn/attention-standard';
import '@deconattn/attention-relaxed';
import { runStudy, type StudyEvent, type StudyConfigInput, type StudyHooks } from '../src/study/run.js';
import { studyRuns } from '../src/study/runs.js';
import { checkPattern } from '../src/study/pattern.js';
import { writeStudyOutputs } from '../src/study/outputs.js';
import type { StudyRun } from '../src/study/types.js';

const micro = (out: string, extra: Partial<StudyConfigInput> = {}): StudyConfigInput => ({
  out,
  preset: 'tiny',
  steps: 2,
  seed: 0,
  backend: 'wasm',
  mixers: ['mlp'],
  configs: ['uniform', 'hybrid', 'skip'],
  placements: [],
  tasks: ['copa'],
  limit: 4,
  wikitextDocs: 0,
  analysisSequences: 1,
  ...extra,
});

describe('study runs', () => {
  it('lists standard, each mixer uniform and hybrid, skips and placements', () => {
    const runs = studyRuns(['mlp', 'approximate'], ['uniform', 'hybrid', 'skip'], ['first', '25%']);
    expect(runs.map((r) => r.id)).toEqual(['standard', 'uniform-mlp', 'uniform-approximate', 'hybrid-mlp', 'hybrid-approximate', 'first-mlp', 'first-approximate', '25pct-mlp', '25pct-approximate']);
    expect(runs.find((r) => r.id === 'hybrid-mlp')!.skips).toEqual(['mixer', 'block']); // both readings of "skip" by default
    expect(studyRuns(['mlp'], ['uniform', 'hybrid', 'skip'], [], ['block'])[2]!.skips).toEqual(['block']);
    expect(() => studyRuns(['mlp'], ['skip'], [])).toThrow(/add 'hybrid'/);
    expect(() => studyRuns(['mlp'], ['uniform'], ['sideways'])).toThrow(/Unknown placement 'sideways'/);
  });

  it('checks the paper\'s pattern on held-out perplexity and says when it does not hold', () => {
    const run = (id: string, group: StudyRun['group'], mixer: string, ppl: number, extra: Partial<StudyRun> = {}): StudyRun => ({
      id, label: id, group, mixer, placement: group, plan: { preset: 'uniform', mixer }, layers: [], parameters: 1, status: 'ok',
      metrics: { valLoss: Math.log(ppl), valPerplexity: ppl, tasks: {}, nluAverage: null }, durations: { trainSec: 0, evalSec: 0 }, ...extra,
    });
    const runs = [
      run('standard', 'baseline', 'standard', 10),
      run('uniform-mlp', 'uniform', 'mlp', 20),
      run('uniform-non-approximate', 'uniform', 'non-approximate', 10, { status: 'diverged', metrics: undefined, error: 'NaN' }),
      run('uniform-approximate', 'uniform', 'approximate', 12),
      run('hybrid-mlp', 'hybrid', 'mlp', 10.5),
      run('hybrid-mlp-skip', 'hybrid-skip', 'mlp', 11, { evaluatedFrom: 'hybrid-mlp' }),
    ];
    const p = checkPattern(runs);
    expect(p.map((x) => x.holds)).toEqual([true, true, true, true, false]);
    expect(p[4]!.evidence).toBe('mlp: 10.50 → 11.00');
  });
});

describe('deconattn study (micro budget)', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('trains, evaluates, diagnoses and resumes after an interruption without redoing finished runs', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'deconattn-study-'));
    const events: StudyEvent[] = [];
    // Interrupt: die when the third run (hybrid mlp) starts.
    await expect(
      runStudy(micro(out), { onEvent: (e) => {
        events.push(e);
        if (e.kind === 'run-start' && e.run.id === 'hybrid-mlp') throw new Error('killed');
      } }),
    ).rejects.toThrow('killed');
    expect(events.filter((e) => e.kind === 'run-done').map((e) => (e as { id: string }).id)).toEqual(['standard', 'uniform-mlp']);
    expect(events.some((e) => e.kind === 'step')).toBe(true);

    const second: StudyEvent[] = [];
    const results = await runStudy(micro(out), { onEvent: (e) => second.push(e) });
    expect(second.filter((e) => e.kind === 'run-reused').map((e) => (e as { id: string }).id)).toEqual(['standard', 'uniform-mlp']);
    expect(second.filter((e) => e.kind === 'run-start').map((e) => (e as { run: { id: string } }).run.id)).toEqual(['hybrid-mlp']);
    expect(results.runs.map((r) => r.id)).toEqual(['standard', 'uniform-mlp', 'hybrid-mlp', 'hybrid-mlp-skip', 'hybrid-mlp-skip-block']);
    const std = results.runs[0]!;
    expect(std.status).toBe('ok');
    expect(std.metrics!.valPerplexity).toBeGreaterThan(1);
    expect(std.metrics!.tasks.copa!.n).toBe(4);
    expect(std.analysis!.layers.map((l) => l.mixer)).toEqual(['standard', 'standard']);
    expect(std.train!.history.at(-1)!.step).toBe(2);
    // equal parameter counts (mlp within its rounding), same seed and data order
    const params = results.runs.map((r) => r.parameters);
    expect(Math.max(...params) - Math.min(...params)).toBeLessThanOrEqual(2 * 1.5 * 64);
    const skip = results.runs[3]!;
    expect(skip).toMatchObject({ group: 'hybrid-skip', skip: 'mixer', evaluatedFrom: 'hybrid-mlp', label: 'hybrid-skip mlp (mixer)' });
    expect(skip.analysis!.layers[0]!.skipped).toBe(true);
    const block = results.runs[4]!;
    expect(block).toMatchObject({ group: 'hybrid-skip', skip: 'block', evaluatedFrom: 'hybrid-mlp', label: 'hybrid-skip mlp (block)' });
    // Dropping the whole block is another model than dropping the mixer sublayer only.
    expect(block.metrics!.valLoss).not.toBe(skip.metrics!.valLoss);
    expect(results.config.skipModes).toEqual(['mixer', 'block']);
    expect(results.pattern.length).toBeGreaterThan(0);
    expect(results.config).toMatchObject({ preset: 'tiny', steps: 2, seed: 0, backend: 'wasm' });

    const files = await writeStudyOutputs(out, results);
    expect(JSON.parse(fs.readFileSync(files.json, 'utf8')).runs.length).toBe(5);
    const table = fs.readFileSync(files.table, 'utf8');
    // The two skip readings in adjacent rows, side by side with their hybrid.
    expect(table).toMatch(/\*\*hybrid-skip\*\* mlp \(mixer\)[^\n]*\n\| hybrid-skip mlp \(block\)/);
    expect(fs.readFileSync(files.report, 'utf8')).toMatch(/^<!DOCTYPE html>/i);

    // A different configuration in the same directory is refused rather than mixed in.
    await expect(runStudy(micro(out, { steps: 3 }))).rejects.toThrow(/other settings.*mix results/);
  });
});
