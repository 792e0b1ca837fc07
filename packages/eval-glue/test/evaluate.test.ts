/**
 * End-to-end zero-shot runs with the closed-form fake model: every log-likelihood, prediction
 * and metric below follows from its formula (logit = bonus, log Z = log(V − K + Σ e^bonus)).
 */
// The file-system loader, installed as the default (as `@deconattn/eval-glue/node` does).
import '../src/node.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadDocs } from '../src/data/load.js';
import { evaluate, samplesToJsonl } from '../src/evaluate.js';
import { pyLen, pyReSplitWsCount, utf8Length } from '../src/pytext.js';
import { resultsToMarkdown } from '../src/results.js';
import { compileZeroShot, loadTaskSpec, renderDoc } from '../src/tasks.js';
import { FakeModel, ToyTokenizer } from './helpers/toy.js';

const tok = new ToyTokenizer(['<|endoftext|>', 'Answer', ':', ' positive', ' negative', ' yes', ' no', ' True', ' False']);
const BONUS = { ' positive': 2, ' yes': 1 };
const logZ = Math.log(tok.vocabTotal - 2 + Math.exp(2) + Math.exp(1));
const tmp = mkdtempSync(join(tmpdir(), 'eval-glue-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const docsOf = (task: string) => {
  const t = compileZeroShot(loadTaskSpec(task));
  return loadDocs(t.zs.data, task).map((d) => ({ doc: d, r: renderDoc(t, d) }));
};
/** Σ over the continuation's tokens of (bonus − log Z); the contexts here end in a non-space, so the continuation tokenises alone. */
const llOf = (cont: string) => tok.encode(cont).reduce((s, id) => s + ((BONUS as Record<string, number>)[tok.decode([id])] ?? 0) - logZ, 0);

describe('evaluate() with a fake model', () => {
  it('sst2 + arc_easy + lambada_openai with --limit: values, predictions, stderr, samples', async () => {
    const model = new FakeModel(tok, { bonus: BONUS });
    const progress: [number, number][] = [];
    const out = await evaluate(model, { tasks: ['sst2', 'arc_easy', 'lambada_openai'], limit: 5, logSamples: true, bootstrapIters: 1000, onProgress: (d, t) => progress.push([d, t]) });
    const r = out.results;

    // sst2: " positive" always wins (bonus 2), so acc = share of positive golds in the first 5.
    const sst = docsOf('sst2').slice(0, 5);
    const accs = sst.map(({ r: x }) => (x.gold === 1 ? 1 : 0));
    const acc = accs.reduce((a: number, b) => a + b, 0) / 5;
    expect(r.results.sst2!['acc,none']).toBeCloseTo(acc, 12);
    const sd = Math.sqrt(accs.reduce((s: number, a) => s + (a - acc) ** 2, 0) / 4) / Math.sqrt(5);
    expect(r.results.sst2!['acc_stderr,none']).toBeCloseTo(sd, 12);
    const s0 = out.samples.find((s) => s.task === 'sst2' && s.doc_id === 0)!;
    expect(s0.continuations).toEqual([' negative', ' positive']);
    expect(s0.loglikelihoods[0]).toBeCloseTo(-logZ, 12);
    expect(s0.loglikelihoods[1]).toBeCloseTo(2 - logZ, 12);
    expect(s0.is_greedy).toEqual([false, true]);
    expect(s0.prediction).toBe(1);
    expect(s0).toMatchObject({ file: 'sst2/dev.tsv', line: 2, gold: 1 });

    // arc_easy: ll = −(#tokens)·log Z (+ bonuses), acc picks the best sum, acc_norm divides by the choice's characters.
    const arc = docsOf('arc_easy').slice(0, 5);
    let a = 0;
    let an = 0;
    for (const { r: x } of arc) {
      const lls = x.choices!.map((c) => llOf(' ' + c));
      const pred = lls.indexOf(Math.max(...lls));
      const norm = lls.map((l, i) => l / pyLen(x.choices![i]!));
      a += pred === x.gold ? 1 : 0;
      an += norm.indexOf(Math.max(...norm)) === x.gold ? 1 : 0;
    }
    expect(r.results.arc_easy!['acc,none']).toBeCloseTo(a / 5, 12);
    expect(r.results.arc_easy!['acc_norm,none']).toBeCloseTo(an / 5, 12);

    // lambada: per-document perplexity = exp(−mean ll); acc = all continuation tokens greedy (never here).
    const lam = docsOf('lambada_openai').slice(0, 5);
    const lls = lam.map(({ r: x }) => llOf(x.target!));
    expect(r.results.lambada_openai!['perplexity,none']).toBeCloseTo(Math.exp(-lls.reduce((s, v) => s + v, 0) / 5), 8);
    expect(r.results.lambada_openai!['acc,none']).toBe(0);
    expect(typeof r.results.lambada_openai!['perplexity_stderr,none']).toBe('number');

    // the results file's other blocks
    expect(r['n-samples'].sst2).toEqual({ original: 872, effective: 5 });
    expect(r.versions).toMatchObject({ sst2: 1, arc_easy: 1, lambada_openai: 1 });
    expect(r.configs.sst2).toMatchObject({ task: 'sst2', output_type: 'multiple_choice', target_delimiter: ' ', num_fewshot: 0, validation_split: 'validation' });
    expect(r.configs.arc_easy).toMatchObject({ test_split: 'test' });
    expect(r.higher_is_better.lambada_openai).toEqual({ perplexity: false, acc: true });
    expect(r.config).toMatchObject({ model: 'deconattn', limit: 5, bootstrap_iters: 1000 });
    expect(r.max_length).toBe(2048);
    const total = 5 * 2 + 5 * 4 + 5;
    expect(progress.at(-1)).toEqual([total, total]);
    expect(out.samples.length).toBe(15);
    expect(samplesToJsonl(out.samples).trim().split('\n').length).toBe(15);

    const md = resultsToMarkdown(r);
    expect(md).toContain('|sst2|1|none|0|acc|↑|');
    expect(md).toContain('|lambada_openai|1|none|0|perplexity|↓|');
  });

  it('wikitext: the rolling windows score every token once; word/byte perplexity and bits per byte', async () => {
    const model = new FakeModel(tok, { bonus: BONUS, maxLength: 64 });
    const out = await evaluate(model, { tasks: ['wikitext'], limit: 1, bootstrapIters: 0 });
    const { doc, r } = docsOf('wikitext')[0]!;
    const ll = llOf(r.target!);
    const page = doc.fields.page as string;
    const res = out.results.results.wikitext!;
    expect(Math.log(res['word_perplexity,none'] as number)).toBeCloseTo(-ll / pyReSplitWsCount(page), 10);
    expect(Math.log(res['byte_perplexity,none'] as number)).toBeCloseTo(-ll / utf8Length(page), 10);
    expect(res['bits_per_byte,none']).toBeCloseTo(-ll / utf8Length(page) / Math.LN2, 8);
    expect(res['word_perplexity_stderr,none']).toBe('N/A');
    expect(model.calls.sequences).toBe(Math.ceil(tok.encode(r.target!).length / 64));
  });

  it('the answer cache makes a re-run free and gives the same results', async () => {
    const dir = join(tmp, 'cache');
    const m1 = new FakeModel(tok, { bonus: BONUS });
    const a = await evaluate(m1, { tasks: ['copa', 'cb'], limit: 8, cacheDir: dir, bootstrapIters: 0 });
    expect(m1.calls.sequences).toBe(8 * 2 + 8 * 3);
    const m2 = new FakeModel(tok, { bonus: BONUS });
    const b = await evaluate(m2, { tasks: ['copa', 'cb'], limit: 8, cacheDir: dir, bootstrapIters: 0 });
    expect(m2.calls.sequences).toBe(0);
    expect(b.results.results).toEqual(a.results.results);
    // another model (checksum) does not see those answers
    const m3 = new FakeModel(tok, { bonus: { ' yes': 1 } });
    await evaluate(m3, { tasks: ['copa'], limit: 2, cacheDir: dir, bootstrapIters: 0 });
    expect(m3.calls.sequences).toBe(4);
  });

  it('one-token continuations that share a context take one forward pass with scoreNextTokens', async () => {
    const plain = new FakeModel(tok, { bonus: BONUS });
    const fast = new FakeModel(tok, { bonus: BONUS, nextTokens: true });
    const a = await evaluate(plain, { tasks: ['sst2', 'boolq'], limit: 6, bootstrapIters: 0, logSamples: true });
    const b = await evaluate(fast, { tasks: ['sst2', 'boolq'], limit: 6, bootstrapIters: 0, logSamples: true });
    expect(plain.calls.sequences).toBe(24);
    expect(fast.calls.sequences).toBe(0);
    expect(fast.calls.nextInputs).toBe(12);
    expect(b.results.results).toEqual(a.results.results);
    b.samples.forEach((s, i) => {
      s.loglikelihoods.forEach((ll, k) => expect(ll).toBeCloseTo(a.samples[i]!.loglikelihoods[k]!, 12));
      expect(s.is_greedy).toEqual(a.samples[i]!.is_greedy);
    });
  });

  it('groups: members without data are skipped, the score averages the official metrics', async () => {
    const model = new FakeModel(tok, { bonus: BONUS, nextTokens: true });
    const out = await evaluate(model, { tasks: ['glue'], limit: 3, bootstrapIters: 0 });
    const r = out.results;
    expect(Object.keys(r['n-samples']).sort()).toEqual(['cola', 'mrpc', 'qnli', 'rte', 'sst2']);
    const skipped = (r.deconattn as { skipped_tasks: { task: string }[] }).skipped_tasks.map((s) => s.task).sort();
    expect(skipped).toEqual(['mnli', 'mnli_mismatch', 'qqp', 'stsb', 'wnli']);
    const res = r.results;
    const v = (t: string, m: string) => res[t]![`${m},none`] as number;
    const expected = (v('cola', 'mcc') + (v('mrpc', 'acc') + v('mrpc', 'f1')) / 2 + v('qnli', 'acc') + v('rte', 'acc') + v('sst2', 'acc')) / 5;
    expect(r.groups.glue!['score,none']).toBeCloseTo(expected, 12);
    expect(r.group_subtasks.glue).toEqual(['cola', 'mrpc', 'qnli', 'rte', 'sst2']);
    expect(resultsToMarkdown(r)).toContain('|glue|cola, mrpc, qnli, rte, sst2|score|');
  });

  it('errors: unknown task, a task without zero-shot definition, data that is not here', async () => {
    const model = new FakeModel(tok);
    await expect(evaluate(model, { tasks: ['ssst2'] })).rejects.toThrow(/Unknown task 'ssst2'.*Did you mean 'sst2'/);
    await expect(evaluate(model, { tasks: ['stsb'] })).rejects.toThrow(/no zero-shot definition/);
    await expect(evaluate(model, { tasks: ['hellaswag'] })).rejects.toThrow(/--data-dir.*hellaswag\/hellaswag_val\.jsonl/);
    await expect(evaluate(model, { tasks: ['sst2'], limit: -1 })).rejects.toThrow(/limit/);
  });
});
