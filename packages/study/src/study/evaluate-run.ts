import * as tf from '@tensorflow/tfjs-core';
import { turnTaker } from '@deconattn/core';
import { analyzeModel, createScorer, heldOutLoss, splitTokens, tokenizeCorpus, type LanguageModel, type ModelAnalysis, type Tokenizer } from '@deconattn/hybrid';
import { bundledCorpus } from '@deconattn/hybrid/node';
import { evaluate } from '@deconattn/eval-glue/node';
import type { RunMetrics } from './types.js';

export interface EvalSettings {
  tasks: string[];
  limit: number;
  wikitextDocs: number;
  analysisSequences: number;
  /** Tokens per diagnostic sequence. */
  analysisLength: number;
  seqLen: number;
  heldOutWindows: number;
  cacheDir?: string;
}

/**
 * Everything the study measures of one model: held-out loss on the bundled corpus, WikiText
 * word perplexity, zero-shot tasks, and the attention diagnostics.
 */
export async function evaluateModel(model: LanguageModel, tokenizer: Tokenizer, s: EvalSettings, onProgress?: (what: string) => void): Promise<{ metrics: RunMetrics; analysis: ModelAnalysis }> {
  const { val } = splitTokens(tokenizeCorpus(tokenizer, bundledCorpus()));
  onProgress?.('held-out loss');
  // Window by window (the same windows heldOutLoss takes: consecutive, non-overlapping), so that
  // two models can be compared window against window (a paired bootstrap with one seed).
  const windows = Math.min(s.heldOutWindows, Math.floor((val.length - 1) / s.seqLen));
  if (windows < 1) await heldOutLoss(model, val, s.seqLen, s.heldOutWindows); // too little text: its error says so
  const valWindowLosses: number[] = [];
  const takeTurn = turnTaker(); // timers and signals get their turns (a queue's lock renewal)
  for (let k = 0; k < windows; k++) {
    await takeTurn();
    valWindowLosses.push(await heldOutLoss(model, val.subarray(k * s.seqLen, (k + 1) * s.seqLen + 1), s.seqLen, 1));
  }
  const valLoss = valWindowLosses.reduce((a, b) => a + b, 0) / windows;
  const scorer = await createScorer(model, tokenizer, { layers: model.layerMixers, skip: model.skip, backend: tf.getBackend() });
  // 5 decimals of a loss are plenty and keep results.json small.
  const metrics: RunMetrics = { valLoss, valPerplexity: Math.exp(valLoss), valWindowLosses: valWindowLosses.map((x) => Math.round(x * 1e5) / 1e5), tasks: {}, nluAverage: null };
  if (s.wikitextDocs > 0) {
    onProgress?.('wikitext');
    const r = await evaluate(scorer, { tasks: ['wikitext'], limit: s.wikitextDocs, cacheDir: s.cacheDir, bootstrapIters: 0 });
    const w = r.tasks.find((t) => t.task === 'wikitext');
    if (w?.evaluated) {
      const value = (name: string) => w.metrics.find((m) => m.metric === name)?.value ?? NaN;
      metrics.wikitext = { wordPerplexity: value('word_perplexity'), bytePerplexity: value('byte_perplexity'), bitsPerByte: value('bits_per_byte'), docs: w.n };
    }
  }
  const zeroShot = s.tasks.filter((t) => t !== 'wikitext');
  for (const task of zeroShot) {
    onProgress?.(`zero-shot ${task}`);
    let r;
    try {
      // 1000 bootstrap iterations: stderr for every metric (lm-eval's 100000 is slow for perplexity).
      r = await evaluate(scorer, { tasks: [task], limit: s.limit, cacheDir: s.cacheDir, bootstrapIters: 1000 });
    } catch (e) {
      // e.g. a continuation longer than a tiny model's context (lm-eval asserts on those too):
      // record why, and keep the study going.
      metrics.skippedTasks = { ...metrics.skippedTasks, [task]: (e as Error).message };
      continue;
    }
    // The table shows each task's headline metric, as eval-glue's typed outcomes give it (acc for
    // the NLU tasks, perplexity for LAMBADA); LAMBADA's accuracy is kept beside it.
    for (const t of r.tasks) {
      if (!t.evaluated) {
        metrics.skippedTasks = { ...metrics.skippedTasks, [t.task]: t.reason };
        continue;
      }
      if (!Number.isFinite(t.value)) continue;
      metrics.tasks[t.task] = { metric: t.metric, value: t.value, stderr: t.stderr, n: t.n };
      const acc = t.metrics.find((m) => m.metric === 'acc');
      if (t.task === 'lambada_openai' && acc && Number.isFinite(acc.value)) metrics.tasks.lambada_openai_acc = { metric: 'acc', value: acc.value, stderr: null, n: t.n };
    }
  }
  const nlu = Object.entries(metrics.tasks).filter(([t, v]) => v.metric === 'acc' && !t.startsWith('lambada'));
  metrics.nluAverage = nlu.length ? nlu.reduce((a, [, v]) => a + v.value, 0) / nlu.length : null;
  onProgress?.('attention diagnostics');
  const L = Math.min(s.analysisLength, model.config.maxPositions);
  const seqs: number[][] = [];
  for (let i = 0; i < s.analysisSequences && (i + 1) * L <= val.length; i++) seqs.push(Array.from(val.subarray(i * L, (i + 1) * L)));
  const analysis = await analyzeModel(model, seqs);
  // 3 decimals are plenty for heatmaps and keep results.json small.
  analysis.sampleMaps = analysis.sampleMaps.map((heads) => heads?.map((m) => m.map((v) => Math.round(v * 1e3) / 1e3)) ?? null);
  return { metrics, analysis };
}
