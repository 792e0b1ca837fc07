import { paperRank } from '@deconattn/attention-relaxed';
import type { Interval } from '@deconattn/tasks-synthetic';
import type { ModelSummary, RunGroup, StudyResults, StudyRun } from '../study/types.js';
import { runsById, summarizeRuns } from '../study/summary.js';
import { formatParameters, formatPercent, formatPerplexity } from './format.js';

/**
 * The shape of the paper's Table 1, computed once for both the Markdown
 * and the HTML rendering: which columns exist (only those some run measured), the rows in the
 * paper's order, and each cell already formatted.
 */

/** The paper's zero-shot columns, in its order, with its short headers. */
export const PAPER_TASKS: readonly (readonly [task: string, header: string])[] = [
  ['arc_easy', 'ARC-E'],
  ['boolq', 'BoolQ'],
  ['copa', 'COPA'],
  ['piqa', 'PIQA'],
  ['sciq', 'SciQ'],
  ['rte', 'RTE'],
  ['hellaswag', 'HSwag'],
];

/** Row groups in the paper's order; placements (the ablation) last. */
export const GROUP_ORDER: readonly RunGroup[] = ['baseline', 'uniform', 'hybrid', 'hybrid-skip', 'placement'];

export type ColumnKind = 'model' | 'accuracy' | 'perplexity' | 'parameters' | 'status';

export interface Table1Column {
  key: string;
  header: string;
  kind: ColumnKind;
  /** One line saying what the column holds (the HTML header's tooltip, the Markdown legend). */
  title: string;
}

export interface Table1Row {
  /** The model's run at the study's first seed (its label, plan and status). */
  run: StudyRun;
  /** With several seeds: the model over all of them (the cells are its means and intervals). */
  summary?: ModelSummary;
  cells: Record<string, string>;
  /** Raw numbers behind the cells, for the HTML report's comparison with standard. */
  values: Record<string, number | null>;
}

export interface Table1Model {
  columns: Table1Column[];
  groups: { group: RunGroup; rows: Table1Row[] }[];
  /** valPerplexity of the standard run (null when it is missing or has no metrics). */
  standardPerplexity: number | null;
}

/** Metrics whose name says they are perplexity-like (LM tasks go into the PPL columns). */
const isPerplexityMetric = (metric: string) => /perplexity|bits_per_byte/.test(metric);
const isLambada = (task: string) => task.startsWith('lambada');

/** The runs ordered as the table shows them: by group, then by the paper's mixer order. */
export function orderRuns(runs: StudyRun[]): StudyRun[] {
  // The paper's mixer order inside a group; mixers it does not know keep their study order after these.
  const mixerRank = paperRank;
  const indexed = runs.map((run, i) => ({ run, i }));
  indexed.sort((a, b) => {
    const g = GROUP_ORDER.indexOf(a.run.group) - GROUP_ORDER.indexOf(b.run.group);
    if (g) return g;
    // Placements keep the study's order (placement by placement, as the ablation was asked for).
    if (a.run.group === 'placement') return a.i - b.i;
    return mixerRank(a.run.mixer) - mixerRank(b.run.mixer) || a.i - b.i;
  });
  return indexed.map((x) => x.run);
}

/** The accuracy-style tasks measured by any run: paper columns first, then the rest alphabetically. */
function nluTasks(runs: StudyRun[]): string[] {
  const seen = new Set<string>();
  for (const r of runs) for (const [task, score] of Object.entries(r.metrics?.tasks ?? {})) if (!isPerplexityMetric(score.metric) && !isLambada(task)) seen.add(task);
  const paper = PAPER_TASKS.map(([t]) => t).filter((t) => seen.has(t));
  const rest = [...seen].filter((t) => !PAPER_TASKS.some(([p]) => p === t)).sort();
  return [...paper, ...rest];
}

function wikitextPerplexity(run: StudyRun): number | null {
  const m = run.metrics;
  if (!m) return null;
  if (m.wikitext) return m.wikitext.wordPerplexity;
  const t = m.tasks['wikitext'];
  return t && isPerplexityMetric(t.metric) ? t.value : null;
}

/** LAMBADA perplexity and accuracy from whichever lambada task entries the run has. */
function lambada(run: StudyRun): { ppl: number | null; acc: number | null } {
  let ppl: number | null = null;
  let acc: number | null = null;
  for (const [task, score] of Object.entries(run.metrics?.tasks ?? {})) {
    if (!isLambada(task)) continue;
    if (score.metric === 'perplexity') ppl = score.value;
    else if (score.metric === 'acc') acc = score.value;
  }
  return { ppl, acc };
}

/** ok / diverged / failed, as results.json has it (skip runs are ok; their group says skip). */
export function statusText(run: StudyRun): string {
  return run.status;
}

/** A figure over seeds: "41.5 [39.4, 43.6]" (mean and its interval), the mean alone when there is no interval. */
function withInterval(i: Interval | null | undefined, format: (x: number) => string): string {
  if (!i) return '–';
  if (i.lo === null || i.hi === null) return format(i.estimate);
  return `${format(i.estimate)} [${format(i.lo)}, ${format(i.hi)}]`;
}

/** "ok ×3", or "ok 2, diverged 1" when the seeds disagree. */
function seedStatus(runs: StudyRun[]): string {
  const counts = new Map<string, number>();
  for (const r of runs) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
  if (counts.size === 1) return `${runs[0]!.status} ×${runs.length}`;
  return [...counts].map(([st, n]) => `${st} ${n}`).join(', ');
}

/** The runs of the table: one per model (its first seed's run; all of a model's runs when the study has one seed). */
function representatives(results: StudyResults): { runs: StudyRun[]; seeds: Map<string, StudyRun[]> } {
  const seeds = runsById(results.runs);
  const first = results.config.seed;
  return { runs: [...seeds.values()].map((l) => l.find((r) => (r.seed ?? first) === first) ?? l[0]!), seeds };
}

