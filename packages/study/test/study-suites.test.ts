import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '@deconattn/hybrid/node';
import '@deconattn/attention-standard';
import '@deconattn/attention-relaxed';
import { runStudy, validateStudyConfig, type StudyConfigInput, type StudyEvent } from '../src/study/run.js';
import { writeStudyOutputs } from '../src/study/outputs.js';
import { renderTable1 } from '../src/report/index.js';
import type { StudyResults } from '../src/study/types.js';

/** A study small enough for CI: tiny models, a few steps, small synthetic splits. */
const micro = (out: string, extra: Partial<StudyConfigInput> = {}): StudyConfigInput => ({
  out,
  preset: 'tiny',
  steps: 2,
  seed: 0,
  backend: 'wasm',
  mixers: ['mlp'],
  configs: ['uniform', 'hybrid', 'skip'],
  skipModes: ['mixer'],
  tasks: ['copa'],
  limit: 4,
  wikitextDocs: 0,
  analysisSequences: 1,
  analysisLength: 8,
  synthetic: {
    tasks: [{ task: 'mqar', rungs: ['r0'] }],
    model: { hiddenSize: 16, intermediateSize: 32, numLayers: 2, numHeads: 2 },
    train: { steps: 3, batchSize: 8 },
    sizes: { train: 32, val: 16, test: 16 },
    lrGrid: [3e-3],
  },
  ...extra,
});

beforeAll(async () => {
  await useBackend('wasm');
});

