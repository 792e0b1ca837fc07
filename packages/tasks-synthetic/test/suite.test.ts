import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '@deconattn/hybrid/node';
import '@deconattn/attention-standard';
import '@deconattn/attention-relaxed';
import { renderAccuracyHeatmap, runSyntheticSuite, suiteHeatmap, suiteModels, validateSuiteConfig, viridis, type SuiteEvent, type SyntheticSuiteConfig } from '../src/index.js';

beforeAll(async () => {
  await useBackend('wasm');
});

const config: SyntheticSuiteConfig = {
  tasks: [{ task: 'mqar', rungs: ['r0'] }],
  mixers: ['mlp'],
  configurations: ['uniform', 'hybrid'],
  skips: ['mixer'],
  seeds: [0, 1],
  lrGrid: { standard: [3e-3], mlp: [1e-3, 3e-3] },
  model: { hiddenSize: 16, intermediateSize: 32, numLayers: 2, numHeads: 2 },
  train: { steps: 3, batchSize: 8 },
  sizes: { train: 32, val: 16, test: 16 },
};

describe('synthetic suite', () => {
  it('runs the grid with progress, writes each cell, and reuses them when run again', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'synthetic-suite-'));
    const events: SuiteEvent[] = [];
    const r = await runSyntheticSuite(config, { outDir: out, onEvent: (e) => events.push(e) });
    // standard, uniform mlp, hybrid mlp at two seeds; mlp tries two learning rates.
    expect(events[0]).toEqual({ kind: 'start', cells: 6, trainings: 2 * (1 + 2 + 2) });
    expect(events.filter((e) => e.kind === 'trial-done').length).toBe(10);
    expect(events.filter((e) => e.kind === 'step').length).toBeGreaterThan(0);
    expect(r.cells.length).toBe(6);
    expect(fs.existsSync(path.join(out, 'cells', 'mqar', 'r0', 'hybrid-mlp', 'seed-1.json'))).toBe(true);
    const hybrid = r.summary.filter((s) => s.model === 'hybrid-mlp').map((s) => s.label);
    expect(hybrid).toEqual(['hybrid mlp', 'hybrid mlp · skip mixer']);
    const std = r.summary.find((s) => s.model === 'standard')!;
    expect(std.accuracy!.n).toBe(2);
    expect(std.accuracy!.lo).not.toBeNull();
    expect(r.claims.map((c) => c.id)).toEqual(['mlp-far-below', 'non-approximate-fails', 'uniform-between', 'hybrid-close', 'skip-collapses']);
    expect(r.claims.find((c) => c.id === 'non-approximate-fails')!.verdict).toBeNull();
    expect(r.efficiency.find((e) => e.model === 'uniform-mlp')!.decodingState.perToken).toBe(0);
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);

    const again: SuiteEvent[] = [];
    const r2 = await runSyntheticSuite(config, { outDir: out, onEvent: (e) => again.push(e) });
    expect(again.filter((e) => e.kind === 'cell-reused').length).toBe(6);
    expect(again.some((e) => e.kind === 'trial-start')).toBe(false);
    expect(r2.summary).toEqual(r.summary);

    // A cell file torn by a kill is redone; the others are reused.
    fs.writeFileSync(path.join(out, 'cells', 'mqar', 'r0', 'standard', 'seed-0.json'), '{"task":');
    const third: SuiteEvent[] = [];
    await runSyntheticSuite(config, { outDir: out, onEvent: (e) => third.push(e) });
    expect(third.filter((e) => e.kind === 'cell-reused').length).toBe(5);

    await expect(runSyntheticSuite({ ...config, train: { steps: 4, batchSize: 8 } }, { outDir: out })).rejects.toThrow(/holds synthetic cells trained with other settings/);
    fs.rmSync(out, { recursive: true, force: true });
  });

  it('checks its configuration before running anything', () => {
    expect(() => validateSuiteConfig({ ...config, configurations: ['hybird'] })).toThrow(/Unknown configuration 'hybird'. Did you mean 'hybrid'\?/);
    expect(() => validateSuiteConfig({ ...config, tasks: [{ task: 'mqar', rungs: ['r7'] }] })).toThrow(/no rung 'r7'/);
    expect(() => validateSuiteConfig({ ...config, seeds: [] })).toThrow(/'seeds' must list integer seeds/);
    expect(() => validateSuiteConfig({ ...config, lrGrid: { standard: [1e-3] } })).toThrow(/no learning rates for 'mlp'/);
    expect(suiteModels({ ...config, configurations: ['uniform', '25%'] }).map((m) => m.id)).toEqual(['standard', 'uniform-mlp', '25pct-mlp']);
  });
});

describe('accuracy heatmap', () => {
  const input = {
    title: 'MQAR <tiny>',
    rows: ['standard', 'hybrid mlp'],
    columns: ['mqar r0', 'mqar r1'],
    cells: [
      { row: 'standard', column: 'mqar r0', mean: 0.987, lo: 0.97, hi: 1.0, n: 3 },
      { row: 'hybrid mlp', column: 'mqar r0', mean: 0.5, lo: null, hi: null, n: 1 },
      { row: 'hybrid mlp', column: 'mqar r1', mean: null, lo: null, hi: null, n: 0, note: 'diverged' },
    ],
    baselines: [{ column: 'mqar r0', random: 1 / 16, majority: 0.07 }],
  };

  it('draws every cell with its mean and interval, escapes labels, and needs nothing from the network', () => {
    const svg = renderAccuracyHeatmap(input);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
    expect(svg).toContain('98.7');
    expect(svg).toContain('[97.0, 100.0]');
    expect(svg).toContain('one seed');
    expect(svg).toContain('diverged');
    expect(svg).toContain('not run');
    expect(svg).toContain('6.3'); // chance 1/16
    expect(svg).toContain('MQAR &lt;tiny&gt;');
    expect(svg).not.toMatch(/<script|href=|url\((?!#)/);
    // Balanced elements: every opened text/title/svg closes.
    for (const tag of ['text', 'title', 'svg', 'defs', 'linearGradient']) expect(svg.split(`<${tag}`).length, tag).toBe(svg.split(`</${tag}>`).length);
    expect(renderAccuracyHeatmap(input)).toBe(svg);
  });

  it('colours on viridis from 0 to 1 and rejects cells outside the grid', () => {
    expect(viridis(0)).toBe('#440154');
    expect(viridis(1)).toBe('#fde725');
    expect(viridis(0.5)).toBe('#21918c');
    expect(() => renderAccuracyHeatmap({ ...input, cells: [{ row: 'x', column: 'mqar r0', mean: 1, lo: null, hi: null, n: 1 }] })).toThrow(/names a row or column that is not listed/);
  });

  it('is built from suite results', async () => {
    const r = await runSyntheticSuite({ ...config, seeds: [0], mixers: [], configurations: [] });
    const h = suiteHeatmap(r);
    expect(h.rows).toEqual(['standard']);
    expect(h.columns).toEqual(['mqar r0']);
    expect(h.baselines![0]!.random).toBeCloseTo(1 / 16, 12);
    expect(renderAccuracyHeatmap(h)).toContain('standard');
  });
});
