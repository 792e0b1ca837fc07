import { describe, expect, it } from 'vitest';
import { judgeLmClaims } from '../src/study/lm-claims.js';
import { summarizeRuns } from '../src/study/summary.js';
import { overallVerdict, studyClaims } from '../src/study/claims.js';
import { paperRankCorrelation } from '../src/study/rank-correlation.js';
import { PAPER_WIKITEXT_PPL } from '../src/paper/table1.js';
import { buildTable1 } from '../src/report/table-model.js';
import type { StudyResults, StudyRun } from '../src/study/types.js';

const T975 = { 1: 12.706204736174707, 2: 4.302652729749464 }; // Student-t quantiles (tables)

function run(id: string, group: StudyRun['group'], mixer: string, seed: number, loss: number, extra: Partial<StudyRun> = {}): StudyRun {
  return {
    id, label: id.replace(/-/, ' '), group, mixer, placement: group, plan: { preset: 'uniform', mixer }, layers: [], parameters: 1000, status: 'ok', seed,
    metrics: { valLoss: loss, valPerplexity: Math.exp(loss), tasks: { copa: { metric: 'acc', value: 0.5 + seed / 100, stderr: 0.05, n: 100 } }, nluAverage: 0.5 + seed / 100 },
    durations: { trainSec: 0, evalSec: 0 }, ...extra,
  };
}

/** Three seeds of a small study whose losses are chosen so that every verdict is computable by hand. */
function threeSeeds(): StudyRun[] {
  const out: StudyRun[] = [];
  const losses: Record<string, number[]> = {
    standard: [2.0, 2.1, 2.05],
    'uniform-mlp': [2.5, 2.7, 2.6], // − standard: 0.5, 0.6, 0.55
    'uniform-approximate': [2.2, 2.35, 2.35], // − standard: 0.2, 0.25, 0.3; mlp − it: 0.3, 0.35, 0.25
    'hybrid-mlp': [2.01, 2.12, 2.08], // − standard: 0.01, 0.02, 0.03
    'hybrid-mlp-skip': [2.11, 2.32, 2.23], // − hybrid: 0.1, 0.2, 0.15
  };
  const group: Record<string, StudyRun['group']> = { standard: 'baseline', 'uniform-mlp': 'uniform', 'uniform-approximate': 'uniform', 'hybrid-mlp': 'hybrid', 'hybrid-mlp-skip': 'hybrid-skip' };
  for (let s = 0; s < 3; s++) {
    for (const [id, l] of Object.entries(losses)) out.push(run(id, group[id]!, id === 'standard' ? 'standard' : id.split('-').slice(1).join('-').replace(/-skip$/, ''), s, l[s]!, id.endsWith('skip') ? { evaluatedFrom: 'hybrid-mlp', skip: 'mixer' } : {}));
    out.push(run('uniform-non-approximate', 'uniform', 'non-approximate', s, NaN, { status: 'diverged', metrics: undefined, error: 'non-finite loss at step 40' }));
  }
  return out;
}

