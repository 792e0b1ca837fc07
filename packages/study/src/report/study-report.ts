import type { PatternCheck, StudyResults } from '../study/types.js';
import { curvesChart } from './curves.js';
import { escapeHtml, formatDuration } from './format.js';
import { heatmapChart, heatmapSide } from './heatmap.js';
import { table1Html } from './html-table.js';
import { indicatorChart } from './indicator-charts.js';
import { logitHistogramChart, logitRangeChart } from './logit-charts.js';
import { overviewChart } from './overview.js';
import { configList, figure, page, type PageSection } from './page.js';
import { comparisons, studySeries, type Series } from './series.js';
import type { Chart } from './vega.js';
import { claimsHtml, rankCorrelationHtml } from './claims-html.js';
import { syntheticHtml } from './synthetic-html.js';

function verdict(p: PatternCheck): { cls: string; word: string } {
  if (p.holds === true) return { cls: 'holds', word: 'Holds' };
  if (p.holds === false) return { cls: 'fails', word: 'Does not hold' };
  return { cls: 'na', word: 'Not measured' };
}

function patternHtml(pattern: PatternCheck[]): string {
  if (!pattern.length) return '<p>The study checked no part of the pattern.</p>';
  const holds = pattern.filter((p) => p.holds === true).length;
  const fails = pattern.filter((p) => p.holds === false).length;
  const na = pattern.length - holds - fails;
  const items = pattern.map((p) => {
    const v = verdict(p);
    return `<li class="${v.cls}"><span class="verdict">${v.word}:</span>${escapeHtml(p.claim)}<span class="evidence">${escapeHtml(p.evidence)}</span></li>`;
  });
  return `<p>The paper's qualitative pattern as point estimates on the first seed's held-out perplexity (the verdicts with their uncertainty are above): <b>${holds} of ${pattern.length} hold</b>${fails ? `, ${fails} do not` : ''}${na ? `, ${na} not measured (the runs needed were not part of this study)` : ''}.</p>
<ul class="pattern">${items.join('\n')}</ul>`;
}

/** The runs whose attention maps are drawn: standard, each uniform and each hybrid with a map. */
function heatmapRuns(series: Series[]): Series[] {
  return series.filter((s) => ['baseline', 'uniform', 'hybrid'].includes(s.group) && s.analysis?.sampleMaps.some((m) => m && m.length));
}

/**
 * The study's report for people: one self-contained HTML file (inline CSS and SVG, no script, no
 * network) with the pattern verdicts, Table 1, loss curves, attention indicators, logit
 * distributions and attention maps. Charts are Vega-Lite specs rendered to SVG in Node.
 */
