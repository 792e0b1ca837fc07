/** Number and text formatting shared by the Markdown table and the HTML report (the paper's style). */

/** An accuracy stored as a fraction (lm-eval's convention) in % with one decimal: 0.415 → "41.5". */
export function formatPercent(fraction: number | null | undefined): string {
  if (fraction === null || fraction === undefined) return '–';
  if (!Number.isFinite(fraction)) return String(fraction);
  return (fraction * 100).toFixed(1);
}

/** Perplexity: one decimal, E-notation above 1e4 as in Table 1 ("9E+4"); inf/NaN spelled out. */
export function formatPerplexity(ppl: number | null | undefined): string {
  if (ppl === null || ppl === undefined) return '–';
  if (Number.isNaN(ppl)) return 'NaN';
  if (!Number.isFinite(ppl)) return ppl > 0 ? 'inf' : '-inf';
  if (Math.abs(ppl) > 1e4) return ppl.toExponential(0).replace('e+', 'E+');
  return ppl.toFixed(1);
}

/** A ratio to standard: ×1.05, ×18, ×3E+3. */
export function formatRatio(r: number): string {
  if (!Number.isFinite(r)) return `×${r}`;
  return `×${r < 10 ? r.toFixed(2) : r < 1000 ? r.toFixed(0) : r.toExponential(0).replace('e+', 'E+')}`;
}

/** Parameter counts with four significant digits (equal-size variants differ in the last ones): 1.235M, 456.8K. */
export function formatParameters(n: number): string {
  if (!Number.isFinite(n)) return '–';
  if (n >= 1e9) return `${(n / 1e9).toPrecision(4)}B`;
  if (n >= 1e6) return `${(n / 1e6).toPrecision(4)}M`;
  if (n >= 1e3) return `${(n / 1e3).toPrecision(4)}K`;
  return String(n);
}

/** 3725 → "1 h 2 min 5 s"; short runs keep one decimal of seconds. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '–';
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const parts = [h ? `${h} h` : '', m ? `${m} min` : '', `${s % 60} s`].filter(Boolean);
  return parts.join(' ');
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** Markdown table cells cannot hold a pipe or a line break. */
export function escapeMarkdownCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
}
