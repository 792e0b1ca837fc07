/**
 * Classification and correlation metrics, computed as sklearn / scipy do (the functions lm-eval
 * and the GLUE/SuperGLUE evaluation scripts call).
 */

/** sklearn f1_score(y_true, y_pred) with average="binary", pos_label=1; 0 when there is no positive at all. */
export function f1Binary(golds: ArrayLike<number>, preds: ArrayLike<number>, positive = 1): number {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (let i = 0; i < golds.length; i++) {
    const g = golds[i] === positive;
    const p = preds[i] === positive;
    if (g && p) tp++;
    else if (p) fp++;
    else if (g) fn++;
  }
  const denom = 2 * tp + fp + fn;
  return denom === 0 ? 0 : (2 * tp) / denom;
}

/** sklearn matthews_corrcoef (multiclass form; 0 when a marginal is constant). */
export function matthewsCorrcoef(golds: ArrayLike<number>, preds: ArrayLike<number>): number {
  const n = golds.length;
  const t = new Map<number, number>();
  const p = new Map<number, number>();
  let correct = 0;
  for (let i = 0; i < n; i++) {
    t.set(golds[i]!, (t.get(golds[i]!) ?? 0) + 1);
    p.set(preds[i]!, (p.get(preds[i]!) ?? 0) + 1);
    if (golds[i] === preds[i]) correct++;
  }
  let tp = 0;
  let pp = 0;
  let tt = 0;
  for (const [k, c] of t) {
    tt += c * c;
    tp += c * (p.get(k) ?? 0);
  }
  for (const c of p.values()) pp += c * c;
  const covYtYp = correct * n - tp;
  const covYpYp = n * n - pp;
  const covYtYt = n * n - tt;
  if (covYpYp * covYtYt === 0) return 0;
  return covYtYp / Math.sqrt(covYtYt * covYpYp);
}

/** lm-eval's cb_multi_fi: the mean of the one-vs-rest binary F1 of each class 0..numClasses-1. */
export function macroF1(golds: ArrayLike<number>, preds: ArrayLike<number>, numClasses: number): number {
  let s = 0;
  for (let c = 0; c < numClasses; c++) s += f1Binary(golds, preds, c);
  return s / numClasses;
}

export function accuracy(golds: ArrayLike<number>, preds: ArrayLike<number>): number {
  let ok = 0;
  for (let i = 0; i < golds.length; i++) if (golds[i] === preds[i]) ok++;
  return golds.length ? ok / golds.length : NaN;
}

/** MultiRC exact match: the fraction of questions whose answers are all predicted correctly. */
export function groupExactMatch(groups: ArrayLike<string>, golds: ArrayLike<number>, preds: ArrayLike<number>): number {
  const ok = new Map<string, boolean>();
  for (let i = 0; i < golds.length; i++) ok.set(groups[i]!, (ok.get(groups[i]!) ?? true) && golds[i] === preds[i]);
  let s = 0;
  for (const v of ok.values()) s += v ? 1 : 0;
  return ok.size ? s / ok.size : NaN;
}

/** scipy.stats.pearsonr's statistic. */
export function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = x.length;
  if (n !== y.length || n < 2) return NaN;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i]!;
    my += y[i]!;
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i]! - mx;
    const dy = y[i]! - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx === 0 || syy === 0) return NaN;
  return Math.max(-1, Math.min(1, sxy / Math.sqrt(sxx * syy)));
}

/** Ranks 1..n with ties given their average rank (scipy.stats.rankdata "average"). */
export function averageRanks(x: ArrayLike<number>): number[] {
  const idx = Array.from({ length: x.length }, (_, i) => i).sort((a, b) => x[a]! - x[b]!);
  const ranks = new Array<number>(x.length);
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j + 1 < idx.length && x[idx[j + 1]!] === x[idx[i]!]) j++;
    const r = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[idx[k]!] = r;
    i = j + 1;
  }
  return ranks;
}

/** scipy.stats.spearmanr's statistic: Pearson correlation of the average ranks. */
export function spearman(x: ArrayLike<number>, y: ArrayLike<number>): number {
  return pearson(averageRanks(x), averageRanks(y));
}
