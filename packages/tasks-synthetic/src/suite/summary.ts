import type { SkipMode } from '@deconattn/hybrid';
import { itemScores, type CellResult, type LrGridResult } from '../run/cell.js';
import { meanInterval, type Interval } from '../stats/intervals.js';
import type { SeedScore } from '../stats/verdict.js';
import type { SuiteModel } from './config.js';

/** One finished grid cell: a model on a rung at a seed, with its learning-rate trials. */
export interface SuiteCell {
  task: string;
  rung: string;
  model: string;
  seed: number;
  grid: LrGridResult;
}

/** What a summary row evaluates: the trained model, or the same model with relaxed layers skipped. */
export type Evaluation = 'trained' | `skip ${SkipMode}`;

/** One heatmap cell: mean test accuracy over seeds with its interval. */
export interface SummaryEntry {
  task: string;
  rung: string;
  model: string;
  /** 'hybrid mlp', or 'hybrid mlp · skip mixer'. */
  label: string;
  mixer: string;
  configuration: string;
  evaluation: Evaluation;
  /** Over the seeds that trained; null when every seed diverged. */
  accuracy: Interval | null;
  seeds: number;
  diverged: number;
  /** The learning rate the grid chose at each seed. */
  lrs: number[];
}

export function rowLabel(m: SuiteModel, evaluation: Evaluation): string {
  return evaluation === 'trained' ? m.label : `${m.label} · ${evaluation}`;
}

/** Per-seed scores of a model on a rung (diverged seeds excluded), for paired comparisons. */
export function seedScores(cells: readonly SuiteCell[], task: string, rung: string, model: string, evaluation: Evaluation = 'trained'): SeedScore[] {
  const out: SeedScore[] = [];
  for (const c of cells) {
    if (c.task !== task || c.rung !== rung || c.model !== model || c.grid.best.status !== 'ok') continue;
    const r = pick(c.grid.best, evaluation);
    if (r) out.push({ seed: c.seed, accuracy: r.accuracy, correct: itemScores(r) });
  }
  return out.sort((a, b) => a.seed - b.seed);
}

function pick(r: CellResult, evaluation: Evaluation) {
  if (evaluation === 'trained') return r.test;
  return r.skips[evaluation.slice(5) as SkipMode];
}

/** An accuracy cannot leave [0, 1]: a t interval that reaches past it is cut there. */
function clampToUnit(i: Interval): Interval {
  if (i.lo === null || i.hi === null) return i;
  const lo = Math.max(0, i.lo);
  const hi = Math.min(1, i.hi);
  return lo === i.lo && hi === i.hi ? i : { ...i, lo, hi, method: `${i.method}, cut to [0, 1]` };
}

/** Mean ± interval over seeds of every model, evaluation and rung of a suite. */
export function summarizeCells(models: readonly SuiteModel[], cells: readonly SuiteCell[], level = 0.95): SummaryEntry[] {
  const out: SummaryEntry[] = [];
  const rungs: { task: string; rung: string }[] = [];
  for (const c of cells) if (!rungs.some((r) => r.task === c.task && r.rung === c.rung)) rungs.push({ task: c.task, rung: c.rung });
  for (const { task, rung } of rungs) {
    for (const m of models) {
      const mine = cells.filter((c) => c.task === task && c.rung === rung && c.model === m.id);
      if (!mine.length) continue;
      const evaluations = new Set<Evaluation>(['trained']);
      for (const c of mine) for (const k of Object.keys(c.grid.best.skips)) evaluations.add(`skip ${k as SkipMode}`);
      for (const ev of evaluations) {
        const scores = seedScores(cells, task, rung, m.id, ev);
        out.push({
          task,
          rung,
          model: m.id,
          label: rowLabel(m, ev),
          mixer: m.mixer,
          configuration: m.configuration,
          evaluation: ev,
          accuracy: scores.length ? clampToUnit(meanInterval(scores.map((s) => s.accuracy), level)) : null,
          seeds: mine.length,
          diverged: mine.filter((c) => c.grid.best.status !== 'ok').length,
          lrs: mine.map((c) => c.grid.best.lr),
        });
      }
    }
  }
  return out;
}