describe('language-model claims with their uncertainty', () => {
  it('reads each finding from the t interval of per-seed loss differences (hand-computed)', () => {
    const claims = judgeLmClaims(threeSeeds(), Math.log(257));
    const byId = Object.fromEntries(claims.map((c) => [c.id, c]));
    // uniform mlp − standard: 0.5, 0.6, 0.55 → mean 0.55, s 0.05, half t₂·s/√3 = 0.12421
    const mlp = byId['mlp-far-below']!.parts[0]!;
    const half = (T975[2] * 0.05) / Math.sqrt(3);
    expect(mlp.interval.estimate).toBeCloseTo(0.55, 12);
    expect(mlp.interval.lo!).toBeCloseTo(0.55 - half, 9);
    expect(mlp.interval.hi!).toBeCloseTo(0.55 + half, 9);
    expect(mlp.verdict).toBe('holds'); // 0.4258 ≥ ln 1.2 = 0.1823
    expect(byId['non-approximate-fails']!.verdict).toBe('holds'); // diverged at every seed
    // approximate − standard ≥ ln 0.98 and mlp − approximate > 0: both hold
    expect(byId['uniform-between']!.verdict).toBe('holds');
    // hybrid − standard: 0.01, 0.02, 0.03 → [0.02 ∓ t₂·0.01/√3] = [−0.0048, 0.0448] ≤ ln 1.1 = 0.0953
    const hy = byId['hybrid-close']!.parts[0]!;
    expect(hy.interval.lo!).toBeCloseTo(0.02 - (T975[2] * 0.01) / Math.sqrt(3), 9);
    expect(hy.verdict).toBe('holds');
    // skip − hybrid: 0.1, 0.2, 0.15 → [0.0258, 0.2742], all below ln 1.5 = 0.4055: the collapse does not hold
    expect(byId['skip-collapses']!.parts[0]!.interval.hi!).toBeCloseTo(0.15 + (T975[2] * 0.05) / Math.sqrt(3), 9);
    expect(byId['skip-collapses']!.verdict).toBe('does not hold');
  });

  it('cannot tell with two seeds where three would settle it, and counts a diverged seed at chance loss', () => {
    const two = threeSeeds().filter((r) => r.seed! < 2);
    // mlp − standard: 0.5, 0.6 → 0.55 ∓ t₁·0.0707/√2 = 0.55 ∓ 0.635: straddles ln 1.2
    const mlp = judgeLmClaims(two, Math.log(257)).find((c) => c.id === 'mlp-far-below')!;
    expect(mlp.parts[0]!.interval.lo!).toBeCloseTo(0.55 - (T975[1] * Math.sqrt(0.005)) / Math.sqrt(2), 9);
    expect(mlp.verdict).toBe('cannot tell');
    // non-approximate trains at seed 0 (loss 2.1) and diverges at seed 1 (counted at ln 257)
    const mixed = two.map((r) => (r.id === 'uniform-non-approximate' && r.seed === 0 ? run('uniform-non-approximate', 'uniform', 'non-approximate', 0, 2.1) : r));
    const na = judgeLmClaims(mixed, Math.log(257)).find((c) => c.id === 'non-approximate-fails')!.parts[0]!;
    expect(na.interval.estimate).toBeCloseTo((2.1 - 2.0 + Math.log(257) - 2.1) / 2, 12);
  });

  it('with one seed, compares the held-out windows pairwise (bootstrap)', () => {
    const w = (base: number) => Array.from({ length: 40 }, (_, i) => base + 0.3 * Math.sin(i));
    const runs = [
      run('standard', 'baseline', 'standard', 0, 2.0, {}),
      run('uniform-mlp', 'uniform', 'mlp', 0, 3.0, {}),
    ];
    runs[0]!.metrics!.valWindowLosses = w(2.0);
    runs[1]!.metrics!.valWindowLosses = w(3.0);
    const c = judgeLmClaims(runs, Math.log(257)).find((x) => x.id === 'mlp-far-below')!;
    // Every window differs by exactly 1: the bootstrap interval is the point 1.
    expect(c.parts[0]!.interval.method).toMatch(/paired bootstrap over 40 items/);
    expect(c.parts[0]!.interval.lo!).toBeCloseTo(1, 9);
    expect(c.verdict).toBe('holds');
  });
});

