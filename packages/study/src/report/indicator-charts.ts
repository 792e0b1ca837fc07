import type { TopLevelSpec } from 'vega-lite';
import type { LayerIndicators } from '@deconattn/hybrid';
import { colorScale, type Series } from './series.js';
import type { Chart } from './vega.js';

/** The panels in the paper's order: three normalised, then the absolute ones (docs/model.md §5). */
const PANELS: readonly { name: string; value: (x: LayerIndicators) => number; normalised: boolean }[] = [
  { name: 'Entropy (norm.)', value: (x) => x.entropy, normalised: true },
  { name: 'Conc (norm.)', value: (x) => x.concentration, normalised: true },
  { name: 'HeadDiv (norm.)', value: (x) => x.headDiversity, normalised: true },
  { name: 'Sink', value: (x) => x.sink, normalised: false },
  ...[0, 1, 2, 3].map((n) => ({ name: `LocFoc ${n}`, value: (x: LayerIndicators) => x.localFocus[n]!, normalised: false })),
];

export const RELAXED_LAYER = 'relaxed mixer';
export const STANDARD_LAYER = 'standard attention';

interface Row {
  run: string;
  layer: number;
  panel: string;
  value: number | null;
  kind: string;
}

/**
 * Per-layer attention indicators for the models of one comparison, as lines over layers in one
 * small panel per indicator. Entropy, Conc and HeadDiv are min-max normalised across every
 * (model, layer) in the chart, as the paper plots them; Sink and LocFoc stay absolute (0–1).
 */
export function indicatorChart(id: string, title: string, series: Series[]): Chart | null {
  const withMaps = series.filter((s) => s.analysis?.layers.some((l) => l.indicators));
  if (!withMaps.length) return null;
  const rows: Row[] = [];
  for (const s of withMaps) {
    for (const l of s.analysis!.layers) {
      const kind = l.mixer === 'standard' ? STANDARD_LAYER : RELAXED_LAYER;
      for (const p of PANELS) {
        const v = l.indicators ? p.value(l.indicators) : null;
        rows.push({ run: s.label, layer: l.layer, panel: p.name, value: v !== null && Number.isFinite(v) ? v : null, kind });
      }
    }
  }
  for (const p of PANELS.filter((q) => q.normalised)) {
    const mine = rows.filter((r) => r.panel === p.name && r.value !== null);
    const lo = Math.min(...mine.map((r) => r.value!));
    const hi = Math.max(...mine.map((r) => r.value!));
    for (const r of mine) r.value = hi > lo ? (r.value! - lo) / (hi - lo) : 0.5;
  }
  const layers = Math.max(...withMaps.map((s) => s.analysis!.layers.length));
  const without = series.filter((s) => !withMaps.includes(s)).map((s) => s.label);
  const gaps = withMaps.some((s) => s.analysis!.layers.some((l) => !l.indicators));
  const x = { field: 'layer', type: 'quantitative', title: 'layer', scale: { domain: [1, layers], nice: false }, axis: { tickMinStep: 1, format: 'd', values: Array.from({ length: layers }, (_, i) => i + 1) } } as const;
  const y = { field: 'value', type: 'quantitative', title: null, scale: { domain: [0, 1] } } as const;
  const color = { field: 'run', type: 'nominal', scale: colorScale(withMaps), title: 'model', sort: withMaps.map((s) => s.label) } as const;
  const spec = {
    data: { values: rows },
    facet: { field: 'panel', type: 'nominal', sort: PANELS.map((p) => p.name), title: null },
    columns: 4,
    spec: {
      width: 165,
      height: 120,
      layer: [
        { mark: { type: 'line', strokeWidth: 1.8 }, encoding: { x, y, color } },
        {
          mark: { type: 'point', filled: true, size: 45 },
          encoding: { x, y, color, shape: { field: 'kind', type: 'nominal', title: 'layer type', scale: { domain: [STANDARD_LAYER, RELAXED_LAYER], range: ['circle', 'triangle-up'] } } },
        },
      ],
    },
    resolve: { scale: { y: 'shared' } },
  } as unknown as TopLevelSpec;
  return {
    id,
    title,
    caption: `Attention-pattern indicators per layer, averaged over heads and ${withMaps[0]!.analysis!.sequences} evaluation sequence(s) of ${withMaps[0]!.analysis!.length} tokens. Entropy (high ≈ mean pooling), Conc (focus on few tokens) and HeadDiv (how much heads differ) are min-max normalised across the models and layers shown (0 = lowest, 1 = highest); Sink (attention to the first token) and LocFoc N (attention N tokens back) are absolute. Circles are standard-attention layers, triangles relaxed ones.${gaps ? ' Layers without an attention map (mlp, or skipped) leave a gap.' : ''}${without.length ? ` No attention maps: ${without.join(', ')}.` : ''}`,
    spec,
  };
}
