import { RELAXED_MIXER_IDS } from '@deconattn/attention-relaxed';
import { combineVerdicts, differenceInterval, judgeAtLeast, judgeAtMost, type ClaimId, type ClaimJudgement, type Interval, type SeedScore, type Verdict } from '@deconattn/tasks-synthetic';
import { CLOSE, COLLAPSE, FAR_WORSE } from './pattern.js';
import { runsById } from './summary.js';
import type { StudyRun } from './types.js';

const BETWEEN = RELAXED_MIXER_IDS.filter((m) => m !== 'mlp' && m !== 'non-approximate');
/** "No better than standard" allows 2 % lower perplexity (as the point check does). */
const NOT_BETTER = 0.98;

export interface LmClaim {
  id: ClaimId;
  claim: string;
  verdict: Verdict | null;
  parts: ClaimJudgement[];
}

/**
 * The paper's five findings on the language-model suite's held-out loss, with their uncertainty.
 * A perplexity ratio is a difference of losses (log PPL_a − log PPL_b), so each claim reads one
 * paired interval: a t interval over per-seed differences (models at a seed saw the same data and
 * are scored on the same windows), or with one seed a paired bootstrap over the held-out windows
 * (test noise only). A seed at which a model diverged counts at `chanceLoss` (uniform prediction
 * over the vocabulary, the best a diverged model could do).
 */
export function judgeLmClaims(runs: readonly StudyRun[], chanceLoss: number, level = 0.95): LmClaim[] {
  const byId = runsById(runs);
  const windows = Math.max(0, ...runs.map((r) => r.metrics?.valWindowLosses?.length ?? 0));
  const scores = (id: string): SeedScore[] =>
    (byId.get(id) ?? []).map((r) => {
      const seed = r.seed ?? 0;
      if (r.status !== 'ok' || !r.metrics) return { seed, accuracy: chanceLoss, correct: windows ? new Float64Array(windows).fill(chanceLoss) : undefined };
      const w = r.metrics.valWindowLosses;
      return { seed, accuracy: r.metrics.valLoss, correct: w && w.length === windows ? w : undefined };
    });
  const has = (id: string) => byId.has(id);
  const o = { level, resamples: 2000 };
  const ratio = (i: Interval) => {
    const f = (x: number | null) => (x === null ? '–' : Math.exp(x).toFixed(2));
    return `${f(i.estimate)}× [${f(i.lo)}, ${f(i.hi)}] (${i.method})`;
  };
  const std = scores('standard');
  const hasStd = std.length > 0 && byId.get('standard')!.some((r) => r.status === 'ok');
  const out: LmClaim[] = [];
  const claim = (id: ClaimId, text: string, parts: ClaimJudgement[]) => out.push({ id, claim: text, verdict: combineVerdicts(parts), parts });
  const atLeast = (label: string, a: string, b: string, bound: number, what: string): ClaimJudgement => {
    const interval = differenceInterval(scores(a), scores(b), o);
    return { claim: label, verdict: judgeAtLeast(interval, Math.log(bound)), interval, bound: Math.log(bound), evidence: `PPL ${what} = ${ratio(interval)}; must be ≥ ${bound}×` };
  };

  claim('mlp-far-below', `Token mixing is indispensable: uniform mlp's held-out PPL is at least ${FAR_WORSE}× standard's.`, has('uniform-mlp') && hasStd ? [atLeast('uniform mlp is far worse than standard', 'uniform-mlp', 'standard', FAR_WORSE, 'uniform mlp / standard')] : []);

  const na = byId.get('uniform-non-approximate');
  const naParts: ClaimJudgement[] = [];
  if (na && hasStd) {
    if (na.every((r) => r.status === 'diverged')) {
      naParts.push({ claim: 'uniform non-approximate fails to train', verdict: 'holds', interval: { estimate: NaN, lo: null, hi: null, level, method: `diverged at every seed (${na.length})`, n: na.length }, bound: Math.log(FAR_WORSE), evidence: `diverged at all ${na.length} seed(s): ${na[0]!.error ?? ''}`.trim() });
    } else naParts.push(atLeast('uniform non-approximate is far worse than standard', 'uniform-non-approximate', 'standard', FAR_WORSE, 'uniform non-approximate / standard'));
  }
  claim('non-approximate-fails', `Uniform non-approximate fails: it diverges, or its held-out PPL is at least ${FAR_WORSE}× standard's.`, naParts);

  const between: ClaimJudgement[] = [];
  if (hasStd && has('uniform-mlp')) {
    for (const m of BETWEEN) {
      const id = `uniform-${m}`;
      if (!has(id)) continue;
      const vsStd = differenceInterval(scores(id), std, o);
      const vsMlp = differenceInterval(scores('uniform-mlp'), scores(id), o);
      const v1 = judgeAtLeast(vsStd, Math.log(NOT_BETTER));
      const v2 = judgeAtLeast(vsMlp, 0);
      const verdict: Verdict = v1 === 'does not hold' || v2 === 'does not hold' ? 'does not hold' : v1 === 'holds' && v2 === 'holds' ? 'holds' : 'cannot tell';
      between.push({ claim: `uniform ${m} lies between standard and uniform mlp`, verdict, interval: vsMlp, bound: 0, evidence: `PPL ${m} / standard = ${ratio(vsStd)} (must be ≥ ${NOT_BETTER}×); mlp / ${m} = ${ratio(vsMlp)} (must be > 1×)` });
    }
  }
  claim('uniform-between', 'The other uniform variants land between standard and uniform mlp in held-out PPL.', between);

  const hybrids = [...byId.values()].map((l) => l[0]!).filter((r) => r.group === 'hybrid');
  claim(
    'hybrid-close',
    `Every hybrid is close to standard: held-out PPL at most ${CLOSE}× standard's.`,
    hasStd
      ? hybrids.map((h) => {
          const interval = differenceInterval(scores(h.id), std, o);
          return { claim: `${h.label} is close to standard`, verdict: judgeAtMost(interval, Math.log(CLOSE)), interval, bound: Math.log(CLOSE), evidence: `PPL ${h.label} / standard = ${ratio(interval)}; must be ≤ ${CLOSE}×` };
        })
      : [],
  );

  const collapse: ClaimJudgement[] = [];
  for (const [id, list] of byId) {
    const s = list[0]!;
    if (s.group !== 'hybrid-skip' || !s.evaluatedFrom) continue;
    // A hybrid that diverged has nothing to skip: it neither shows nor refutes the claim.
    if (!(byId.get(s.evaluatedFrom) ?? []).some((r) => r.status === 'ok')) continue;
    collapse.push(atLeast(`${s.label} collapses`, id, s.evaluatedFrom, COLLAPSE, `${s.label} / its hybrid`));
  }
  claim('skip-collapses', `Skipping a hybrid's relaxed layers collapses it: held-out PPL at least ${COLLAPSE}× the same hybrid's.`, collapse);
  return out;
}
