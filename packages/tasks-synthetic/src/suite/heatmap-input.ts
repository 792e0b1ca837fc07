import type { HeatmapInput } from '../report/heatmap.js';
import type { SyntheticSuiteResults } from './run.js';

export const columnLabel = (task: string, rung: string) => `${task} ${rung}`;

/** The suite's summary as heatmap input: rows are models (and their skip evaluations), columns task rungs. */
export function suiteHeatmap(r: SyntheticSuiteResults, title = 'Synthetic tasks: test accuracy (%)'): HeatmapInput {
  const columns: string[] = [];
  for (const t of r.config.tasks) for (const rung of t.rungs) columns.push(columnLabel(t.task, rung));
  const rows: string[] = [];
  for (const m of r.models) for (const e of r.summary) if (e.model === m.id && !rows.includes(e.label)) rows.push(e.label);
  const cells = r.summary.map((e) => ({
    row: e.label,
    column: columnLabel(e.task, e.rung),
    mean: e.accuracy?.estimate ?? null,
    lo: e.accuracy?.lo ?? null,
    hi: e.accuracy?.hi ?? null,
    n: e.seeds - e.diverged,
    note: e.accuracy ? undefined : 'diverged',
  }));
  // Baselines are per seed (each seed has its own data); show their mean.
  const baselines = columns.map((column) => {
    const bs = r.baselines.filter((b) => columnLabel(b.task, b.rung) === column);
    return { column, random: bs.reduce((s, b) => s + b.random, 0) / bs.length, majority: bs.reduce((s, b) => s + b.majority, 0) / bs.length };
  });
  const seeds = r.config.seeds.length;
  return {
    title,
    rows,
    columns,
    cells,
    baselines,
    caption: `Mean test accuracy over ${seeds} seed${seeds === 1 ? '' : 's'} on the scored positions of each task; [${Math.round((r.config.level ?? 0.95) * 100)} % t interval over seeds]. Each model's learning rate is the best of its grid on a validation split.`,
  };
}
