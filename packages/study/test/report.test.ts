import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderAnalysisReport, renderStudyReport, renderTable1 } from '../src/report/index.js';
import { formatParameters, formatPercent, formatPerplexity } from '../src/report/format.js';
import { CELL_BUDGET, downsampleMap, heatmapSide } from '../src/report/heatmap.js';
import { studySeries } from '../src/report/series.js';
import type { StudyResults } from '../src/study/types.js';
import { FIXTURE, makeStudyResults } from './fixtures/study-results.js';

// The report as a person sees it: Markdown Table 1, and the HTML opened in Debian's chromium
// (installed by .ci/run). Screenshots land in OUT for a human look.
const OUT = path.join(os.tmpdir(), 'deconattn-report-test');
const CHROMIUM = '/usr/bin/chromium';

let results: StudyResults;
let studyHtml: string;
let analysisHtml: string;

beforeAll(async () => {
  results = makeStudyResults();
  studyHtml = await renderStudyReport(results);
  const hybrid = results.runs.find((r) => r.id === 'hybrid-rnd-emb-qk')!;
  analysisHtml = await renderAnalysisReport(hybrid.analysis!, { model: 'runs/hybrid-rnd-emb-qk', layers: hybrid.layers, plan: hybrid.plan });
  fs.mkdirSync(OUT, { recursive: true });
  fs.writeFileSync(path.join(OUT, 'report.html'), studyHtml);
  fs.writeFileSync(path.join(OUT, 'analysis.html'), analysisHtml);
});

describe('renderTable1 (Markdown)', () => {
  const parse = (md: string) =>
    md
      .split('\n')
      .filter((l) => l.startsWith('|'))
      .map((l) => l.slice(1, -1).split(/(?<!\\)\|/).map((c) => c.trim()));

  it("has the paper's columns in its order, then the other tasks, the average and the PPL columns", () => {
    const [header, sep] = parse(renderTable1(results));
    expect(header).toEqual(['model', 'ARC-E', 'BoolQ', 'PIQA', 'SciQ', 'HSwag', 'wic', 'Avg', 'Held-out PPL', 'Wiki PPL', 'LAMB PPL', 'Params', 'Status']);
    // Numbers right-aligned, names left.
    expect(sep![0]).toMatch(/^-+$/);
    expect(sep![1]).toMatch(/^-+:$/);
    expect(sep![12]).toMatch(/^-+$/);
  });

  it('orders rows by group and the paper mixer order, bolding each group word once', () => {
    const rows = parse(renderTable1(results)).slice(2);
    expect(rows.map((r) => r[0])).toEqual(['standard', '**uniform** mlp', 'uniform non-approximate', 'uniform rnd-emb-qk', '**hybrid** mlp', 'hybrid rnd-emb-qk', '**hybrid-skip** rnd-emb-qk']);
  });

  it('formats like the paper: % with one decimal, PPL with one decimal or E-notation above 1e4', () => {
    const md = renderTable1(results);
    const rows = parse(md).slice(2);
    const std = rows[0]!;
    // arc_easy 0.31 → 31.0; average of six accuracies; held-out PPL = exp(4.1).
    expect(std.slice(1, 9)).toEqual(['31.0', '60.0', '55.0', '40.0', '27.0', '50.0', '43.8', Math.exp(4.1).toFixed(1)]);
    expect(std.slice(9)).toEqual(['812.3', '1534.2', '1.235M', 'ok']);
    const skip = rows[6]!;
    expect(skip.slice(8, 11)).toEqual(['2E+5', '2E+5', '5E+6']);
    expect(rows[3]![10]).toBe('2E+4');
    expect(formatPerplexity(10000)).toBe('10000.0');
    expect(formatPerplexity(19578.1)).toBe('2E+4');
    expect(formatPerplexity(Infinity)).toBe('inf');
    expect(formatPerplexity(NaN)).toBe('NaN');
    expect(formatPercent(0.4156)).toBe('41.6');
    expect(formatParameters(1_230_016)).toBe('1.230M');
  });

  it('shows a diverged run plainly, with dashes for what was not measured and its error below', () => {
    const md = renderTable1(results);
    const row = parse(md).find((r) => r[0] === 'uniform non-approximate')!;
    expect(row.slice(1, 11)).toEqual(Array(10).fill('–'));
    expect(row[12]).toBe('diverged');
    expect(md).toContain('- uniform non-approximate: diverged — Training diverged: the loss at step 70 is NaN.');
    expect(md).toContain('- hybrid-skip rnd-emb-qk: hybrid rnd-emb-qk evaluated with its relaxed layers skipped (mixer).');
    // A task a run could not be evaluated on: a dash in its row, the reason below.
    expect(parse(md).find((r) => r[0] === '**uniform** mlp')![10]).toBe('–');
    expect(md).toContain('- lambada_openai not evaluated for uniform mlp: a continuation is longer than the model context (128 tokens)');
  });

  it('leaves out columns no run measured and keeps LAMBADA accuracy in its own column', () => {
    const r = makeStudyResults();
    for (const run of r.runs) {
      if (!run.metrics) continue;
      delete run.metrics.wikitext;
      // The study runner's convention: lambada_openai holds perplexity, lambada_openai_acc accuracy.
      run.metrics.tasks = { copa: { metric: 'acc', value: 0.6, stderr: null, n: 10 }, lambada_openai_acc: { metric: 'acc', value: 0.031, stderr: null, n: 10 } };
      run.metrics.nluAverage = 0.6;
    }
    const [header, , std] = parse(renderTable1(r));
    expect(header).toEqual(['model', 'COPA', 'Avg', 'Held-out PPL', 'LAMB acc', 'Params', 'Status']);
    expect(std).toEqual(['standard', '60.0', '60.0', Math.exp(4.1).toFixed(1), '3.1', '1.235M', 'ok']);
  });
});

