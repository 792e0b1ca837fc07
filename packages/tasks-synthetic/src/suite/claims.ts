import type { SkipMode } from '@deconattn/hybrid';
import { differenceInterval, judgeAtLeast, judgeCollapse, judgeFarBelow, judgeWithin, type ClaimJudgement, type SeedScore, type Verdict } from '../stats/verdict.js';
import type { SuiteModel } from './config.js';
import { seedScores, type SuiteCell } from './summary.js';

/** The margins the paper's claims are read with, in accuracy (0–1). */
export interface ClaimMargins {
  /** "Close to standard": at most this far below it. */
  within: number;
  /** "Far below standard": at least this far below it. */
  farBelow: number;
  /** "Collapses": skipping loses at least this fraction of the hybrid's accuracy above chance. */
  collapse: number;
  /** Which skip evaluation the collapse claim reads. */
  skip: SkipMode;
}

export const DEFAULT_CLAIM_MARGINS: ClaimMargins = { within: 0.05, farBelow: 0.2, collapse: 0.5, skip: 'mixer' };

export type ClaimId = 'mlp-far-below' | 'non-approximate-fails' | 'uniform-between' | 'hybrid-close' | 'skip-collapses';

export interface SyntheticClaim {
  id: ClaimId;
  task: string;
  rung: string;
  claim: string;
  /** null when the runs the claim needs are not in the suite. */
  verdict: Verdict | null;
  /** One judgement per mixer the claim covers. */
  parts: ClaimJudgement[];
}

/** All parts hold → holds; any part fails → does not hold; otherwise cannot tell. */
export function combineVerdicts(parts: readonly { verdict: Verdict }[]): Verdict | null {
  if (!parts.length) return null;
  if (parts.some((p) => p.verdict === 'does not hold')) return 'does not hold';
  if (parts.every((p) => p.verdict === 'holds')) return 'holds';
  return 'cannot tell';
}

const BETWEEN = ['approximate', 'rnd-emb-qk', 'fixed-seq-qk', 'static-emb-qk'];

/**
 * The paper's five findings (docs/model.md §1), read on one task rung's test accuracy with their
 * uncertainty: paired comparisons at equal seeds (t over seeds, or a paired bootstrap over test
 * sequences with one seed). A seed at which a model diverged counts at chance accuracy (the best
 * a diverged model could do) in comparisons that need it.
 */
export function judgeSyntheticClaims(models: readonly SuiteModel[], cells: readonly SuiteCell[], task: string, rung: string, chance: number, margins: ClaimMargins = DEFAULT_CLAIM_MARGINS, level = 0.95): SyntheticClaim[] {
  const byId = new Map(models.map((m) => [m.id, m]));
  const scores = (id: string, evaluation: 'trained' | `skip ${SkipMode}` = 'trained'): SeedScore[] => {
    const ok = seedScores(cells, task, rung, id, evaluation);
    if (evaluation !== 'trained') return ok;
    const diverged = cells.filter((c) => c.task === task && c.rung === rung && c.model === id && c.grid.best.status !== 'ok').map((c) => ({ seed: c.seed, accuracy: chance }));
    return [...ok, ...diverged].sort((a, b) => a.seed - b.seed);
  };
  const has = (id: string) => byId.has(id) && cells.some((c) => c.task === task && c.rung === rung && c.model === id);
  const o = { level };
  const std = scores('standard');
  const out: SyntheticClaim[] = [];
  const claim = (id: ClaimId, text: string, parts: ClaimJudgement[]) => out.push({ id, task, rung, claim: text, verdict: combineVerdicts(parts), parts });
  const pct = (x: number) => `${Math.round(x * 100)}`;

  claim('mlp-far-below', `Token mixing is indispensable: uniform mlp is at least ${pct(margins.farBelow)} points of accuracy below standard.`, has('uniform-mlp') && std.length ? [judgeFarBelow('uniform mlp', scores('uniform-mlp'), std, margins.farBelow, o)] : []);

  const naCells = cells.filter((c) => c.task === task && c.rung === rung && c.model === 'uniform-non-approximate');
  const naParts: ClaimJudgement[] = [];
  if (naCells.length && std.length) {
    if (naCells.every((c) => c.grid.best.status !== 'ok')) {
      const i = { estimate: NaN, lo: null, hi: null, level, method: `diverged at every seed (${naCells.length})`, n: naCells.length };
      naParts.push({ claim: 'uniform non-approximate fails to train', verdict: 'holds', interval: i, bound: margins.farBelow, evidence: `diverged at all ${naCells.length} seeds` });
    } else naParts.push(judgeFarBelow('uniform non-approximate', scores('uniform-non-approximate'), std, margins.farBelow, o));
  }
  claim('non-approximate-fails', `Uniform non-approximate fails: it diverges, or lands at least ${pct(margins.farBelow)} points below standard.`, naParts);

  const mlp = scores('uniform-mlp');
  const betweenParts: ClaimJudgement[] = [];
  for (const m of BETWEEN) {
    const id = `uniform-${m}`;
    if (!has(id) || !std.length || !mlp.length) continue;
    const s = scores(id);
    // Not above standard by more than the margin, and above mlp: both must hold.
    const belowStd = differenceInterval(std, s, o);
    const aboveMlp = differenceInterval(s, mlp, o);
    const v1 = judgeAtLeast(belowStd, -margins.within);
    const v2 = judgeAtLeast(aboveMlp, 0);
    const verdict: Verdict = v1 === 'does not hold' || v2 === 'does not hold' ? 'does not hold' : v1 === 'holds' && v2 === 'holds' ? 'holds' : 'cannot tell';
    const f = (x: number | null) => (x === null ? '–' : (100 * x).toFixed(1));
    betweenParts.push({
      claim: `uniform ${m} lies between uniform mlp and standard`,
      verdict,
      interval: aboveMlp,
      bound: 0,
      evidence: `standard − ${m} = ${f(belowStd.estimate)} [${f(belowStd.lo)}, ${f(belowStd.hi)}] (must be ≥ −${f(margins.within)}); ${m} − mlp = ${f(aboveMlp.estimate)} [${f(aboveMlp.lo)}, ${f(aboveMlp.hi)}] (must be > 0); ${belowStd.method}`,
    });
  }
  claim('uniform-between', 'The other uniform variants land between standard and uniform mlp.', betweenParts);

  const hybrids = models.filter((m) => m.configuration === 'hybrid' && has(m.id));
  claim('hybrid-close', `Every hybrid is within ${pct(margins.within)} points of accuracy of standard.`, std.length ? hybrids.map((m) => judgeWithin(m.label, scores(m.id), std, margins.within, o)) : []);

  const collapse: ClaimJudgement[] = [];
  for (const m of hybrids) {
    const skipped = scores(m.id, `skip ${margins.skip}`);
    const trained = seedScores(cells, task, rung, m.id);
    if (skipped.length && trained.length) collapse.push(judgeCollapse(m.label, trained, skipped, chance, margins.collapse, o));
  }
  claim('skip-collapses', `Skipping a hybrid's relaxed layers (${margins.skip}) collapses it: it loses at least ${pct(margins.collapse)} % of its accuracy above chance.`, collapse);
  return out;
}