export function buildTable1(results: StudyResults): Table1Model {
  const rep = representatives(results);
  const multiSeed = [...rep.seeds.values()].some((l) => l.length > 1);
  const summaries = multiSeed ? new Map((results.summary ?? summarizeRuns(results.runs)).map((m) => [m.id, m])) : new Map<string, ModelSummary>();
  const runs = orderRuns(rep.runs);
  const tasks = nluTasks(runs);
  const header = (t: string) => PAPER_TASKS.find(([p]) => p === t)?.[1] ?? t;
  const hasWiki = runs.some((r) => wikitextPerplexity(r) !== null);
  const hasLambadaPpl = runs.some((r) => lambada(r).ppl !== null);
  const hasLambadaAcc = runs.some((r) => lambada(r).acc !== null);
  const columns: Table1Column[] = [
    { key: 'model', header: 'model', kind: 'model', title: 'Run: layer plan and relaxed mixer' },
    ...tasks.map((t): Table1Column => ({ key: `task:${t}`, header: header(t), kind: 'accuracy', title: `${t}: zero-shot accuracy, %` })),
  ];
  if (tasks.length) columns.push({ key: 'avg', header: 'Avg', kind: 'accuracy', title: 'NLU average: mean accuracy over the zero-shot tasks, %' });
  columns.push({ key: 'heldout', header: 'Held-out PPL', kind: 'perplexity', title: "Perplexity on the bundled corpus' held-out split (lower is better)" });
  if (hasWiki) columns.push({ key: 'wiki', header: 'Wiki PPL', kind: 'perplexity', title: 'WikiText word perplexity (lower is better)' });
  if (hasLambadaPpl) columns.push({ key: 'lambPpl', header: 'LAMB PPL', kind: 'perplexity', title: 'LAMBADA perplexity of the last word (lower is better)' });
  if (hasLambadaAcc) columns.push({ key: 'lambAcc', header: 'LAMB acc', kind: 'accuracy', title: 'LAMBADA last-word accuracy, %' });
  columns.push({ key: 'params', header: 'Params', kind: 'parameters', title: 'Trainable parameters' });
  columns.push({ key: 'status', header: 'Status', kind: 'status', title: 'ok, diverged (non-finite loss in training) or failed; skip runs evaluate a trained hybrid without its relaxed layers' });

  const rows = runs.map((run): Table1Row => {
    const m = run.metrics;
    const values: Record<string, number | null> = {};
    for (const t of tasks) values[`task:${t}`] = m?.tasks[t]?.value ?? null;
    values['avg'] = m?.nluAverage ?? null;
    values['heldout'] = m ? m.valPerplexity : null;
    values['wiki'] = wikitextPerplexity(run);
    const lamb = lambada(run);
    values['lambPpl'] = lamb.ppl;
    values['lambAcc'] = lamb.acc;
    values['params'] = run.parameters;
    const cells: Record<string, string> = { model: run.label, status: statusText(run), params: formatParameters(run.parameters) };
    for (const c of columns) {
      if (c.kind === 'accuracy') cells[c.key] = formatPercent(values[c.key]);
      else if (c.kind === 'perplexity') cells[c.key] = formatPerplexity(values[c.key]);
    }
    const summary = summaries.get(run.id);
    if (!summary) return { run, cells, values };
    // Several seeds: every figure is the mean over them with its 95 % interval.
    const lambPpl = Object.entries(summary.tasks).find(([t]) => isLambada(t) && rep.seeds.get(run.id)!.some((r) => r.metrics?.tasks[t]?.metric === 'perplexity'));
    const lambAcc = Object.entries(summary.tasks).find(([t]) => isLambada(t) && rep.seeds.get(run.id)!.some((r) => r.metrics?.tasks[t]?.metric === 'acc'));
    const intervals: Record<string, Interval | null | undefined> = {
      avg: summary.nluAverage,
      heldout: summary.valPerplexity,
      wiki: summary.wikitext,
      lambPpl: lambPpl?.[1],
      lambAcc: lambAcc?.[1],
    };
    for (const t of tasks) intervals[`task:${t}`] = summary.tasks[t];
    for (const c of columns) {
      if (!(c.key in intervals)) continue;
      const i = intervals[c.key];
      values[c.key] = i ? i.estimate : null;
      if (c.kind === 'accuracy') cells[c.key] = withInterval(i, (x) => formatPercent(x));
      else if (c.kind === 'perplexity') cells[c.key] = withInterval(i, (x) => formatPerplexity(x));
    }
    cells['status'] = seedStatus(rep.seeds.get(run.id)!);
    return { run, summary, cells, values };
  });
  const groups = GROUP_ORDER.map((group) => ({ group, rows: rows.filter((r) => r.run.group === group) })).filter((g) => g.rows.length);
  const std = rows.find((r) => r.run.group === 'baseline' && r.values['heldout'] !== null && r.values['heldout'] !== undefined);
  return { columns, groups, standardPerplexity: std ? (std.values['heldout'] as number) : null };
}

/** Tasks some runs could not be evaluated on (RunMetrics.skippedTasks), with the runs and the first reason. */
export function skippedTasks(runs: StudyRun[]): Map<string, { runs: string[]; reason: string }> {
  const out = new Map<string, { runs: string[]; reason: string }>();
  for (const run of runs) {
    for (const [task, reason] of Object.entries(run.metrics?.skippedTasks ?? {})) {
      const entry = out.get(task) ?? { runs: [], reason };
      entry.runs.push(run.label);
      out.set(task, entry);
    }
  }
  return out;
}