describe('placement runs (the ablation)', () => {
  const withPlacements = () => {
    const r = makeStudyResults();
    const hybrid = r.runs.find((x) => x.id === 'hybrid-rnd-emb-qk')!;
    const placement = (id: string, label: string, mixer: string, preset: 'bilateral' | 'first') => ({ ...hybrid, id, label, mixer, placement: preset, group: 'placement' as const, plan: { preset, mixer } });
    // Listed first on purpose: placements go last, in the order the study ran them.
    r.runs.unshift(placement('bilateral-rnd-emb-qk', 'bilateral rnd-emb-qk', 'rnd-emb-qk', 'bilateral'), placement('bilateral-mlp', 'bilateral mlp', 'mlp', 'bilateral'), placement('first-rnd-emb-qk', 'first rnd-emb-qk', 'rnd-emb-qk', 'first'));
    return r;
  };

  it('come last in study order, each placement word bold once', () => {
    const rows = renderTable1(withPlacements()).split('\n').filter((l) => l.startsWith('| ')).slice(1).map((l) => l.split('|')[1]!.trim());
    expect(rows.slice(-4)).toEqual(['**hybrid-skip** rnd-emb-qk', '**bilateral** rnd-emb-qk', 'bilateral mlp', '**first** rnd-emb-qk']);
  });

  it('every run gets its own colour, standard near-black, used in the table and the charts', async () => {
    const r = withPlacements();
    const series = studySeries(r);
    const colours = series.map((x) => x.color);
    expect(new Set(colours).size).toBe(series.length);
    expect(series.find((x) => x.id === 'standard')!.color).toBe('#222222');
    const html = await renderStudyReport(r);
    const ids = [...html.matchAll(/data-chart="([^"]+)"/g)].map((m) => m[1]);
    expect(ids).toEqual(expect.arrayContaining(['curves-placement', 'indicators-placement', 'logits-placement']));
    for (const x of series) {
      expect(html).toContain(`<span class="swatch" style="background:${x.color}">`);
      // Vega writes the legend symbol in the run's colour.
      if (x.run?.train) expect(html.toLowerCase()).toContain(`stroke="${x.color}"`);
    }
  });
});

