import type { RunGroup, StudyResults } from '../study/types.js';
import { escapeHtml, formatRatio } from './format.js';
import type { Series } from './series.js';
import { groupedLabels } from './table.js';
import { buildTable1, skippedTasks } from './table-model.js';

const GROUP_TITLES: Record<RunGroup, string> = {
  baseline: 'Baseline: standard softmax attention in every layer',
  uniform: 'Uniform: every layer uses the relaxed mixer',
  hybrid: 'Hybrid: relaxed and standard layers alternate',
  'hybrid-skip': 'Hybrid-skip: each hybrid evaluated with its relaxed layers skipped',
  placement: 'Placement: which layers stay standard',
};

/** Held-out perplexity against standard's: within 10 % reads as "like standard". */
export function closeness(ratio: number): 'close' | 'mid' | 'far' {
  if (ratio <= 1.1) return 'close';
  if (ratio <= 1.5) return 'mid';
  return 'far';
}

/** Table 1 as HTML: the Markdown table's rows and columns, with each run's chart colour. */
export function table1Html(results: StudyResults, series: Series[]): string {
  const model = buildTable1(results);
  const labels = groupedLabels(model);
  const color = new Map(series.map((s) => [s.id, s.color]));
  const left = (kind: string) => kind === 'model' || kind === 'status';
  const head = model.columns.map((c) => `<th class="${left(c.kind) ? 'left' : ''}" title="${escapeHtml(c.title)}">${escapeHtml(c.header)}</th>`).join('');
  const body: string[] = [];
  for (const { group, rows } of model.groups) {
    body.push(`<tr class="group"><th colspan="${model.columns.length}">${escapeHtml(GROUP_TITLES[group])}</th></tr>`);
    for (const row of rows) {
      const cells = model.columns.map((c) => {
        if (c.key === 'model') {
          const l = labels.get(row)!;
          const text = l.bold ? `<b>${escapeHtml(l.bold)}</b> ${escapeHtml(l.rest)}` : escapeHtml(l.rest);
          return `<td class="left"><span class="swatch" style="background:${color.get(row.run.id) ?? '#999'}"></span>${text}</td>`;
        }
        if (c.key === 'status') {
          const title = row.run.error ? ` title="${escapeHtml(row.run.error)}"` : '';
          return `<td class="left status-${escapeHtml(row.run.status)}"${title}>${escapeHtml(row.cells[c.key]!)}</td>`;
        }
        const v = row.values[c.key];
        if (c.key === 'heldout' && model.standardPerplexity && v !== null && v !== undefined && Number.isFinite(v) && row.run.group !== 'baseline') {
          const ratio = v / model.standardPerplexity;
          return `<td class="${closeness(ratio)}">${escapeHtml(row.cells[c.key]!)}<span class="ratio">${formatRatio(ratio)}</span></td>`;
        }
        return `<td>${escapeHtml(row.cells[c.key] ?? '–')}</td>`;
      });
      body.push(`<tr data-run="${escapeHtml(row.run.id)}">${cells.join('')}</tr>`);
    }
  }
  const notes: string[] = [];
  for (const { rows } of model.groups) {
    for (const { run } of rows) {
      if (run.status !== 'ok') notes.push(`<li><b>${escapeHtml(run.label)}</b> ${escapeHtml(run.status)}${run.error ? `: ${escapeHtml(run.error)}` : ''}</li>`);
      else if (run.skip) {
        const from = results.runs.find((r) => r.id === run.evaluatedFrom);
        notes.push(`<li><b>${escapeHtml(run.label)}</b>: ${escapeHtml(from?.label ?? run.evaluatedFrom ?? 'its hybrid')} evaluated with its relaxed layers skipped (${escapeHtml(run.skip)}); not trained separately.</li>`);
      }
    }
  }
  for (const [task, { runs, reason }] of skippedTasks(model.groups.flatMap((g) => g.rows.map((r) => r.run)))) {
    notes.push(`<li><b>${escapeHtml(task)}</b> not evaluated for ${escapeHtml(runs.join(', '))}: ${escapeHtml(reason)}</li>`);
  }
  const { config } = results;
  const legend = model.standardPerplexity
    ? `<p class="legend">Held-out PPL against standard's: <span class="key" style="background:#e3f3e5">within 10 %</span><span class="key" style="background:#fff3d6">10–50 % higher</span><span class="key" style="background:#fde2e2">more than 50 % higher</span></p>`
    : '';
  return `<table class="results">
<thead><tr>${head}</tr></thead>
<tbody>
${body.join('\n')}
</tbody>
</table>
${legend}
<p class="legend">Accuracy in % (zero-shot, lm-eval rules, at most ${config.limit} documents per task); perplexity (PPL) lower is better, E-notation above 10⁴. Held-out PPL is the bundled corpus' held-out split (our column, not in the paper). Hover a column header for its definition.</p>
${notes.length ? `<ul class="notes">${notes.join('')}</ul>` : ''}`;
}
