/** Zero-shot evaluation: lm-eval v0.4.8's requests, scoring and aggregation for a ScoringModel. */
import { DeconattnError } from '@deconattn/core';
import { AnswerCache, requestKey } from './cache.js';
import { loadDocs, type Doc } from './data/load.js';
import { resolveLoader, type AnswerStore, type EvalDataLoader } from './loader.js';
import { aggregate, type Item } from './metrics/aggregations.js';
import { maxOverGolds, exactMatch, tokenF1 } from './metrics/squad.js';
import { DEFAULT_BOOTSTRAP_ITERS } from './metrics/stderr.js';
import { prefixTokenId, type ScoreRequest, type ScoringModel } from './model.js';
import { pyLen, pyReSplitWsCount, utf8Length } from './pytext.js';
import { encodePair, rollingWindows, toScoreRequest, type TokenPair } from './requests.js';
import { buildResults, zeroShotConfig, type LmEvalResults, type TaskOutcome } from './results.js';
import { runRequests } from './runner.js';
import { taskResults, type EvalTaskResult } from './task-results.js';
import { compileZeroShot, loadTaskSpec, renderDoc, selectTasks, type CompiledZeroShot, type RenderedDoc } from './tasks.js';

export interface EvaluateOptions {
  /** Task and group names (glue, super_glue, paper). */
  tasks: string[];
  /** The first N documents of each task (N < 1: that fraction, rounded up, as lm-eval does). */
  limit?: number;
  logSamples?: boolean;
  /** Where tasks without vendored data (mnli, qqp, wnli, record, sciq, hellaswag) find their files. */
  dataDir?: string;
  /**
   * Answer cache directory (one file per model checksum); no cache when absent. Use a directory
   * only your own runs write, e.g. defaultEvalCacheDir() (from the /node entry): never one that
   * came with a model. The loader stores the answers (the Node loader: a file per model).
   */
  cacheDir?: string;
  /** Where task definitions, data and cached answers come from (default: the installed loader; see loader.ts). */
  loader?: EvalDataLoader;
  onProgress?: (done: number, total: number) => void;
  /** Sequences per model call (default 16); results do not depend on it. */
  batchSize?: number;
  /** lm-eval's bootstrap_iters for f1 / mcc / perplexity stderr (default 100000); 0 = no stderr at all, the mean's included, as in lm-eval. */
  bootstrapIters?: number;
  /** Recorded in the results (the CLI passes the repository's). */
  gitHash?: string;
  modelName?: string;
}

/** One logged document (a line of the --log-samples JSONL). */
export interface EvalSample {
  task: string;
  /** Index among the evaluated documents (lm-eval's doc_id). */
  doc_id: number;
  /** The document's data file and 1-based line there. */
  file: string;
  line: number;
  context: string;
  /** The continuations as scored (delimiter included); rolling: the text scored. */
  continuations: string[];
  loglikelihoods: number[];
  is_greedy: boolean[];
  /** Index of the predicted choice (multiple_choice), or null. */
  prediction: number | string | null;
  gold: number | string | null;
  metrics: Record<string, unknown>;
}

export interface EvaluationOutput {
  /** The lm-eval v0.4.8-shaped results file. */
  results: LmEvalResults;
  samples: EvalSample[];
  /** The same outcomes typed, per task: headline metric, value, stderr, n, direction; or why it was skipped. */
  tasks: EvalTaskResult[];
}

interface Prepared {
  t: CompiledZeroShot;
  docs: Doc[];
  original: number;
  rendered: RenderedDoc[];
  /** Per doc: continuations and, for each, the indices of its token requests. */
  conts: string[][];
  reqIdx: number[][][];
}

function argmax(xs: number[]): number {
  let best = 0;
  for (let i = 1; i < xs.length; i++) if (xs[i]! > xs[best]!) best = i;
  return best;
}

function effectiveLimit(limit: number | undefined, n: number): number {
  if (limit === undefined || limit === null) return n;
  if (!(limit > 0)) throw new DeconattnError(`limit must be a positive number of documents (or a fraction < 1), got ${limit}`);
  return Math.min(n, limit < 1 ? Math.ceil(n * limit) : Math.floor(limit));
}

