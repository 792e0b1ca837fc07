import { meanInterval, pairedBootstrap, wilsonInterval, type Interval } from '@deconattn/tasks-synthetic';
import type { ModelSummary, StudyRun } from './types.js';

/** The runs of one model (same id) over the study's seeds, in seed order. */
export function runsById(runs: readonly StudyRun[]): Map<string, StudyRun[]> {
  const out = new Map<string, StudyRun[]>();
  for (const r of runs) out.set(r.id, [...(out.get(r.id) ?? []), r]);
  for (const list of out.values()) list.sort((a, b) => (a.seed ?? 0) - (b.seed ?? 0));
  return out;
}

const expInterval = (i: Interval | null): Interval | null => (i ? { ...i, estimate: Math.exp(i.estimate), lo: i.lo === null ? null : Math.exp(i.lo), hi: i.hi === null ? null : Math.exp(i.hi) } : null);

/** Mean with a t interval over seeds; one value: none. */
function overSeeds(values: number[], level: number): Interval | null {
  const xs = values.filter((v) => Number.isFinite(v));
  return xs.length ? meanInterval(xs, level) : null;
}

/**
 * A perplexity over seeds: perplexities are exponentials of mean losses and spread over orders of
 * magnitude, so the mean and its t interval are taken of their logarithms (the loss) and mapped
 * back — a geometric mean whose interval stays positive, as for the held-out perplexity.
 */
function perplexityOverSeeds(values: number[], level: number): Interval | null {
  const xs = values.filter((v) => v > 0);
  if (xs.length < 2) return overSeeds(xs, level); // one seed: the value itself, exactly
  return expInterval(overSeeds(xs.map(Math.log), level));
}

/**
 * The held-out loss of a model over seeds: a t interval over seeds, or with one seed a bootstrap
 * over the held-out windows (resampling windows; it covers the text sampled, not training noise).
 */
export function lossInterval(runs: readonly StudyRun[], level = 0.95): Interval | null {
  const ok = runs.filter((r) => r.status === 'ok' && r.metrics);
  if (!ok.length) return null;
  if (ok.length >= 2) return overSeeds(ok.map((r) => r.metrics!.valLoss), level);
  const w = ok[0]!.metrics!.valWindowLosses;
  if (!w || w.length < 2) return meanInterval([ok[0]!.metrics!.valLoss], level);
  const b = pairedBootstrap(w, new Float64Array(w.length), { level, resamples: 2000, seed: 0 });
  return { estimate: ok[0]!.metrics!.valLoss, lo: b.lo, hi: b.hi, level, method: `one seed: bootstrap over ${w.length} held-out windows`, n: 1 };
}


/** A zero-shot score over seeds; with one seed, Wilson for an accuracy and ± z·stderr for a perplexity. */
function taskInterval(scores: { metric: string; value: number; stderr: number | null; n: number }[], level: number): Interval | null {
  if (!scores.length) return null;
  const perplexity = /perplexity/.test(scores[0]!.metric);
  if (scores.length >= 2) return perplexity ? perplexityOverSeeds(scores.map((s) => s.value), level) : overSeeds(scores.map((s) => s.value), level);
  const s = scores[0]!;
  if (s.metric === 'acc' && s.n > 0) {
    const w = wilsonInterval(Math.round(s.value * s.n), s.n, level);
    return { ...w, estimate: s.value, method: `one seed: ${w.method}` };
  }
  if (s.stderr !== null && Number.isFinite(s.stderr) && perplexity && s.value > 0) {
    // The delta method on the log scale (stderr of log p ≈ stderr / p): a positive interval.
    const half = (1.959963984540054 * s.stderr) / s.value;
    return { estimate: s.value, lo: s.value * Math.exp(-half), hi: s.value * Math.exp(half), level, method: "one seed: × exp(∓ 1.96 × the task's bootstrap stderr / value)", n: 1 };
  }
  if (s.stderr !== null && Number.isFinite(s.stderr)) {
    const half = 1.959963984540054 * s.stderr;
    return { estimate: s.value, lo: s.value - half, hi: s.value + half, level, method: 'one seed: ± 1.96 × the task\'s bootstrap stderr', n: 1 };
  }
  return meanInterval([s.value], level);
}

/**
 * Each model of the language-model suite over its seeds: held-out loss and perplexity, WikiText,
 * every zero-shot task and the NLU average as a mean with its interval (t over seeds; with one
 * seed the test-noise interval of each figure where one exists).
 */
export function summarizeRuns(runs: readonly StudyRun[], level = 0.95): ModelSummary[] {
  const out: ModelSummary[] = [];
  for (const [id, list] of runsById(runs)) {
    const ok = list.filter((r) => r.status === 'ok' && r.metrics);
    const first = list[0]!;
    const valLoss = lossInterval(list, level);
    const tasks: Record<string, Interval> = {};
    const names = new Set(ok.flatMap((r) => Object.keys(r.metrics!.tasks)));
    for (const t of names) {
      const i = taskInterval(ok.map((r) => r.metrics!.tasks[t]).filter((s): s is NonNullable<typeof s> => !!s), level);
      if (i) tasks[t] = i;
    }
    const wiki = ok.map((r) => r.metrics!.wikitext?.wordPerplexity).filter((v): v is number => v !== undefined);
    const nlu = ok.map((r) => r.metrics!.nluAverage).filter((v): v is number => v !== null);
    out.push({
      id,
      label: first.label,
      group: first.group,
      mixer: first.mixer,
      seeds: list.length,
      notOk: list.length - ok.length,
      valLoss,
      valPerplexity: expInterval(valLoss),
      wikitext: wiki.length ? perplexityOverSeeds(wiki, level) : null,
      tasks,
      nluAverage: nlu.length ? meanInterval(nlu, level) : null,
    });
  }
  return out;
}