describe('summary over seeds, the table, and the rank correlation', () => {
  it('means with t intervals per model, perplexity as exp of the loss interval, Wilson with one seed', () => {
    const s = summarizeRuns(threeSeeds());
    const std = s.find((m) => m.id === 'standard')!;
    // losses 2.0, 2.1, 2.05: mean 2.05, s 0.05
    expect(std.valLoss!.estimate).toBeCloseTo(2.05, 12);
    expect(std.valPerplexity!.hi!).toBeCloseTo(Math.exp(2.05 + (T975[2] * 0.05) / Math.sqrt(3)), 9);
    expect(std.tasks.copa!.estimate).toBeCloseTo(0.51, 12);
    expect(s.find((m) => m.id === 'uniform-non-approximate')).toMatchObject({ seeds: 3, notOk: 3, valLoss: null });
    const one = summarizeRuns(threeSeeds().filter((r) => r.seed === 0)).find((m) => m.id === 'standard')!;
    // 50 of 100 correct: Wilson 95 % = [0.4038, 0.5962]
    expect(one.tasks.copa!.lo!).toBeCloseTo(0.4038, 4);
    expect(one.tasks.copa!.hi!).toBeCloseTo(0.5962, 4);
  });

  it('perplexities over seeds are geometric means with positive intervals (the t interval of their logarithm)', () => {
    const wiki = [1e5, 1e6, 1e7];
    const runs = threeSeeds().map((r) => (r.id === 'standard' ? { ...r, metrics: { ...r.metrics!, wikitext: { wordPerplexity: wiki[r.seed!]!, bytePerplexity: 2, bitsPerByte: 1, docs: 2 }, tasks: { ...r.metrics!.tasks, lambada_openai: { metric: 'perplexity', value: wiki[r.seed!]!, stderr: null, n: 50 } } } } : r));
    const std = summarizeRuns(runs).find((m) => m.id === 'standard')!;
    // log10 values 5, 6, 7: mean 6, s = 1 (in log10), so the interval is 10^(6 ∓ t₂/√3)
    const half = (T975[2] * Math.LN10) / Math.sqrt(3);
    for (const i of [std.wikitext!, std.tasks['lambada_openai']!]) {
      expect(i.estimate / 1e6).toBeCloseTo(1, 9); // the arithmetic mean would be 3.7e6
      expect(i.lo! / (1e6 * Math.exp(-half))).toBeCloseTo(1, 7); // an arithmetic t interval goes below zero here
      expect(i.hi! / (1e6 * Math.exp(half))).toBeCloseTo(1, 7);
      expect(i.lo!).toBeGreaterThan(0);
    }
    // One seed: the value itself; a perplexity's stderr becomes a positive interval (delta method on the log)
    const one = summarizeRuns(runs.filter((r) => r.seed === 1).map((r) => (r.id === 'standard' ? { ...r, metrics: { ...r.metrics!, tasks: { lambada_openai: { metric: 'perplexity', value: 100, stderr: 80, n: 50 } } } } : r))).find((m) => m.id === 'standard')!;
    expect(one.wikitext!.estimate).toBe(1e6);
    const l = one.tasks['lambada_openai']!;
    expect(l.lo!).toBeCloseTo(100 * Math.exp(-1.959963984540054 * 0.8), 9); // ± 1.96 × 80 would give [−57, 257]
    expect(l.hi!).toBeCloseTo(100 * Math.exp(1.959963984540054 * 0.8), 9);
  });

  it('the table shows each model once, as its mean [interval] over seeds', () => {
    const runs = threeSeeds();
    const results: StudyResults = {
      format: 'deconattn-study/1',
      config: { preset: 'tiny', steps: 2, seed: 0, seeds: [0, 1, 2], backend: 'wasm', mixers: ['mlp'], configs: ['uniform', 'hybrid', 'skip'], placements: [], tasks: ['copa'], limit: 100, wikitextDocs: 0, analysisSequences: 1, date: '', versions: {} },
      runs,
      pattern: [],
      durationSec: 0,
    };
    const t = buildTable1(results);
    const rows = t.groups.flatMap((g) => g.rows);
    expect(rows.map((r) => r.run.id)).toEqual(['standard', 'uniform-mlp', 'uniform-approximate', 'uniform-non-approximate', 'hybrid-mlp', 'hybrid-mlp-skip']);
    const std = rows[0]!;
    const half = (T975[2] * 0.05) / Math.sqrt(3);
    expect(std.cells['heldout']).toBe(`${Math.exp(2.05).toFixed(1)} [${Math.exp(2.05 - half).toFixed(1)}, ${Math.exp(2.05 + half).toFixed(1)}]`);
    // copa 0.50, 0.51, 0.52: mean 51.0, s 0.01
    const h = (100 * T975[2] * 0.01) / Math.sqrt(3);
    expect(std.cells['task:copa']).toBe(`51.0 [${(51 - h).toFixed(1)}, ${(51 + h).toFixed(1)}]`);
    expect(std.cells['status']).toBe('ok ×3');
    expect(rows[3]!.cells['status']).toBe('diverged ×3');
    expect(t.standardPerplexity).toBeCloseTo(Math.exp(2.05), 9);
  });

  it("ranks the models against the paper's Table 1 (diverged = worst) and combines the suites' verdicts", () => {
    const s = summarizeRuns(threeSeeds());
    const r = paperRankCorrelation(s)!;
    expect(r.models.map((m) => m.id)).toEqual(['standard', 'uniform-mlp', 'uniform-approximate', 'hybrid-mlp', 'hybrid-mlp-skip', 'uniform-non-approximate']);
    expect(r.models.find((m) => m.id === 'uniform-non-approximate')!.ours).toBe(Infinity);
    expect(r.models.find((m) => m.id === 'uniform-mlp')!.paper).toBe(PAPER_WIKITEXT_PPL['uniform-mlp']);
    // ours (mean loss): std 2.05 < hybrid 2.07 < skip 2.22 < approx 2.3 < mlp 2.6 < non-approx ∞ → ranks 1, 5, 4, 2, 3, 6
    // paper: std 38.1, mlp 993.5, approx 47.9, hybrid 45.8, skip 2e5, non-approx 9e4 → ranks 1, 4, 3, 2, 6, 5
    // d = 0, 1, 1, 0, −3, 1: Σd² = 12 → ρ = 1 − 72/210
    expect(r.spearman).toBeCloseTo(1 - 72 / 210, 12);
    expect(r.ours).toBe('held-out perplexity');

    const claims = studyClaims(judgeLmClaims(threeSeeds(), Math.log(257)), [{ id: 'hybrid-close', task: 'mqar', rung: 'r0', claim: '', verdict: 'does not hold', parts: [] }]);
    expect(claims.map((c) => c.id)).toEqual(['mlp-far-below', 'non-approximate-fails', 'uniform-between', 'hybrid-close', 'skip-collapses']);
    expect(overallVerdict(claims.find((c) => c.id === 'hybrid-close')!)).toBe('suites disagree');
    expect(overallVerdict(claims.find((c) => c.id === 'mlp-far-below')!)).toBe('holds');
    expect(overallVerdict(studyClaims(null, null)[0]!)).toBeNull();
  });
});
