/** SQuAD-style answer normalisation, exact match and token F1 (transformers' squad_metrics, used by lm-eval's ReCoRD). */
import { pySplitWs } from '../pytext.js';

const PUNCT = new Set('!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~');
// Python's \b with Unicode \w (letters, digits, underscore).
const ARTICLES = /(?<![\p{L}\p{N}_])(a|an|the)(?![\p{L}\p{N}_])/gu;

export function normalizeAnswer(s: string): string {
  let t = s.toLowerCase();
  t = Array.from(t)
    .filter((c) => !PUNCT.has(c))
    .join('');
  t = t.replace(ARTICLES, ' ');
  return pySplitWs(t).join(' ');
}

export function exactMatch(gold: string, pred: string): number {
  return normalizeAnswer(gold) === normalizeAnswer(pred) ? 1 : 0;
}

export function tokenF1(gold: string, pred: string): number {
  const g = gold ? pySplitWs(normalizeAnswer(gold)) : [];
  const p = pred ? pySplitWs(normalizeAnswer(pred)) : [];
  if (g.length === 0 || p.length === 0) return g.length === p.length ? 1 : 0;
  const counts = new Map<string, number>();
  for (const w of g) counts.set(w, (counts.get(w) ?? 0) + 1);
  let same = 0;
  for (const w of p) {
    const c = counts.get(w) ?? 0;
    if (c > 0) {
      same++;
      counts.set(w, c - 1);
    }
  }
  if (same === 0) return 0;
  const precision = same / p.length;
  const recall = same / g.length;
  return (2 * precision * recall) / (precision + recall);
}

/** max over the gold answers (lm-eval's metric_max_over_ground_truths); 0 when there is none. */
export function maxOverGolds(fn: (gold: string, pred: string) => number, pred: string, golds: string[]): number {
  return golds.length ? Math.max(...golds.map((g) => fn(pred, g))) : 0;
}
