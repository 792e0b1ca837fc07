/**
 * A task whose documents a model cannot score (a continuation longer than its context) is
 * reported as not evaluated — task, how many documents, the longest request, the model's
 * context — and every other task is scored; `strict` refuses before any scoring.
 */
import { describe, expect, it } from 'vitest';
// The file-system loader of task definitions and data (the main entry has none: it is browser-safe).
import '../src/node.js';
import { evaluate } from '../src/evaluate.js';
import { encodePair } from '../src/requests.js';
import { resultsToMarkdown } from '../src/results.js';
import { compileZeroShot, loadTaskSpec, renderDoc } from '../src/tasks.js';
import { loadDocs } from '../src/data/load.js';
import { FakeModel, ToyTokenizer } from './helpers/toy.js';

const tok = new ToyTokenizer(['<|endoftext|>', ' positive', ' negative']);
const CONTEXT = 7;
const LIMIT = 20;

/** Independently: the lambada documents among the first LIMIT whose last word needs > CONTEXT tokens. */
function lambadaTooLong(): { failing: number; longest: number } {
  const t = compileZeroShot(loadTaskSpec('lambada_openai'));
  const lens = loadDocs(t.zs.data, 'lambada_openai')
    .slice(0, LIMIT)
    .map((d) => {
      const r = renderDoc(t, d);
      return encodePair(tok, r.context, r.target!).cont.length;
    });
  return { failing: lens.filter((n) => n > CONTEXT).length, longest: Math.max(...lens) };
}

describe('tasks a model cannot score', () => {
  it('are reported as not evaluated (table, results JSON, return value) and the others are scored', async () => {
    const expected = lambadaTooLong();
    expect(expected.failing).toBeGreaterThan(0);
    expect(expected.failing).toBeLessThan(LIMIT); // some fit: the whole task is still left out
    const model = new FakeModel(tok, { maxLength: CONTEXT });
    const out = await evaluate(model, { tasks: ['sst2', 'lambada_openai'], limit: LIMIT, bootstrapIters: 0 });
    const entry = { task: 'lambada_openai', failing: expected.failing, documents: LIMIT, longestRequest: expected.longest, modelContext: CONTEXT };
    expect(out.notEvaluated).toEqual([expect.objectContaining(entry)]);
    expect(out.notEvaluated[0]!.reason).toMatch(/does not fit the model's context of 7 tokens/);
    expect(Object.keys(out.results.results)).toEqual(['sst2']);
    expect(Number.isFinite(out.results.results.sst2!['acc,none'])).toBe(true);
    expect((out.results.deconattn as any).not_evaluated).toEqual([expect.objectContaining(entry)]);
    const table = resultsToMarkdown(out.results);
    expect(table).toMatch(/\|Not evaluated\|Documents that cannot be scored\|Longest request \(tokens\)\|Model context\|/);
    expect(table).toContain(`|lambada_openai|${expected.failing} of ${LIMIT}|${expected.longest}|${CONTEXT}|`);
    // Nothing of lambada was scored: exactly what sst2 alone takes.
    const alone = new FakeModel(tok, { maxLength: CONTEXT });
    await evaluate(alone, { tasks: ['sst2'], limit: LIMIT, bootstrapIters: 0 });
    expect(model.calls.sequences).toBe(alone.calls.sequences);
  });

  it('strict: an error naming the task, before anything is scored', async () => {
    const model = new FakeModel(tok, { maxLength: CONTEXT });
    await expect(evaluate(model, { tasks: ['sst2', 'lambada_openai'], limit: LIMIT, strict: true })).rejects.toThrow(/Not every task can be evaluated \(strict\): lambada_openai: \d+ of 20 documents cannot be scored/);
    expect(model.calls.sequences).toBe(0);
  });

  it('nothing left to score is an error, not an empty result', async () => {
    const model = new FakeModel(tok, { maxLength: CONTEXT });
    await expect(evaluate(model, { tasks: ['lambada_openai'], limit: LIMIT })).rejects.toThrow(/No task can be evaluated: lambada_openai/);
    expect(model.calls.sequences).toBe(0);
  });
});
