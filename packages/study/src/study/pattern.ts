import { RELAXED_MIXER_IDS } from '@deconattn/attention-relaxed';
import type { PatternCheck, StudyRun } from './types.js';

/**
 * The paper's qualitative findings (docs/model.md §1), checked on held-out
 * perplexity of the bundled corpus, since tiny models score near chance on NLU. Thresholds are
 * stated in each claim so a reader can judge them.
 */
export const FAR_WORSE = 1.2; // ≥ 20 % higher perplexity than standard
export const CLOSE = 1.1; // within 10 % of standard
export const COLLAPSE = 1.5; // skip ≥ 1.5× its hybrid's perplexity

/** The paper's relaxed mixers other than the two that stand out (mlp, non-approximate). */
const RELAXED_BETWEEN = RELAXED_MIXER_IDS.filter((m) => m !== 'mlp' && m !== 'non-approximate');

export function checkPattern(runs: StudyRun[]): PatternCheck[] {
  const byId = new Map(runs.map((r) => [r.id, r]));
  const ppl = (id: string): number | undefined => {
    const r = byId.get(id);
    if (!r) return undefined;
    if (r.status !== 'ok' || !r.metrics) return Infinity;
    return r.metrics.valPerplexity;
  };
  const fmt = (v: number | undefined) => (v === undefined ? 'not run' : Number.isFinite(v) ? v.toFixed(2) : 'diverged');
  const std = ppl('standard');
  const out: PatternCheck[] = [];
  if (std === undefined || !Number.isFinite(std)) return [{ claim: 'standard attention trains', holds: false, evidence: `standard: ${fmt(std)}` }];

  const mlp = ppl('uniform-mlp');
  out.push({
    claim: `Token mixing is indispensable: uniform mlp is far worse than standard (held-out PPL ≥ ${FAR_WORSE}× standard).`,
    holds: mlp === undefined ? null : mlp >= FAR_WORSE * std,
    evidence: `standard ${fmt(std)}, uniform mlp ${fmt(mlp)}`,
  });

  const na = ppl('uniform-non-approximate');
  const naRun = byId.get('uniform-non-approximate');
  out.push({
    claim: `Uniform non-approximate is unstable or far worse (diverges, or held-out PPL ≥ ${FAR_WORSE}× standard).`,
    holds: na === undefined ? null : naRun?.status === 'diverged' || na >= FAR_WORSE * std,
    evidence: `standard ${fmt(std)}, uniform non-approximate ${naRun?.status === 'diverged' ? `diverged (${naRun.error})` : fmt(na)}`,
  });

  const between = RELAXED_BETWEEN.map((m) => [m, ppl(`uniform-${m}`)] as const).filter(([, v]) => v !== undefined);
  out.push({
    claim: 'The other uniform variants land between standard and uniform mlp (no better than standard, better than mlp).',
    holds: between.length === 0 || mlp === undefined ? null : between.every(([, v]) => v! >= std * 0.98 && v! < mlp),
    evidence: `${between.length ? between.map(([m, v]) => `${m} ${fmt(v)}`).join(', ') : 'none of approximate, rnd-emb-qk, fixed-seq-qk, static-emb-qk was run uniform'}; standard ${fmt(std)}, mlp ${fmt(mlp)}`,
  });

  const hybrids = runs.filter((r) => r.group === 'hybrid');
  out.push({
    claim: `Every hybrid is close to standard (held-out PPL within ${Math.round((CLOSE - 1) * 100)} % of standard).`,
    holds: hybrids.length === 0 ? null : hybrids.every((r) => (ppl(r.id) ?? Infinity) <= CLOSE * std),
    evidence: `${hybrids.map((r) => `${r.mixer} ${fmt(ppl(r.id))}`).join(', ') || 'no hybrid run'}; standard ${fmt(std)}`,
  });

  // A hybrid that diverged has nothing to skip: it neither shows nor refutes the claim.
  const skipsAll = runs.filter((r) => r.group === 'hybrid-skip' && r.evaluatedFrom);
  const skips = skipsAll.filter((r) => Number.isFinite(ppl(r.evaluatedFrom!) ?? NaN));
  const notMeasured = skipsAll.filter((r) => !skips.includes(r)).map((r) => `${r.mixer}: hybrid ${fmt(ppl(r.evaluatedFrom!))}, not measured`);
  out.push({
    claim: `Skipping a hybrid's relaxed layers collapses it (held-out PPL ≥ ${COLLAPSE}× the same hybrid's): those layers contribute.`,
    holds: skips.length === 0 ? null : skips.every((r) => (ppl(r.id) ?? 0) >= COLLAPSE * ppl(r.evaluatedFrom!)!),
    evidence: [...skips.map((r) => `${r.mixer}${r.skip === 'block' ? ' (block)' : ''}: ${fmt(ppl(r.evaluatedFrom!))} → ${fmt(ppl(r.id))}`), ...notMeasured].join(', ') || 'no skip evaluation',
  });

  const quarter = runs.filter((r) => r.placement === '25%');
  if (quarter.length) {
    out.push({
      claim: `With 25 % standard layers every variant stays competitive (held-out PPL < ${FAR_WORSE}× standard).`,
      holds: quarter.every((r) => (ppl(r.id) ?? Infinity) < FAR_WORSE * std),
      evidence: quarter.map((r) => `${r.mixer} ${fmt(ppl(r.id))}`).join(', ') + `; standard ${fmt(std)}`,
    });
  }
  const lastNa = ppl('last-non-approximate');
  if (lastNa !== undefined) {
    out.push({ claim: `Non-approximate with only the last layer standard is far worse than standard (≥ ${FAR_WORSE}×).`, holds: lastNa >= FAR_WORSE * std, evidence: `last non-approximate ${fmt(lastNa)}, standard ${fmt(std)}` });
  }
  const fewRnd = ['first', 'last', 'bilateral'].map((p) => [p, ppl(`${p}-rnd-emb-qk`)] as const).filter(([, v]) => v !== undefined);
  if (fewRnd.length) {
    out.push({
      claim: `rnd-emb-qk with only one or two standard layers (first / last / bilateral) stays near standard (< ${FAR_WORSE}×).`,
      holds: fewRnd.every(([, v]) => v! < FAR_WORSE * std),
      evidence: fewRnd.map(([p, v]) => `${p} ${fmt(v)}`).join(', ') + `; standard ${fmt(std)}`,
    });
  }
  return out;
}
