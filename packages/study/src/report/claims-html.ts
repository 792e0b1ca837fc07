import type { Verdict } from '@deconattn/tasks-synthetic';
import { overallVerdict } from '../study/claims.js';
import type { RankCorrelation, StudyClaim, StudyResults } from '../study/types.js';
import { escapeHtml } from './format.js';

const VERDICT_CLASS: Record<Verdict, string> = { holds: 'holds', 'does not hold': 'fails', 'cannot tell': 'na' };

function verdictCell(v: Verdict | null | undefined, n: string): string {
  if (v === null || v === undefined) return '<td class="verdict-cell na">not measured</td>';
  return `<td class="verdict-cell ${VERDICT_CLASS[v]}">${escapeHtml(v === 'cannot tell' ? `cannot tell at ${n}` : v)}</td>`;
}

/** The columns of the claims table: the language-model suite, then each synthetic task rung. */
function claimColumns(claims: StudyClaim[]): { key: string; header: string }[] {
  const cols: { key: string; header: string }[] = [];
  if (claims.some((c) => c.lm)) cols.push({ key: 'lm', header: 'language model (held-out PPL)' });
  for (const c of claims) for (const s of c.synthetic) if (!cols.some((x) => x.key === `${s.task} ${s.rung}`)) cols.push({ key: `${s.task} ${s.rung}`, header: `${s.task} ${s.rung} (accuracy)` });
  return cols;
}

/**
 * The paper's five findings judged with their uncertainty, one column per suite (and synthetic
 * rung): holds (the whole interval on the claimed side), does not hold (all of it on the other),
 * cannot tell at this number of seeds; each part's interval underneath.
 */
export function claimsHtml(results: StudyResults): string {
  const claims = results.claims ?? [];
  if (!claims.length || claims.every((c) => !c.lm && !c.synthetic.length)) return '<p>No finding was measured: the study ran neither suite.</p>';
  const seeds = results.config.seeds?.length ?? 1;
  const n = `${seeds} seed${seeds === 1 ? '' : 's'}`;
  const cols = claimColumns(claims);
  const head = `<tr><th class="left">finding</th><th class="left">overall</th>${cols.map((c) => `<th class="left">${escapeHtml(c.header)}</th>`).join('')}</tr>`;
  const rows = claims.map((c) => {
    const overall = overallVerdict(c);
    const cells = cols.map((col) => (col.key === 'lm' ? verdictCell(c.lm?.verdict, n) : verdictCell(c.synthetic.find((s) => `${s.task} ${s.rung}` === col.key)?.verdict, n)));
    const overallCell = overall === 'suites disagree' ? '<td class="verdict-cell na">suites disagree</td>' : verdictCell(overall, n);
    return `<tr data-claim="${escapeHtml(c.id)}"><td class="left">${escapeHtml(c.claim)}</td>${overallCell}${cells.join('')}</tr>`;
  });
  const details = claims.flatMap((c) => {
    const parts = [...(c.lm?.parts.map((p) => ({ where: 'language model', p })) ?? []), ...c.synthetic.flatMap((s) => s.parts.map((p) => ({ where: `${s.task} ${s.rung}`, p })))];
    if (!parts.length) return [];
    return [`<li><b>${escapeHtml(c.claim)}</b><ul>${parts.map(({ where, p }) => `<li class="${VERDICT_CLASS[p.verdict]}"><span class="verdict">${escapeHtml(p.verdict)}</span>${escapeHtml(`${where}: ${p.claim}`)}<span class="evidence">${escapeHtml(p.evidence)}</span></li>`).join('')}</ul></li>`];
  });
  return `<p>Each finding is read from paired comparisons (models trained at the same seed saw the same data and are scored on the same items): with ${seeds >= 2 ? `${seeds} seeds, a t interval over the per-seed differences (training and test noise)` : 'one seed, a paired bootstrap over test items (test noise only)'}, 95 %. <i>Holds</i>: the whole interval is on the claimed side of the margin; <i>does not hold</i>: all of it on the other side; <i>cannot tell</i>: the interval straddles the margin at this number of seeds.</p>
<table class="results claims"><thead>${head}</thead><tbody>${rows.join('')}</tbody></table>
<ul class="pattern details">${details.join('\n')}</ul>`;
}

/** Spearman's ρ against the paper's Table 1, in one paragraph. */
export function rankCorrelationHtml(r: RankCorrelation | null | undefined): string {
  if (!r) return '<p>Rank correlation with the paper\'s Table 1: not computed (fewer than three models of the paper\'s table were trained, or every model tied).</p>';
  const f = (x: number | null) => (x === null ? '–' : x.toFixed(2));
  const p = r.p === null ? '' : `, p ${r.p < 0.001 ? '< 0.001' : `= ${r.p.toFixed(3)}`}`;
  const ci = r.lo === null ? '' : ` [95 %: ${f(r.lo)}, ${f(r.hi)}]`;
  return `<p class="rank-correlation">Rank correlation with the paper's Table 1 WikiText perplexity: <b>Spearman ρ = ${f(r.spearman)}</b>${escapeHtml(ci)} over ${r.n} models${escapeHtml(p)} (ours: ${escapeHtml(r.ours)}; the paper trained ≈ 500M-parameter models on 15B tokens).</p>`;
}
