import type { TopLevelSpec } from 'vega-lite';
import type { Series } from './series.js';
import type { Chart } from './vega.js';

/** Largest map side drawn as is; larger maps are block-averaged down (keeps the file small). */
export const MAX_MAP_SIDE = 64;
/**
 * Budget of drawn cells over all heatmaps of one report: each is one SVG path of ~55 bytes, so
 * ≤ ~5.5 MB. The default study (small preset: 4 layers × 4 heads, L 128, ~180 maps) draws 32×32.
 */
export const CELL_BUDGET = 100_000;
const SIDES = [64, 48, 32, 24, 16, 12, 8];

/**
 * Shrink an L×L row-major map to side×side (side ≤ L): each cell is the attention mass on a
 * block of key positions, averaged over a block of query positions, so rows still sum to 1 and a
 * sharp sink or diagonal stays as bright as in the full map. Blocks may differ by one position
 * when side does not divide L.
 */
export function downsampleMap(map: ArrayLike<number>, L: number, side: number): Float64Array {
  if (side >= L) return Float64Array.from(map as ArrayLike<number>);
  const out = new Float64Array(side * side);
  const start = (b: number) => Math.floor((b * L) / side);
  for (let bi = 0; bi < side; bi++) {
    const rows = start(bi + 1) - start(bi);
    for (let bk = 0; bk < side; bk++) {
      let s = 0;
      for (let i = start(bi); i < start(bi + 1); i++) for (let k = start(bk); k < start(bk + 1); k++) s += map[i * L + k]!;
      out[bi * side + bk] = rows ? s / rows : 0;
    }
  }
  return out;
}

const mapsOf = (s: Series) => (s.analysis?.sampleMaps ?? []).filter((m): m is number[][] => !!m && m.length > 0);

/** The side every heatmap of a report is drawn at: ≤ 64, and small enough for the cell budget. */
export function heatmapSide(series: Series[]): number {
  const L = Math.max(0, ...series.map((s) => s.analysis?.length ?? 0));
  const maps = series.reduce((n, s) => n + mapsOf(s).reduce((m, heads) => m + heads.length, 0), 0);
  const cells = (side: number) => maps * ((side * (side + 1)) / 2);
  const side = SIDES.find((x) => x <= Math.min(L, MAX_MAP_SIDE) && cells(x) <= CELL_BUDGET) ?? SIDES[SIDES.length - 1]!;
  return Math.min(L, side);
}

/**
 * The attention maps of the sample sequence for one model: a grid with one row per layer and
 * one column per head; query position down, key position across, causal cells only.
 */
export function heatmapChart(s: Series, side: number): Chart | null {
  const a = s.analysis;
  if (!a || !mapsOf(s).length) return null;
  // Drawn with crisp edges (page CSS): no hairline seams between neighbouring cells.
  const L = a.length;
  const n = Math.min(side, L);
  const rows: { layer: string; head: string; i: number; k: number; w: number }[] = [];
  const layerNames: string[] = [];
  const noMap: string[] = [];
  a.sampleMaps.forEach((maps, li) => {
    const info = a.layers[li];
    const name = `layer ${li + 1} · ${info?.mixer ?? s.layers[li] ?? '?'}`;
    if (!maps || !maps.length) {
      noMap.push(`${li + 1}${info?.skipped ? ' (skipped)' : ` (${info?.mixer ?? s.layers[li]})`}`);
      return;
    }
    layerNames.push(name);
    maps.forEach((map, h) => {
      const d = downsampleMap(map, L, n);
      for (let i = 0; i < n; i++) for (let k = 0; k <= i; k++) rows.push({ layer: name, head: `head ${h + 1}`, i, k, w: Math.round(d[i * n + k]! * 1e4) / 1e4 });
    });
  });
  // Whole pixels per cell keep the SVG's coordinates short and the cells' edges sharp.
  const cell = Math.max(2, Math.floor(150 / n));
  const panel = cell * n;
  const spec = {
    data: { values: rows },
    // Thousands of cells: no per-cell ARIA descriptions (they would double the file size).
    config: { aria: false, view: { stroke: null } },
    // Layers across, heads down: models have more layers than heads, pages more width than rows.
    facet: {
      column: { field: 'layer', type: 'nominal', sort: layerNames, title: null, header: { labelLimit: 0, labelFontSize: 11, labelFontWeight: 'normal' } },
      row: { field: 'head', type: 'nominal', title: null, header: { labelAngle: 0, labelAlign: 'left' } },
    },
    spec: {
      width: panel,
      height: panel,
      mark: { type: 'rect' },
      encoding: {
        x: { field: 'k', type: 'ordinal', scale: { domain: Array.from({ length: n }, (_, i) => i), paddingInner: 0 }, axis: null },
        y: { field: 'i', type: 'ordinal', scale: { domain: Array.from({ length: n }, (_, i) => i), paddingInner: 0 }, axis: null },
        color: { field: 'w', type: 'quantitative', title: 'weight', scale: { type: 'sqrt', domain: [0, 1], scheme: 'viridis' } },
      },
    },
  } as unknown as TopLevelSpec;
  return {
    id: `heatmap-${s.id}`,
    title: `Attention maps — ${s.label}`,
    caption: `Attention weights of the sample sequence (${L} tokens) in each layer (columns) and head (rows): query position top to bottom, key position left to right, causal part only; colour on a square-root scale from 0 to 1. A bright diagonal is local focus, a bright first column an attention sink, an even wash mean pooling.${n < L ? ` Downsampled from ${L}×${L} to ${n}×${n}: each cell is the attention on a block of key positions, averaged over a block of queries (rows still sum to 1).` : ''}${noMap.length ? ` Layers without an attention map: ${noMap.join(', ')}.` : ''}`,
    spec,
  };
}
