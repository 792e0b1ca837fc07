import type { ModelAnalysis } from '@deconattn/hybrid';
import type { RunGroup, StudyResults, StudyRun } from '../study/types.js';
import { runColors } from './colors.js';
import { orderRuns } from './table-model.js';

/**
 * What the charts draw: one series per model (a run of the study, or the single model of
 * `deconattn analyze`), with the colour it keeps across the whole report.
 */
export interface Series {
  id: string;
  label: string;
  color: string;
  group: RunGroup;
  layers: string[];
  analysis?: ModelAnalysis;
  run?: StudyRun;
}

/** A set of models shown together: the baseline and one row group of Table 1. */
export interface Comparison {
  key: RunGroup;
  title: string;
  /** For facet headers: "standard + uniform". */
  short: string;
  series: Series[];
}

const COMPARISON_TITLES: Partial<Record<RunGroup, string>> = {
  uniform: 'Uniform: every layer relaxed',
  hybrid: 'Hybrid: relaxed and standard layers alternate',
  'hybrid-skip': 'Hybrid-skip: the hybrids evaluated without their relaxed layers',
  placement: 'Placement: where the standard layers sit',
};

export function studySeries(results: StudyResults): Series[] {
  const runs = orderRuns(results.runs);
  const colors = runColors(runs);
  return runs.map((run) => ({ id: run.id, label: run.label, color: colors.get(run.id)!, group: run.group, layers: run.layers, analysis: run.analysis, run }));
}

/** Each non-baseline group with the baseline runs in front (groups without runs are left out). */
export function comparisons(series: Series[]): Comparison[] {
  const baseline = series.filter((s) => s.group === 'baseline');
  const out: Comparison[] = [];
  for (const key of ['uniform', 'hybrid', 'hybrid-skip', 'placement'] as const) {
    const members = series.filter((s) => s.group === key);
    if (members.length) out.push({ key, title: COMPARISON_TITLES[key]!, short: baseline.length ? `standard + ${key}` : key, series: [...baseline, ...members] });
  }
  return out;
}

/** The Vega-Lite colour scale that pins each label to its series' colour. */
export function colorScale(series: Series[]): { domain: string[]; range: string[] } {
  return { domain: series.map((s) => s.label), range: series.map((s) => s.color) };
}

/** Powers of ten spanning [lo, hi]: tick values for a log axis (Vega's defaults crowd it). */
export function decades(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let p = Math.floor(Math.log10(lo)); p <= Math.ceil(Math.log10(hi)); p++) out.push(10 ** p);
  return out;
}