describe('heatmap downsampling', () => {
  it('shrinks large maps keeping each row\'s attention mass, and keeps small ones', () => {
    const L = 128;
    const identity = new Float64Array(L * L);
    const sink = new Float64Array(L * L);
    for (let i = 0; i < L; i++) {
      identity[i * L + i] = 1;
      sink[i * L] = 1;
    }
    const d = downsampleMap(identity, L, 64);
    expect(d.length).toBe(64 * 64);
    // Each 2×2 diagonal block holds both rows' whole mass; off-diagonal blocks none.
    expect(d[0]).toBeCloseTo(1);
    expect(d[63 * 64 + 63]).toBeCloseTo(1);
    expect(d[1]).toBe(0);
    // Uneven blocks (128 → 48): a sink stays 1 in the first column, every row sums to 1.
    const s = downsampleMap(sink, L, 48);
    for (let i = 0; i < 48; i++) {
      expect(s[i * 48]).toBeCloseTo(1);
      expect(s.subarray(i * 48, (i + 1) * 48).reduce((a, b) => a + b, 0)).toBeCloseTo(1);
    }
    expect(Array.from(downsampleMap([1, 0, 0.5, 0.5], 2, 64))).toEqual([1, 0, 0.5, 0.5]);
  });

  it('draws at most 64×64 and shrinks further to stay within the cell budget', () => {
    const series = studySeries(makeStudyResults());
    expect(heatmapSide(series)).toBe(FIXTURE.length);
    const big = series.map((s) => ({ ...s, analysis: s.analysis && { ...s.analysis, length: 256, sampleMaps: s.analysis.sampleMaps.map((m) => m && m.map(() => [0])) } }));
    expect(heatmapSide(big.slice(0, 1))).toBe(64);
    // Three times the fixture's 32 maps, of 256 tokens: 96 × 64·65/2 cells would exceed the budget.
    const many = [...big, ...big, ...big];
    const side = heatmapSide(many);
    expect(side).toBeLessThan(64);
    expect(96 * ((side * (side + 1)) / 2)).toBeLessThanOrEqual(CELL_BUDGET);
  });
});