describe('study suites and seeds', () => {
  it('checks both suites before training anything', async () => {
    const out = path.join(os.tmpdir(), `deconattn-never-${process.pid}`);
    await expect(validateStudyConfig(micro(out, { suites: ['lm', 'vision' as 'lm'] }))).rejects.toThrow(/Study option 'suites' must list one or both of lm, synthetic/);
    await expect(validateStudyConfig(micro(out, { seeds: 0 }))).rejects.toThrow(/Study option 'seeds' must be a positive integer, got 0/);
    await expect(validateStudyConfig(micro(out, { suites: ['synthetic'], synthetic: { tasks: [{ task: 'mqar', rungs: ['r9'] }] } }))).rejects.toThrow(/Study option 'synthetic': .*r9/);
    await expect(validateStudyConfig(micro(out, { suites: ['synthetic'], synthetic: { mixers: ['mpl'] } }))).rejects.toThrow(/mpl/);
    await expect(validateStudyConfig(micro(out, { suites: ['synthetic'], synthetic: { train: { steps: 0 } } }))).rejects.toThrow(/Study option 'synthetic': train 'steps' must be a positive integer, got 0/);
    expect(fs.existsSync(out)).toBe(false);
    const v = await validateStudyConfig(micro(out, { seed: 3, seeds: 2, suites: ['synthetic'] }));
    expect(v.seedList).toEqual([3, 4]);
    expect(v.synthetic).toMatchObject({ mixers: ['mlp'], configurations: ['uniform', 'hybrid'], skips: ['mixer'], seeds: [3, 4], train: { steps: 3, batchSize: 8 } });
    // A partial size keeps the other defaults.
    expect((await validateStudyConfig(micro(out, { suites: ['synthetic'], synthetic: { train: { steps: 5 } } }))).synthetic!.train).toEqual({ steps: 5, batchSize: 128 });
  });

  it('--suite synthetic --seeds 2: the heatmap with intervals, baselines, efficiency and the claims in results.json and the report', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'deconattn-study-synthetic-'));
    const events: StudyEvent[] = [];
    const results = await runStudy(micro(out, { suites: ['synthetic'], seeds: 2 }), { onEvent: (e) => events.push(e) });
    expect(results.runs).toEqual([]);
    expect(fs.existsSync(path.join(out, 'study.json'))).toBe(false); // the language-model suite did not run
    expect(events.filter((e) => e.kind === 'synthetic' && e.event.kind === 'cell-done').length).toBe(6); // standard, uniform mlp, hybrid mlp × 2 seeds
    expect(fs.existsSync(path.join(out, 'synthetic', 'cells', 'mqar', 'r0', 'hybrid-mlp', 'seed-1.json'))).toBe(true);
    const files = await writeStudyOutputs(out, results);
    const json = JSON.parse(fs.readFileSync(files.json, 'utf8')) as StudyResults;
    expect(json.config).toMatchObject({ suites: ['synthetic'], seeds: [0, 1] });
    const s = json.synthetic!;
    const std = s.summary.find((e) => e.model === 'standard')!;
    expect(std.accuracy!.n).toBe(2);
    expect(std.accuracy!.lo).not.toBeNull();
    expect(std.accuracy!.lo!).toBeLessThanOrEqual(std.accuracy!.estimate);
    expect(s.summary.map((e) => e.label)).toEqual(['standard', 'uniform mlp', 'hybrid mlp', 'hybrid mlp · skip mixer']);
    expect(s.baselines.length).toBe(2);
    expect(s.efficiency.map((e) => e.model)).toEqual(['standard', 'uniform-mlp', 'hybrid-mlp']);
    // The five findings, each judged on the rung (non-approximate and the "between" variants were not run).
    expect(json.claims!.map((c) => c.id)).toEqual(['mlp-far-below', 'non-approximate-fails', 'uniform-between', 'hybrid-close', 'skip-collapses']);
    expect(json.claims!.every((c) => c.lm === null && c.synthetic.length === 1)).toBe(true);
    const mlp = json.claims!.find((c) => c.id === 'mlp-far-below')!.synthetic[0]!;
    expect(['holds', 'does not hold', 'cannot tell']).toContain(mlp.verdict);
    expect(mlp.parts[0]!.interval.method).toMatch(/t interval over 2 seeds/);
    expect(json.claims!.find((c) => c.id === 'non-approximate-fails')!.synthetic[0]!.verdict).toBeNull();
    expect(json.rankCorrelation).toBeNull();

    const html = fs.readFileSync(files.report, 'utf8');
    const heatmap = /<figure class="synthetic-heatmap"[^>]*>([\s\S]*?)<\/figure>/.exec(html)?.[1] ?? '';
    expect(heatmap).toMatch(/^<svg/);
    for (const row of ['standard', 'uniform mlp', 'hybrid mlp', 'chance', 'majority']) expect(heatmap).toContain(row);
    // The standard cell carries its mean and interval as text.
    const pct = (x: number) => (100 * x).toFixed(0);
    expect(heatmap).toContain(pct(std.accuracy!.estimate));
    expect(html).toContain('decoding state / token');
    expect(html).toMatch(/data-claim="mlp-far-below"/);
    expect(html).not.toMatch(/id="curves"/); // no language-model charts without the language-model suite

    // A second call reuses every synthetic cell.
    const again: StudyEvent[] = [];
    await runStudy(micro(out, { suites: ['synthetic'], seeds: 2 }), { onEvent: (e) => again.push(e) });
    expect(again.filter((e) => e.kind === 'synthetic' && e.event.kind === 'cell-reused').length).toBe(6);
    fs.rmSync(out, { recursive: true, force: true });
  });

  it('--suite lm --seeds 2: every run per seed in its own directory, the table as means with intervals, claims and the rank correlation', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'deconattn-study-seeds-'));
    const results = await runStudy(micro(out, { seeds: 2, configs: ['uniform', 'hybrid', 'skip'] }));
    expect(results.runs.map((r) => `${r.id}@${r.seed}`)).toEqual(['standard@0', 'uniform-mlp@0', 'hybrid-mlp@0', 'hybrid-mlp-skip@0', 'standard@1', 'uniform-mlp@1', 'hybrid-mlp@1', 'hybrid-mlp-skip@1']);
    expect(fs.existsSync(path.join(out, 'runs', 'standard', 'result.json'))).toBe(true);
    expect(fs.existsSync(path.join(out, 'seed-1', 'runs', 'hybrid-mlp-skip', 'result.json'))).toBe(true);
    // Different seeds: different weights and data, so different losses.
    const loss = (id: string, seed: number) => results.runs.find((r) => r.id === id && r.seed === seed)!.metrics!.valLoss;
    expect(loss('standard', 0)).not.toBe(loss('standard', 1));
    const std = results.summary!.find((m) => m.id === 'standard')!;
    expect(std.valLoss!.n).toBe(2);
    expect(std.valLoss!.estimate).toBeCloseTo((loss('standard', 0) + loss('standard', 1)) / 2, 12);
    expect(std.valPerplexity!.estimate).toBeCloseTo(Math.exp(std.valLoss!.estimate), 9);
    expect(results.runs[0]!.metrics!.valWindowLosses!.length).toBe(64);
    const table = renderTable1(results);
    const row = table.split('\n').find((l) => l.startsWith('| standard'))!;
    expect(row).toMatch(/\d+\.\d \[\d+\.\d, \d+\.\d\]/); // held-out PPL with its interval
    expect(row).toMatch(/ok ×2/);
    expect(table).toMatch(/seeds 0, 1: every figure is the mean/);
    const lm = results.claims!.find((c) => c.id === 'hybrid-close')!.lm!;
    expect(lm.parts[0]!.interval.method).toMatch(/t interval over 2 seeds/);
    expect(results.rankCorrelation!.n).toBe(4); // standard, uniform mlp, hybrid mlp, its skip
    expect(results.rankCorrelation!.ours).toBe('held-out perplexity');
    const html = (await writeStudyOutputs(out, results)).report;
    expect(fs.readFileSync(html, 'utf8')).toMatch(/Spearman ρ = -?\d\.\d\d/);
    fs.rmSync(out, { recursive: true, force: true });
  });
});
