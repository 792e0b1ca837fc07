import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useBackend } from '@deconattn/hybrid/node';
import '@deconattn/attention-standard';
import '@deconattn/attention-relaxed';
import { runStudy, validateStudyConfig } from '../src/study/run.js';
import { studyEta } from '../src/study/eta.js';
import { checkPattern } from '../src/study/pattern.js';
import { studyRuns } from '../src/study/runs.js';
import type { StudyRun } from '../src/study/types.js';

const run = (id: string, group: StudyRun['group'], mixer: string, ppl: number, extra: Partial<StudyRun> = {}): StudyRun => ({
  id, label: id, group, mixer, placement: group, plan: { preset: 'uniform', mixer }, layers: [], parameters: 1, status: 'ok',
  metrics: { valLoss: Math.log(ppl), valPerplexity: ppl, tasks: {}, nluAverage: null }, durations: { trainSec: 0, evalSec: 0 }, ...extra,
});

describe('study checks', () => {
  it('a diverged hybrid neither shows nor refutes that skipping collapses it', () => {
    const diverged = { status: 'diverged' as const, metrics: undefined, error: 'NaN' };
    const runs = [
      run('standard', 'baseline', 'standard', 10),
      run('hybrid-non-approximate', 'hybrid', 'non-approximate', 10, diverged),
      run('hybrid-non-approximate-skip', 'hybrid-skip', 'non-approximate', 10, { ...diverged, evaluatedFrom: 'hybrid-non-approximate' }),
    ];
    const skip = checkPattern(runs).find((p) => p.claim.startsWith('Skipping'))!;
    expect(skip.holds).toBeNull();
    expect(skip.evidence).toBe('non-approximate: hybrid diverged, not measured');
    // With a measured hybrid beside it, only that one decides.
    const more = [...runs, run('hybrid-mlp', 'hybrid', 'mlp', 10.5), run('hybrid-mlp-skip', 'hybrid-skip', 'mlp', 11, { evaluatedFrom: 'hybrid-mlp' })];
    const skip2 = checkPattern(more).find((p) => p.claim.startsWith('Skipping'))!;
    expect(skip2.holds).toBe(false);
    expect(skip2.evidence).toBe('mlp: 10.50 → 11.00, non-approximate: hybrid diverged, not measured');
  });

  it('ETA of a resumed run counts only the steps trained since it resumed', () => {
    // Resumed at step 300 of 400; 10 s for the 10 steps since: 1 s per step, 90 steps left.
    expect(studyEta({ elapsedSec: 10, step: 310, startStep: 300, steps: 400, finishedRunSec: [], runsAfter: 0 })).toBeCloseTo(90);
    // Later runs at the mean duration of the finished ones.
    expect(studyEta({ elapsedSec: 10, step: 10, startStep: 0, steps: 20, finishedRunSec: [30, 50], runsAfter: 2 })).toBeCloseTo(10 + 80);
    // Before any finished: this run's pace over all its steps, a fifth more for evaluation.
    expect(studyEta({ elapsedSec: 10, step: 10, startStep: 0, steps: 20, finishedRunSec: [], runsAfter: 1 })).toBeCloseTo(10 + 24);
  });

  it('refuses unknown skip modes, and skip without a mode', () => {
    expect(() => studyRuns(['mlp'], ['hybrid', 'skip'], [], ['sideways' as 'mixer'])).toThrow(/Unknown skip mode 'sideways'/);
    expect(() => studyRuns(['mlp'], ['hybrid', 'skip'], [], [])).toThrow(/'skip' needs at least one skip mode/);
    expect(studyRuns(['mlp'], ['hybrid', 'skip'], [], ['mixer', 'block']).find((r) => r.id === 'hybrid-mlp')!.skips).toEqual(['mixer', 'block']);
  });

  it('a run killed after training but before its result keeps its training time when resumed', async () => {
    await useBackend('wasm');
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'deconattn-study-time-'));
    const o = { out, preset: 'tiny', steps: 2, seed: 0, backend: 'wasm', mixers: [], configs: [], placements: [], tasks: [], limit: 1, wikitextDocs: 0, analysisSequences: 1, analysisLength: 8 };
    await runStudy(o);
    fs.rmSync(path.join(out, 'runs', 'standard', 'result.json')); // killed during evaluation
    const trained = JSON.parse(fs.readFileSync(path.join(out, 'runs', 'standard', 'trained.json'), 'utf8'));
    const again = await runStudy(o);
    expect(again.runs[0]!.durations.trainSec).toBe(trained.seconds);
    expect(again.runs[0]!.train!.history.at(-1)!.step).toBe(2);
  });

  it('validates the whole config before training or writing anything, naming the field', async () => {
    const out = path.join(os.tmpdir(), `deconattn-study-invalid-${process.pid}`);
    const refused = async (extra: Record<string, unknown>, message: RegExp) => {
      await expect(runStudy({ out, steps: 1, mixers: ['mlp'], ...extra })).rejects.toThrow(message);
      expect(fs.existsSync(out)).toBe(false);
    };
    await refused({ tasks: ['copa', 'arc_eazy'] }, /Unknown task 'arc_eazy'\. Did you mean 'arc_easy'\?/);
    await refused({ mixers: ['aproximate'] }, /Unknown token mixer 'aproximate'/);
    await refused({ placements: ['sideways'] }, /Unknown placement 'sideways'/);
    await refused({ backend: 'cuda' }, /Study option 'backend' is 'cuda'; backends: cpu, wasm/);
    await refused({ limit: 0 }, /Study option 'limit' must be a positive integer, got 0/);
    await refused({ analysisLength: 2 }, /Study option 'analysisLength' must be an integer ≥ 4, got 2/);
    await refused({ steps: 2, tokens: 100 }, /study option 'steps' or study option 'tokens', not both/);
    await refused({ preset: 'huge' }, /preset/);
  });

  it('fills in the defaults and turns a token budget into steps of the preset\'s batch', async () => {
    const v = await validateStudyConfig({ out: 'x', tokens: 8 * 128 * 3 + 1, mixers: ['mlp'] });
    expect(v).toMatchObject({ preset: 'tiny', steps: 4, seed: 0, configs: ['uniform', 'hybrid', 'skip'], skipModes: ['mixer', 'block'], limit: 100, analysisLength: 64 });
  });
});
