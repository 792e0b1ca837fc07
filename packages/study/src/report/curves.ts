import type { TopLevelSpec } from 'vega-lite';
import { colorScale, type Comparison } from './series.js';
import type { Chart } from './vega.js';

const TRAIN = 'training loss';
const VAL = 'validation loss';

/**
 * Training and validation loss against step for one comparison (standard + one row group), one
 * line per run. Runs that diverged end with a ✕. The y axis stops a little above the highest
 * first-step loss (an untrained model's), so a blow-up does not flatten every other curve.
 */
export function curvesChart(cmp: Comparison): Chart | null {
  const trained = cmp.series.filter((s) => s.run?.train?.history.length);
  if (!trained.some((s) => s.group !== 'baseline')) return null;
  const rows: { run: string; step: number; metric: string; value: number | null }[] = [];
  const ends: { run: string; step: number; metric: string; value: number }[] = [];
  let top = -Infinity;
  let bottom = Infinity;
  for (const s of trained) {
    const history = s.run!.train!.history;
    const first = history.find((h) => Number.isFinite(h.loss));
    if (first) top = Math.max(top, first.loss);
    for (const h of history) {
      const loss = Number.isFinite(h.loss) ? h.loss : null;
      rows.push({ run: s.label, step: h.step, metric: TRAIN, value: loss });
      if (loss !== null) bottom = Math.min(bottom, loss);
      if (h.valLoss !== undefined) {
        const v = Number.isFinite(h.valLoss) ? h.valLoss : null;
        rows.push({ run: s.label, step: h.step, metric: VAL, value: v });
        if (v !== null) bottom = Math.min(bottom, v);
      }
    }
    if (s.run!.status === 'diverged') {
      const last = [...history].reverse().find((h) => Number.isFinite(h.loss));
      if (last) ends.push({ run: s.label, step: last.step, metric: TRAIN, value: last.loss });
    }
  }
  if (!Number.isFinite(top)) return null;
  const hi = top * 1.15;
  const lo = Math.max(0, bottom - (hi - bottom) * 0.05);
  const clipped = rows.some((r) => r.value !== null && r.value > hi);
  const series = trained;
  const hasVal = rows.some((r) => r.metric === VAL);
  const x = { field: 'step', type: 'quantitative', title: 'step' } as const;
  const y = { field: 'value', type: 'quantitative', title: 'loss (nats/token)', scale: { domain: [lo, hi], zero: false } } as const;
  const color = { field: 'run', type: 'nominal', scale: colorScale(series), title: 'run', sort: series.map((s) => s.label) } as const;
  const panel = (metric: string): Record<string, unknown> => ({
    title: metric,
    width: 330,
    height: 220,
    layer: [
      {
        transform: [{ filter: { field: 'metric', equal: metric } }],
        mark: { type: 'line', strokeWidth: 1.8, clip: true, interpolate: 'linear', point: metric === VAL ? { size: 18 } : false },
        encoding: { x, y, color },
      },
      ...(metric === TRAIN && ends.length
        ? [{ data: { values: ends }, mark: { type: 'point', shape: 'cross', size: 140, filled: true, clip: true }, encoding: { x, y, color: { ...color, legend: null } } }]
        : []),
    ],
  });
  const spec = {
    data: { values: rows },
    hconcat: hasVal ? [panel(TRAIN), panel(VAL)] : [panel(TRAIN)],
    resolve: { scale: { y: 'shared', color: 'shared' } },
  } as unknown as TopLevelSpec;
  const diverged = series.filter((s) => s.run!.status === 'diverged').map((s) => s.label);
  return {
    id: `curves-${cmp.key}`,
    title: `Loss curves — ${cmp.title}`,
    caption: `Training loss per logged step${hasVal ? ' (left) and validation loss on held-out text (right)' : ''}, one line per run; lower is better. Lines that track standard's (${series[0]!.label}, black) train like it.${diverged.length ? ` ✕ marks the last finite loss of a run that diverged (${diverged.join(', ')}).` : ''}${clipped ? ` The y axis stops at ${hi.toFixed(1)} nats (15% above the first logged loss); higher values are cut off.` : ''}`,
    spec,
  };
}