export async function renderStudyReport(results: StudyResults): Promise<string> {
  // The charts draw one model once: its run at the study's first seed.
  const firstSeed = results.config.seed;
  const series = studySeries({ ...results, runs: results.runs.filter((r) => (r.seed ?? firstSeed) === firstSeed) });
  const groups = comparisons(series);
  const sections: { id: string; title: string; intro: string; charts: Chart[]; html?: string }[] = [];
  const overview = overviewChart(series);
  const suites = results.config.suites ?? ['lm'];
  if (results.claims) sections.push({ id: 'claims', title: "The paper's five findings, with their uncertainty", intro: claimsHtml(results), charts: [] });
  if (suites.includes('lm')) sections.push({ id: 'pattern', title: "Does the paper's pattern hold here?", intro: patternHtml(results.pattern), charts: overview ? [overview] : [] });
  if (results.synthetic || suites.includes('synthetic')) sections.push({ id: 'synthetic', title: 'Synthetic recall tasks', intro: syntheticHtml(results.synthetic), charts: [] });
  const seeds = results.config.seeds?.length ?? 1;
  const seedNote = seeds > 1 ? `<p>Every figure is the mean over ${seeds} seeds with its 95 % t interval in brackets (perplexities: exp of the mean loss and of its interval); the charts below show the first seed (${firstSeed}).</p>` : '';
  if (suites.includes('lm')) sections.push({ id: 'results', title: 'Results (Table 1)', intro: rankCorrelationHtml(results.rankCorrelation) + seedNote, charts: [], html: table1Html(results, series) });
  sections.push({
    id: 'curves',
    title: 'Training',
    intro: '<p>Loss against step, one chart per comparison. Every run saw the same data in the same order from the same seed.</p>',
    charts: groups.map(curvesChart).filter((c): c is Chart => !!c),
  });
  sections.push({
    id: 'indicators',
    title: 'Attention indicators per layer',
    intro: '<p>How each layer attends (docs/model.md §5, the paper\'s radar plots drawn as lines over layers): one chart per comparison, standard included in each for reference.</p>',
    charts: groups.map((g) => indicatorChart(`indicators-${g.key}`, `Indicators — ${g.title}`, g.series)).filter((c): c is Chart => !!c),
  });
  const range = logitRangeChart('logit-range', groups);
  sections.push({
    id: 'logits',
    title: 'Pre-softmax logits',
    intro: "<p>The paper's explanation of why hybrids work: their attention logits stay small, while uniform non-approximate lets them grow past 10³.</p>",
    charts: [...(range ? [range] : []), ...groups.map((g) => logitHistogramChart(`logits-${g.key}`, `Logit distributions — ${g.title}`, g.series)).filter((c): c is Chart => !!c)],
  });
  const mapped = heatmapRuns(series);
  const side = heatmapSide(mapped);
  const notDrawn = series.filter((s) => !mapped.includes(s)).map((s) => s.label);
  sections.push({
    id: 'maps',
    title: 'Attention maps',
    intro: `<p>The attention weights of one sample sequence, for standard and every uniform and hybrid run that has an attention map.${notDrawn.length ? ` Not drawn: ${escapeHtml(notDrawn.join(', '))} (no map, or skip and placement runs).` : ''}</p>`,
    charts: mapped.map((s) => heatmapChart(s, side)).filter((c): c is Chart => !!c),
  });

  let count = 0;
  const rendered: PageSection[] = [];
  const lmOnly = ['curves', 'indicators', 'logits', 'maps'];
  for (const s of sections.filter((x) => suites.includes('lm') || !lmOnly.includes(x.id))) {
    const figures: string[] = [];
    for (const c of s.charts) figures.push(await figure(c));
    count += figures.length;
    const empty = !s.charts.length && !s.html && !['pattern', 'claims', 'synthetic'].includes(s.id) ? '<p><i>Nothing to show: no run of this study measured it.</i></p>' : '';
    rendered.push({ id: s.id, title: s.title, html: [s.intro, s.html ?? '', ...figures, empty].join('\n') });
  }

  const c = results.config;
  const statuses = ['ok', 'diverged', 'failed'].map((st) => [st, results.runs.filter((r) => r.status === st).length] as const).filter(([, n]) => n).map(([st, n]) => `${n} ${st}`);
  const header = configList([
    ['preset', c.preset],
    ['steps', String(c.steps)],
    ['backend', c.backend],
    ['seed', c.seeds && c.seeds.length > 1 ? `${c.seeds.join(', ')} (every model at each)` : String(c.seed)],
    ['suites', (c.suites ?? ['lm']).join(', ')],
    ['date', c.date],
    ['git commit', c.gitHash],
    ['duration', formatDuration(results.durationSec)],
    ['runs', `${results.runs.length} (${statuses.join(', ')})`],
    ['mixers', c.mixers.join(', ')],
    ['configs', c.configs.join(', ')],
    ['placements', c.placements.length ? c.placements.join(', ') : undefined],
    ['zero-shot tasks', c.tasks.length ? `${c.tasks.join(', ')} (≤ ${c.limit} documents each)` : 'none'],
    ['WikiText', c.wikitextDocs ? `${c.wikitextDocs} documents` : undefined],
    ['analysis', `${c.analysisSequences} sequence(s)`],
  ]);
  const versions = Object.entries(c.versions).map(([k, v]) => `${escapeHtml(k)} ${escapeHtml(v)}`).join(' · ');
  return page({
    title: 'deconattn study: does relaxed attention train like softmax attention?',
    lead: `Standard attention against ${c.mixers.length} relaxed mixer(s) (${c.configs.join(', ')}), a small-scale reproduction of "Deconstructing Attention" (arXiv 2510.11602) on this machine. Only what was measured is reported.`,
    header,
    sections: rendered,
    charts: count,
    footer: `Generated by deconattn from results.json (format ${escapeHtml(results.format)}).${versions ? ` Versions: ${versions}.` : ''}`,
  });
}