describe('HTML reports', () => {
  const selfContained = (html: string) => {
    expect(html).not.toMatch(/<(?:script|img|iframe|link)[^>]*\s(?:src|href)\s*=\s*["']?(?:https?:)?\/\//i);
    expect(html).not.toMatch(/<script[^>]*\ssrc\s*=/i);
    expect(html).not.toMatch(/<link[^>]*rel=["']?stylesheet/i);
    expect(html).not.toMatch(/\s(?:src|href)\s*=\s*["']https?:/i);
    expect(html).not.toMatch(/@import|url\(\s*["']?https?:/i);
  };

  it('are single self-contained files of a reasonable size', () => {
    selfContained(studyHtml);
    selfContained(analysisHtml);
    expect(studyHtml.length).toBeLessThan(3_000_000);
  });

  it('hold the config, the verdicts in words, Table 1 and one figure per chart', () => {
    for (const text of ['preset', 'tiny', 'wasm', '1234', 'abc1234', '12 min 34 s', '2025-01-01']) expect(studyHtml).toContain(text);
    expect(studyHtml.match(/class="verdict">Holds:/g)).toHaveLength(3);
    expect(studyHtml.match(/class="verdict">Does not hold:/g)).toHaveLength(1);
    expect(studyHtml.match(/class="verdict">Not measured:/g)).toHaveLength(1);
    expect(studyHtml).toContain('<table class="results">');
    expect(studyHtml.match(/<tr data-run=/g)).toHaveLength(results.runs.length);
    const charts = [...studyHtml.matchAll(/data-chart="([^"]+)"/g)].map((m) => m[1]);
    // overview; curves: uniform, hybrid (skip runs are not trained); indicators and logit
    // histograms: uniform, hybrid, hybrid-skip; the logit range; maps: standard, uniform
    // rnd-emb-qk, hybrid mlp, hybrid rnd-emb-qk (uniform mlp has no map, the diverged run no analysis).
    expect(charts).toEqual([
      'overview',
      'curves-uniform', 'curves-hybrid',
      'indicators-uniform', 'indicators-hybrid', 'indicators-hybrid-skip',
      'logit-range', 'logits-uniform', 'logits-hybrid', 'logits-hybrid-skip',
      'heatmap-standard', 'heatmap-uniform-rnd-emb-qk', 'heatmap-hybrid-mlp', 'heatmap-hybrid-rnd-emb-qk',
    ]);
    expect(studyHtml).toContain(`data-charts="${charts.length}"`);
    const analysisCharts = [...analysisHtml.matchAll(/data-chart="([^"]+)"/g)].map((m) => m[1]);
    expect(analysisCharts).toEqual(['indicators', 'logit-range', 'logits', 'heatmap-model']);
  });

  it('say so instead of drawing empty charts for a model without attention maps', async () => {
    const mlp = results.runs.find((r) => r.id === 'uniform-mlp')!;
    const html = await renderAnalysisReport(mlp.analysis!, { model: 'runs/uniform-mlp', layers: mlp.layers, plan: mlp.plan });
    expect(html).toContain('data-charts="0"');
    expect(html).toContain('no layer of this model has an attention map');
    expect(html).toContain('uniform:mlp');
  });
});

describe('a study where nothing was measured', () => {
  it('still renders: the failure in the table, no empty charts', async () => {
    const r = makeStudyResults();
    r.runs = [{ ...r.runs[0]!, status: 'failed', error: 'Out of memory', train: undefined, metrics: undefined, analysis: undefined }];
    r.pattern = [];
    const md = renderTable1(r);
    expect(md.split('\n')[0]).toMatch(/^\| model +\| Held-out PPL \| Params +\| Status +\|$/);
    expect(md).toContain('| standard | ');
    expect(md).toContain('- standard: failed — Out of memory');
    const html = await renderStudyReport(r);
    expect(html).toContain('data-charts="0"');
    expect(html).toContain('Out of memory');
    expect(html).toContain('no run of this study measured it');
  });
});

describe('HTML reports in headless Chromium', () => {
  let context: BrowserContext;
  let userDataDir: string;

  beforeAll(async () => {
    if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (apt-get install -y chromium; .ci/run does).`);
    userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'deconattn-chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
      viewport: { width: 1280, height: 900 },
    });
  });

  afterAll(async () => {
    await context?.close();
    if (userDataDir) fs.rmSync(userDataDir, { recursive: true, force: true });
  });

  /** Opens a report from disk; returns what the page logged, requested and rendered. */
  const open = async (file: string, screenshot: string) => {
    const page = await context.newPage();
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())));
    page.on('pageerror', (e) => void errors.push(String(e)));
    page.on('request', (r) => void (r.url().startsWith('file:') || requests.push(r.url())));
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    const charts = await page.evaluate(() =>
      [...document.querySelectorAll('figure[data-chart]')].map((f) => {
        const svg = f.querySelector('.plot > svg');
        const box = svg?.getBoundingClientRect();
        return { id: f.getAttribute('data-chart'), width: box?.width ?? 0, height: box?.height ?? 0, marks: svg?.querySelectorAll('path, rect, line, text').length ?? 0 };
      }),
    );
    const declared = Number(await page.evaluate(() => document.body.dataset['charts']));
    await page.screenshot({ path: path.join(OUT, screenshot), fullPage: true });
    await page.close();
    return { errors, requests, charts, declared };
  };

  it('the study report loads offline with no errors and every chart drawn', async () => {
    const r = await open(path.join(OUT, 'report.html'), 'report.png');
    expect(r.errors).toEqual([]);
    expect(r.requests).toEqual([]);
    expect(r.charts.length).toBe(r.declared);
    expect(r.charts.length).toBe(14);
    for (const c of r.charts) {
      expect(c.width, c.id!).toBeGreaterThan(100);
      expect(c.height, c.id!).toBeGreaterThan(50);
      expect(c.marks, c.id!).toBeGreaterThan(20);
    }
    expect(fs.statSync(path.join(OUT, 'report.png')).size).toBeGreaterThan(10_000);
  });

  it('the analysis report too', async () => {
    const r = await open(path.join(OUT, 'analysis.html'), 'analysis.png');
    expect(r.errors).toEqual([]);
    expect(r.requests).toEqual([]);
    expect(r.charts.length).toBe(r.declared);
    expect(r.charts.length).toBe(4);
    for (const c of r.charts) expect(c.width * c.height, c.id!).toBeGreaterThan(5000);
  });
});