/** The loader's store for `cacheDir`, or none when no cacheDir is given. */
export function answerStore(loader: EvalDataLoader, cacheDir: string | undefined, checksum: string): AnswerStore | undefined {
  if (!cacheDir) return undefined;
  if (!loader.openAnswers) throw new DeconattnError(`cacheDir '${cacheDir}' was given, but the loader stores no answers (it has no openAnswers); leave cacheDir out or use a loader that has one.`);
  return loader.openAnswers(cacheDir, checksum);
}

export async function evaluate(model: ScoringModel, opts: EvaluateOptions): Promise<EvaluationOutput> {
  const start = Date.now();
  if (!(model.maxLength >= 1)) throw new DeconattnError(`model.maxLength must be a positive integer, got ${model.maxLength}`);
  const loader = resolveLoader(opts.loader);
  const selection = selectTasks(opts.tasks, 'zeroShot', opts.dataDir, loader);
  if (selection.tasks.length === 0) {
    throw new DeconattnError(`No task to evaluate in ${opts.tasks.join(', ')}: ${selection.skipped.map((s) => `${s.task} (${s.reason})`).join('; ') || 'empty list'}.`);
  }
  const tok = model.tokenizer;
  const prefix = prefixTokenId(tok);
  const requests: ScoreRequest[] = [];
  const prepared: Prepared[] = [];

  for (const name of selection.tasks) {
    const t = compileZeroShot(loadTaskSpec(name, loader));
    const all = loadDocs(t.zs.data, name, opts.dataDir, loader);
    const docs = all.slice(0, effectiveLimit(opts.limit, all.length));
    const p: Prepared = { t, docs, original: all.length, rendered: [], conts: [], reqIdx: [] };
    for (const doc of docs) {
      const r = renderDoc(t, doc);
      p.rendered.push(r);
      const ctxMemo = new Map<string, number[]>();
      const encodeCtx = (s: string) => {
        let ids = ctxMemo.get(s);
        if (!ids) ctxMemo.set(s, (ids = tok.encode(s)));
        return ids;
      };
      const add = (pairs: TokenPair[]) => pairs.map((pair) => requests.push(toScoreRequest(pair, model.maxLength)) - 1);
      if (t.zs.outputType === 'multiple_choice') {
        const conts = r.choices!.map((c) => t.delimiter + c);
        p.conts.push(conts);
        p.reqIdx.push(conts.map((c) => add([encodePair(tok, r.context, c, encodeCtx)])));
      } else if (t.zs.outputType === 'loglikelihood') {
        p.conts.push([r.target!]);
        p.reqIdx.push([add([encodePair(tok, r.context, r.target!, encodeCtx)])]);
      } else {
        p.conts.push([r.target!]);
        p.reqIdx.push([add(rollingWindows(tok.encode(r.target!), prefix, model.maxLength))]);
      }
    }
    prepared.push(p);
  }

  const cache = new AnswerCache(answerStore(loader, opts.cacheDir, model.checksum));
  // Recorded in the results: how many of each task's requests were answered by the cache.
  const cachedBefore = requests.map((r) => cache.has(requestKey(r)));
  const cachedRequests = Object.fromEntries(prepared.map((p) => [p.t.spec.task, p.reqIdx.flat(2).filter((i) => cachedBefore[i]).length]));
  const answers = await runRequests(model, requests, { batchSize: opts.batchSize ?? 16, cache, onProgress: opts.onProgress });

  const bootstrapIters = opts.bootstrapIters ?? DEFAULT_BOOTSTRAP_ITERS;
  const outcomes: TaskOutcome[] = [];
  const samples: EvalSample[] = [];
  for (const p of prepared) {
    const { t } = p;
    const items: Record<string, Item[]> = {};
    for (const m of t.zs.metrics) items[m.metric] = [];
    const push = (k: string, v: Item) => items[k]?.push(v);
    p.docs.forEach((doc, d) => {
      const r = p.rendered[d]!;
      const lls = p.reqIdx[d]!.map((ids) => ids.reduce((s, i) => s + answers[i]!.ll, 0));
      const greedy = p.reqIdx[d]!.map((ids) => ids.every((i) => answers[i]!.greedy));
      const perDoc: Record<string, unknown> = {};
      let prediction: number | string | null = null;
      let gold: number | string | null = null;
      if (t.zs.outputType === 'multiple_choice') {
        const choices = r.choices!;
        gold = r.gold!;
        const pred = argmax(lls);
        prediction = pred;
        if (t.zs.processResults === 'record') {
          // lm-eval's ReCoRD process_results: the argmax entity against every gold answer.
          const golds = doc.fields.answers as string[];
          const entity = (doc.fields.entities as string[])[pred]!;
          perDoc.f1 = maxOverGolds(tokenF1, entity, golds);
          perDoc.em = maxOverGolds(exactMatch, entity, golds);
          push('f1', perDoc.f1 as number);
          push('em', perDoc.em as number);
        } else {
          const predNorm = argmax(lls.map((ll, i) => ll / pyLen(choices[i]!)));
          const acc = pred === gold ? 1 : 0;
          const accNorm = predNorm === gold ? 1 : 0;
          for (const m of t.zs.metrics) {
            if (m.metric === 'acc') perDoc.acc = acc;
            else if (m.metric === 'acc_norm') perDoc.acc_norm = accNorm;
            else if (m.metric === 'f1' || m.metric === 'mcc' || m.metric === 'f1a') perDoc[m.metric] = [gold, pred];
            else if (m.metric === 'em') perDoc.em = [String(doc.fields[t.zs.questionKey ?? 'qid']), gold, pred];
            push(m.metric, perDoc[m.metric] as Item);
          }
        }
      } else if (t.zs.outputType === 'loglikelihood') {
        perDoc.perplexity = lls[0]!;
        perDoc.acc = greedy[0] ? 1 : 0;
        push('perplexity', lls[0]!);
        push('acc', perDoc.acc as number);
        gold = r.target!;
      } else {
        const original = String(doc.fields[t.zs.unitsField ?? 'page']);
        const words = pyReSplitWsCount(original);
        const bytes = utf8Length(original);
        perDoc.word_perplexity = [lls[0]!, words];
        perDoc.byte_perplexity = [lls[0]!, bytes];
        perDoc.bits_per_byte = [lls[0]!, bytes];
        for (const k of ['word_perplexity', 'byte_perplexity', 'bits_per_byte']) push(k, perDoc[k] as Item);
      }
      if (opts.logSamples) {
        samples.push({
          task: t.spec.task,
          doc_id: d,
          file: doc.file,
          line: doc.line,
          context: r.context,
          continuations: p.conts[d]!,
          loglikelihoods: lls,
          is_greedy: greedy,
          prediction,
          gold,
          metrics: perDoc,
        });
      }
    });
    const metrics: TaskOutcome['metrics'] = [];
    for (const m of t.zs.metrics) {
      const its = items[m.metric]!;
      const { value, stderr } = its.length ? aggregate(m.aggregation, its, bootstrapIters) : { value: NaN, stderr: 'N/A' as const };
      metrics.push({ metric: m.metric, value, stderr, higherIsBetter: m.higherIsBetter });
    }
    outcomes.push({ spec: t.spec, config: zeroShotConfig(t), metrics, original: p.original, effective: p.docs.length });
  }

  const results = buildResults({
    protocol: 'zero-shot',
    model,
    outcomes,
    selection,
    limit: opts.limit,
    bootstrapIters,
    batchSize: opts.batchSize ?? 16,
    cacheDir: opts.cacheDir,
    cachedRequests,
    gitHash: opts.gitHash,
    modelName: opts.modelName,
    startMs: start,
    endMs: Date.now(),
  });
  return { results, samples, tasks: taskResults(outcomes, selection.skipped) };
}

/** The samples as JSON lines (one document per line). */
export function samplesToJsonl(samples: EvalSample[]): string {
  return samples.map((s) => JSON.stringify(s)).join('\n') + (samples.length ? '\n' : '');
}
