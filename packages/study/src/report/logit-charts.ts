import type { TopLevelSpec } from 'vega-lite';
import { colorScale, decades, type Comparison, type Series } from './series.js';
import type { Chart } from './vega.js';

const hasLogits = (s: Series) => !!s.analysis?.layers.some((l) => l.logits && l.logits.count > 0);

/**
 * The paper's evidence for why hybrids work: the largest |pre-softmax logit| per layer, log
 * scale, one panel per comparison. Hybrids stay below ~10 in the paper; uniform non-approximate
 * exceeds 10³.
 */
export function logitRangeChart(id: string, groups: Comparison[]): Chart | null {
  const rows: { panel: string; run: string; layer: number; absMax: number | null; p99: number | null }[] = [];
  const shown: Series[] = [];
  for (const g of groups) {
    for (const s of g.series.filter(hasLogits)) {
      if (!shown.includes(s)) shown.push(s);
      for (const l of s.analysis!.layers) {
        const ok = l.logits && l.logits.count > 0 && Number.isFinite(l.logits.absMax);
        rows.push({ panel: g.short, run: s.label, layer: l.layer, absMax: ok ? Math.max(l.logits!.absMax, 1e-3) : null, p99: ok ? l.logits!.quantiles.p99 : null });
      }
    }
  }
  if (!rows.some((r) => r.absMax !== null)) return null;
  const layers = Math.max(...rows.map((r) => r.layer));
  const finite = rows.filter((r) => r.absMax !== null).map((r) => r.absMax!);
  const yTicks = decades(Math.min(1, ...finite), Math.max(10, ...finite));
  const x = { field: 'layer', type: 'quantitative', title: 'layer', scale: { domain: [1, layers], nice: false }, axis: { format: 'd', values: Array.from({ length: layers }, (_, i) => i + 1) } } as const;
  const y = { field: 'absMax', type: 'quantitative', title: 'largest |logit| (log scale)', scale: { type: 'log', domain: [yTicks[0], yTicks[yTicks.length - 1]] }, axis: { values: yTicks, format: '~g' } } as const;
  const color = { field: 'run', type: 'nominal', scale: colorScale(shown), title: 'model', sort: shown.map((s) => s.label) } as const;
  const spec = {
    data: { values: rows },
    facet: { field: 'panel', type: 'nominal', sort: groups.map((g) => g.short), title: null, header: { labelLimit: 300 } },
    columns: 2,
    spec: {
      width: 330,
      height: 200,
      layer: [
        { mark: { type: 'line', strokeWidth: 1.8, point: { filled: true, size: 40 } }, encoding: { x, y, color } },
        { mark: { type: 'rule', strokeDash: [4, 3], color: '#888' }, encoding: { y: { datum: 10 } } },
      ],
    },
  } as unknown as TopLevelSpec;
  const noLogits = groups.flatMap((g) => g.series).filter((s, i, all) => !hasLogits(s) && all.indexOf(s) === i).map((s) => s.label);
  return {
    id,
    title: 'Largest pre-softmax logit per layer',
    caption: `The largest absolute pre-softmax attention logit in each layer, over every head, causal position and evaluation sequence (log scale). The dashed line is 10: in the paper, hybrids keep their logits below about 10, while uniform non-approximate exceeds 10³.${noLogits.length ? ` No logits (no attention map): ${noLogits.join(', ')}.` : ''}`,
    spec,
  };
}

/**
 * Distribution of pre-softmax logits per layer (from LogitStats.histogram): fraction of logits
 * per bin, log y, on a symmetric-log x axis so values from 0.1 to 10⁴ of both signs show.
 */
export function logitHistogramChart(id: string, title: string, series: Series[]): Chart | null {
  const shown = series.filter(hasLogits);
  if (!shown.length) return null;
  const rows: { run: string; layer: string; x: number; fraction: number }[] = [];
  let absMax = 1;
  // Empty bins sit on the floor of the log axis: one logit in the largest histogram shown.
  const floor = 10 ** Math.floor(Math.log10(1 / Math.max(...shown.flatMap((s) => s.analysis!.layers.map((l) => l.logits?.count ?? 1)))));
  // One model: name each layer's mixer; several: the mixers differ per model (see the legend).
  const layerName = (l: { layer: number; mixer: string }) => `layer ${l.layer}${shown.length === 1 ? ` · ${l.mixer}` : ''}`;
  for (const s of shown) {
    for (const l of s.analysis!.layers) {
      const st = l.logits;
      if (!st || st.count === 0) continue;
      const { edges, counts } = st.histogram;
      absMax = Math.max(absMax, Number.isFinite(st.absMax) ? st.absMax : 1);
      const layer = layerName(l);
      // The histogram's outline: each bin a flat step from its lower to its upper edge.
      for (let j = 0; j < counts.length; j++) {
        const fraction = Math.max(floor, counts[j]! / st.count);
        rows.push({ run: s.label, layer, x: edges[j]!, fraction }, { run: s.label, layer, x: edges[j + 1]!, fraction });
      }
    }
  }
  const ticks = [0];
  for (let p = 0; 10 ** p <= absMax * 1.01 || p < 1; p++) ticks.push(10 ** p, -(10 ** p));
  const layerOrder = [...new Set(rows.map((r) => r.layer))].sort((a, b) => parseInt(a.slice(6)) - parseInt(b.slice(6)));
  const color = { field: 'run', type: 'nominal', scale: colorScale(shown), title: 'model', sort: shown.map((s) => s.label) } as const;
  const spec = {
    data: { values: rows },
    facet: { field: 'layer', type: 'nominal', sort: layerOrder, title: null },
    columns: 4,
    spec: {
      width: 200,
      height: 130,
      mark: { type: 'line', strokeWidth: 1.6, opacity: 0.9 },
      encoding: {
        x: { field: 'x', type: 'quantitative', title: 'logit (symlog)', scale: { type: 'symlog' }, axis: { values: ticks.sort((a, b) => a - b), format: '~s', labelOverlap: true } },
        y: { field: 'fraction', type: 'quantitative', title: 'fraction (log)', scale: { type: 'log', domain: [floor, 1] }, axis: { values: decades(floor, 1), format: '~g' } },
        color,
        detail: { field: 'run', type: 'nominal' },
      },
    },
  } as unknown as TopLevelSpec;
  return {
    id,
    title,
    caption: `Histogram of the pre-softmax attention logits in each layer (every head, causal position and sequence): the fraction of logits per bin on a log axis, against the logit value on a symmetric-log axis (bins between 0 and ±10^(k/4)); empty bins lie on the bottom edge. Narrow curves around 0 mean bounded logits; curves reaching 10² or beyond show the growth the paper sees in uniform non-approximate.`,
    spec,
  };
}
