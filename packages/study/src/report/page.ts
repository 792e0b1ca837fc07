import { escapeHtml } from './format.js';
import { vegaLiteToSvg, type Chart } from './vega.js';

/**
 * The HTML shell shared by the study and the analysis report: one file, inline CSS, inline SVG,
 * no script and no external reference of any kind, so it opens offline from disk.
 */
const CSS = `
:root { --fg: #1d1d1f; --muted: #5f6368; --line: #e3e3e3; --ok: #1e7d32; --bad: #b00020; --na: #6b6b6b; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, "DejaVu Sans", sans-serif; color: var(--fg); background: #fafafa; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 28px 64px; background: #fff; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 40px 0 8px; padding-top: 8px; border-top: 2px solid var(--line); }
h3 { font-size: 16px; margin: 24px 0 6px; }
p.lead { color: var(--muted); margin: 0 0 16px; }
nav { font-size: 13px; margin: 12px 0 8px; }
nav a { margin-right: 14px; color: #1a5fb4; text-decoration: none; }
dl.config { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; font-size: 13px; margin: 12px 0; }
dl.config dt { color: var(--muted); }
dl.config dd { margin: 0; font-family: ui-monospace, "DejaVu Sans Mono", monospace; }
figure.chart { margin: 16px 0 28px; }
figure.chart h3 { margin-top: 0; }
figure.chart .plot { overflow-x: auto; }
figure.chart svg { display: block; max-width: 100%; height: auto; }
figure.chart[data-chart^="heatmap"] svg path { shape-rendering: crispEdges; }
figcaption { font-size: 13px; color: var(--muted); max-width: 900px; margin-top: 6px; }
ul.pattern { list-style: none; padding: 0; }
ul.pattern li { margin: 0 0 10px; padding: 8px 12px; border-left: 5px solid var(--na); background: #f6f6f6; }
ul.pattern li.holds { border-color: var(--ok); }
ul.pattern li.fails { border-color: var(--bad); }
.verdict { font-weight: bold; margin-right: 6px; }
li.holds .verdict { color: var(--ok); }
li.fails .verdict { color: var(--bad); }
li.na .verdict { color: var(--na); }
.evidence { display: block; font-size: 13px; color: var(--muted); }
table.results { border-collapse: collapse; font-size: 13px; font-variant-numeric: tabular-nums; }
table.results th, table.results td { padding: 3px 8px; border-bottom: 1px solid var(--line); }
table.results thead th { border-bottom: 2px solid #999; text-align: right; white-space: nowrap; }
table.results thead th.left, table.results td.left { text-align: left; }
table.results td { text-align: right; white-space: nowrap; }
table.results tr.group th { text-align: left; background: #f2f2f2; font-weight: bold; padding-top: 6px; }
table.results td.close { background: #e3f3e5; }
table.results td.mid { background: #fff3d6; }
table.results td.far { background: #fde2e2; }
table.results td.status-diverged, table.results td.status-failed { color: var(--bad); font-weight: bold; }
table.results .ratio { color: var(--muted); font-size: 11px; margin-left: 4px; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 6px; vertical-align: baseline; }
.legend { font-size: 12px; color: var(--muted); margin: 6px 0; }
.legend span.key { display: inline-block; padding: 0 6px; margin-right: 8px; }
ul.notes { font-size: 13px; color: var(--muted); }
table.claims td.left { white-space: normal; max-width: 380px; }
td.verdict-cell { text-align: left !important; font-weight: bold; }
td.verdict-cell.holds { color: var(--ok); background: #e3f3e5; }
td.verdict-cell.fails { color: var(--bad); background: #fde2e2; }
td.verdict-cell.na { color: var(--na); }
ul.details ul { list-style: none; padding-left: 12px; }
figure.synthetic-heatmap { margin: 16px 0; overflow-x: auto; }
footer { margin-top: 48px; font-size: 12px; color: var(--muted); }
`;

export interface PageSection {
  id: string;
  title: string;
  html: string;
}

/** A chart as a figure: heading, the SVG, the caption; `data-chart` lets a test find every chart. */
export async function figure(chart: Chart): Promise<string> {
  const svg = await vegaLiteToSvg(chart.spec);
  return `<figure class="chart" id="${escapeHtml(chart.id)}" data-chart="${escapeHtml(chart.id)}">
<h3>${escapeHtml(chart.title)}</h3>
<div class="plot">${svg}</div>
<figcaption>${escapeHtml(chart.caption)}</figcaption>
</figure>`;
}

/** The whole document; `charts` is the number of figures, written on <body> for checks. */
export function page(opts: { title: string; lead: string; header: string; sections: PageSection[]; charts: number; footer: string }): string {
  const nav = opts.sections.map((s) => `<a href="#${escapeHtml(s.id)}">${escapeHtml(s.title)}</a>`).join('');
  const body = opts.sections.map((s) => `<section id="${escapeHtml(s.id)}">\n<h2>${escapeHtml(s.title)}</h2>\n${s.html}\n</section>`).join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(opts.title)}</title>
<style>${CSS}</style>
</head>
<body data-charts="${opts.charts}">
<main>
<h1>${escapeHtml(opts.title)}</h1>
<p class="lead">${escapeHtml(opts.lead)}</p>
${opts.header}
<nav>${nav}</nav>
${body}
<footer>${opts.footer}</footer>
</main>
</body>
</html>
`;
}

/** A definition list of (label, value) pairs; values are escaped. */
export function configList(entries: [string, string | undefined][]): string {
  const items = entries.filter(([, v]) => v !== undefined && v !== '').map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v!)}</dd>`);
  return `<dl class="config">${items.join('')}</dl>`;
}
