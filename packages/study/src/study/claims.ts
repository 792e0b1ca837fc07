import type { SyntheticClaim } from '@deconattn/tasks-synthetic';
import type { LmClaim } from './lm-claims.js';
import type { StudyClaim } from './types.js';

/** The paper's five findings in its order, in words that fit both suites. */
export const PAPER_CLAIMS: readonly { id: StudyClaim['id']; claim: string }[] = [
  { id: 'mlp-far-below', claim: 'Token mixing is indispensable: uniform mlp is far worse than standard.' },
  { id: 'non-approximate-fails', claim: 'Uniform non-approximate is unstable or far worse than standard.' },
  { id: 'uniform-between', claim: 'The other uniform variants land between standard and uniform mlp.' },
  { id: 'hybrid-close', claim: 'Every hybrid is close to standard.' },
  { id: 'skip-collapses', claim: "Skipping a hybrid's relaxed layers collapses it." },
];

/** Each finding with its verdict on the language-model suite and on every synthetic task rung. */
export function studyClaims(lm: readonly LmClaim[] | null, synthetic: readonly SyntheticClaim[] | null): StudyClaim[] {
  return PAPER_CLAIMS.map(({ id, claim }) => {
    const l = lm?.find((c) => c.id === id);
    return {
      id,
      claim,
      lm: l ? { verdict: l.verdict, parts: l.parts } : null,
      synthetic: (synthetic ?? []).filter((c) => c.id === id).map((c) => ({ task: c.task, rung: c.rung, verdict: c.verdict, parts: c.parts })),
    };
  });
}

/**
 * One verdict per finding over everything measured: holds when some measurement holds and none
 * fails, does not hold when some fails and none holds, cannot tell otherwise (including when the
 * suites disagree); null when nothing measured it.
 */
export function overallVerdict(c: StudyClaim): 'holds' | 'does not hold' | 'cannot tell' | 'suites disagree' | null {
  const vs = [c.lm?.verdict ?? null, ...c.synthetic.map((s) => s.verdict)].filter((v): v is NonNullable<typeof v> => v !== null);
  if (!vs.length) return null;
  const holds = vs.includes('holds');
  const fails = vs.includes('does not hold');
  if (holds && fails) return 'suites disagree';
  if (holds) return 'holds';
  if (fails) return 'does not hold';
  return 'cannot tell';
}
