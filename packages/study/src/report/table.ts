import type { StudyResults } from '../study/types.js';
import { escapeMarkdownCell } from './format.js';
import { buildTable1, skippedTasks, type Table1Model, type Table1Row } from './table-model.js';

/** A row label split as the paper prints it: the group word bold, the mixer plain. */
export interface RowLabel {
  bold: string | null;
  rest: string;
}

/**
 * The paper's first word of a row group is bold ("**uniform** mlp"); later rows of the same group
 * (or placement) keep plain labels, so the groups read as in Table 1.
 */
export function groupedLabels(model: Table1Model): Map<Table1Row, RowLabel> {
  const out = new Map<Table1Row, RowLabel>();
  for (const { group, rows } of model.groups) {
    let previous = '';
    for (const row of rows) {
      const label = row.run.label;
      const space = label.indexOf(' ');
      const lead = space < 0 ? label : label.slice(0, space);
      const bold = group !== 'baseline' && space > 0 && lead !== previous;
      out.set(row, bold ? { bold: lead, rest: label.slice(space + 1) } : { bold: null, rest: label });
      previous = lead;
    }
  }
  return out;
}

/** A Markdown table shaped like the paper's Table 1, followed by its legend and per-run notes. */
export function renderTable1(results: StudyResults): string {
  const model = buildTable1(results);
  const { columns } = model;
  const labelled = groupedLabels(model);
  const rows = model.groups.flatMap((g) => g.rows);
  const text = (row: Table1Row, key: string): string => {
    if (key !== 'model') return escapeMarkdownCell(row.cells[key] ?? '–');
    const l = labelled.get(row)!;
    return l.bold ? `**${escapeMarkdownCell(l.bold)}** ${escapeMarkdownCell(l.rest)}` : escapeMarkdownCell(l.rest);
  };
  const body = rows.map((r) => columns.map((c) => text(r, c.key)));
  const headers = columns.map((c) => c.header);
  const widths = headers.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const right = columns.map((c) => c.kind !== 'model' && c.kind !== 'status');
  const pad = (s: string, i: number) => (right[i] ? s.padStart(widths[i]!) : s.padEnd(widths[i]!));
  const line = (cells: string[]) => `| ${cells.map(pad).join(' | ')} |`;
  const sep = `|${widths.map((w, i) => (right[i] ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`;

  const { config } = results;
  const legend = [
    `Accuracy in % (zero-shot, lm-eval rules, at most ${config.limit} documents per task); perplexity (PPL) lower is better.`,
    `Held-out PPL: the bundled corpus' held-out split (our column, not in the paper)${columns.some((c) => c.key === 'wiki') ? `; Wiki PPL: WikiText word perplexity on ${config.wikitextDocs} documents` : ''}.`,
    config.seeds && config.seeds.length > 1
      ? `Preset ${config.preset}, ${config.steps} steps, seeds ${config.seeds.join(', ')}: every figure is the mean over the seeds with its 95 % t interval in brackets (perplexity: exp of the mean loss and its interval), backend ${config.backend}.`
      : `Preset ${config.preset}, ${config.steps} steps, seed ${config.seed}, backend ${config.backend}.`,
    ...(results.runs.some((r) => r.skip) ? ['Hybrid-skip: each hybrid evaluated (not retrained) without its relaxed layers: (mixer) drops their mixer sublayers, (block) their whole blocks.'] : []),
  ];
  const notes: string[] = [];
  for (const r of rows) {
    const run = r.run;
    if (run.status !== 'ok') notes.push(`- ${run.label}: ${run.status}${run.error ? ` — ${escapeMarkdownCell(run.error)}` : ''}`);
    else if (run.skip) {
      const from = results.runs.find((x) => x.id === run.evaluatedFrom);
      notes.push(`- ${run.label}: ${from ? from.label : run.evaluatedFrom ?? 'its hybrid'} evaluated with its relaxed layers skipped (${run.skip}).`);
    }
  }
  for (const [task, { runs, reason }] of skippedTasks(rows.map((r) => r.run))) notes.push(`- ${task} not evaluated for ${runs.join(', ')}: ${escapeMarkdownCell(reason)}`);
  return [line(headers), sep, ...body.map(line), '', ...legend, ...(notes.length ? ['', ...notes] : []), ''].join('\n');
}
