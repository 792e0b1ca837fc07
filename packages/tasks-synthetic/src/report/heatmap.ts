import { DeconattnError } from '@deconattn/core';

/** One cell: a model (row) on a task rung (column), as a mean over seeds with its interval. */
export interface HeatmapCell {
  row: string;
  column: string;
  /** Mean accuracy, 0–1; null when the run diverged or is missing. */
  mean: number | null;
  lo: number | null;
  hi: number | null;
  /** Seeds behind the mean. */
  n: number;
  /** Shown instead of a number when `mean` is null (e.g. 'diverged'). */
  note?: string;
}

export interface HeatmapInput {
  title: string;
  /** Row labels, top to bottom (e.g. 'standard', 'uniform mlp', 'hybrid mlp', 'hybrid mlp · skip mixer'). */
  rows: string[];
  /** Column labels, left to right (e.g. 'mqar r0'). */
  columns: string[];
  cells: HeatmapCell[];
  /** Chance and majority accuracy per column, drawn as two rows under the models. */
  baselines?: { column: string; random: number; majority: number }[];
  caption?: string;
}

/** Viridis at nine stops (matplotlib's), interpolated linearly in RGB. */
const VIRIDIS = ['#440154', '#472d7b', '#3b528b', '#2c728e', '#21918c', '#28ae80', '#5ec962', '#addc30', '#fde725'];

function hex(c: string): number[] {
  return [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16));
}

/** The colour of accuracy `x` ∈ [0, 1]. */
export function viridis(x: number): string {
  const t = Math.min(1, Math.max(0, x)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(t));
  const a = hex(VIRIDIS[i]!);
  const b = hex(VIRIDIS[i + 1]!);
  const f = t - i;
  return `#${a.map((v, k) => Math.round(v + (b[k]! - v) * f).toString(16).padStart(2, '0')).join('')}`;
}

/** Dark text on light cells, light on dark (relative luminance, WCAG). */
function textOn(color: string): string {
  const [r, g, b] = hex(color).map((v) => {
    const c = v / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b! > 0.25 ? '#111111' : '#ffffff';
}

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const pct = (x: number) => (100 * x).toFixed(1);

/**
 * A self-contained SVG heatmap (no scripts, fonts or network): accuracy per model (rows) and task
 * rung (columns), coloured on viridis from 0 to 100 %, each cell showing the mean over seeds and
 * its 95 % interval underneath; chance and majority baselines as grey rows at the bottom. A cell
 * with no mean shows its note (e.g. 'diverged'). Pure: same input, same string.
 */
export function renderAccuracyHeatmap(input: HeatmapInput): string {
  const { rows, columns } = input;
  if (!rows.length || !columns.length) throw new DeconattnError('renderAccuracyHeatmap: give at least one row and one column.');
  const key = (r: string, c: string) => `${r}\u0000${c}`;
  const cells = new Map<string, HeatmapCell>();
  for (const cell of input.cells) {
    if (!rows.includes(cell.row) || !columns.includes(cell.column)) throw new DeconattnError(`renderAccuracyHeatmap: cell (${cell.row}, ${cell.column}) names a row or column that is not listed.`);
    cells.set(key(cell.row, cell.column), cell);
  }
  const cw = 86;
  const ch = 40;
  const labelW = Math.max(120, 7 * Math.max(...rows.map((r) => r.length), 10));
  const top = 56;
  const base = input.baselines ?? [];
  const baseRows = base.length ? 2 : 0;
  const width = Math.max(480, labelW + cw * columns.length + 70);
  const gridH = ch * (rows.length + baseRows);
  const height = top + gridH + 40;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, 'Segoe UI', sans-serif" role="img" aria-label="${escapeXml(input.title)}">`);
  out.push(`<title>${escapeXml(input.title)}</title>`);
  if (input.caption) out.push(`<desc>${escapeXml(input.caption)}</desc>`);
  out.push(`<text x="0" y="18" font-size="15" font-weight="600">${escapeXml(input.title)}</text>`);
  columns.forEach((c, j) => out.push(`<text x="${labelW + cw * j + cw / 2}" y="${top - 10}" font-size="12" text-anchor="middle">${escapeXml(c)}</text>`));
  const drawRow = (label: string, i: number, fill: (c: string) => { color: string; main: string; sub: string }) => {
    const y = top + ch * i;
    out.push(`<text x="${labelW - 8}" y="${y + ch / 2 + 4}" font-size="12" text-anchor="end">${escapeXml(label)}</text>`);
    columns.forEach((c, j) => {
      const x = labelW + cw * j;
      const { color, main, sub } = fill(c);
      const ink = textOn(color);
      out.push(`<rect x="${x}" y="${y}" width="${cw - 2}" height="${ch - 2}" fill="${color}"/>`);
      out.push(`<text x="${x + cw / 2 - 1}" y="${y + 17}" font-size="13" text-anchor="middle" fill="${ink}">${escapeXml(main)}</text>`);
      if (sub) out.push(`<text x="${x + cw / 2 - 1}" y="${y + 31}" font-size="9.5" text-anchor="middle" fill="${ink}">${escapeXml(sub)}</text>`);
    });
  };
  rows.forEach((r, i) =>
    drawRow(r, i, (c) => {
      const cell = cells.get(key(r, c));
      if (!cell) return { color: '#f2f2f2', main: '–', sub: 'not run' };
      if (cell.mean === null) return { color: '#d9d9d9', main: cell.note ?? 'n/a', sub: '' };
      const sub = cell.lo !== null && cell.hi !== null ? `[${pct(cell.lo)}, ${pct(cell.hi)}]` : cell.n === 1 ? 'one seed' : '';
      return { color: viridis(cell.mean), main: pct(cell.mean), sub };
    }),
  );
  if (base.length) {
    const byCol = new Map(base.map((b) => [b.column, b]));
    const grey = (x: number | undefined) => ({ color: '#e6e6e6', main: x === undefined ? '–' : pct(x), sub: '' });
    drawRow('chance', rows.length, (c) => grey(byCol.get(c)?.random));
    drawRow('majority answer', rows.length + 1, (c) => grey(byCol.get(c)?.majority));
  }
  // Legend: the colour scale from 0 to 100 %.
  const lx = labelW + cw * columns.length + 16;
  out.push(`<defs><linearGradient id="acc-scale" x1="0" y1="1" x2="0" y2="0">${VIRIDIS.map((c, i) => `<stop offset="${(i / (VIRIDIS.length - 1)).toFixed(3)}" stop-color="${c}"/>`).join('')}</linearGradient></defs>`);
  out.push(`<rect x="${lx}" y="${top}" width="12" height="${ch * rows.length - 2}" fill="url(#acc-scale)"/>`);
  out.push(`<text x="${lx + 16}" y="${top + 8}" font-size="10">100 %</text>`);
  out.push(`<text x="${lx + 16}" y="${top + ch * rows.length - 4}" font-size="10">0 %</text>`);
  out.push(`<text x="0" y="${height - 12}" font-size="10.5" fill="#444">Test accuracy on the scored positions, mean over seeds; [95 % interval] underneath.</text>`);
  out.push('</svg>');
  return out.join('\n');
}
