/**
 * The browser path: evaluation through a loader over files held in memory (what a page that
 * fetched tasks/ and data/ would pass) gives the results of the file-system loader, and without
 * any loader the main entry says how to get one.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluate } from '../src/evaluate.js';
import { memoryDataLoader, resolveLoader, setDefaultEvalDataLoader } from '../src/loader.js';
import { listTasks, loadTaskSpec, selectTasks } from '../src/tasks.js';
import { nodeDataLoader, tasksDir, vendoredDataDir } from '../src/node.js';
import { FakeModel, ToyTokenizer } from './helpers/toy.js';

describe('loaders', () => {
  it('a memory loader over the same files scores as the file-system loader', async () => {
    const tasks = ['copa', 'boolq', 'wikitext'];
    const node = nodeDataLoader();
    const files: Record<string, string> = {};
    for (const t of tasks) for (const f of loadTaskSpec(t, node).zeroShot!.data.files) files[`vendored/${f}`] = readFileSync(join(vendoredDataDir(), f), 'utf8');
    const memory = memoryDataLoader({ tasks: Object.fromEntries(tasks.map((t) => [t, readFileSync(join(tasksDir(), `${t}.json`), 'utf8')])), files });
    expect(listTasks(memory)).toEqual([...tasks].sort());
    const tok = new ToyTokenizer(['<|endoftext|>', ' yes', ' no']);
    const run = (loader: typeof node) => evaluate(new FakeModel(tok, { bonus: { ' yes': 1 } }), { tasks, limit: 4, bootstrapIters: 0, loader, logSamples: true });
    const [a, b] = await Promise.all([run(node), run(memory)]);
    expect(b.results.results).toEqual(a.results.results);
    expect(b.tasks).toEqual(a.tasks);
    // Documents are named as each loader names its files.
    expect(b.samples[0]!.file).toBe(a.samples[0]!.file);
    expect(b.samples.map((s) => s.loglikelihoods)).toEqual(a.samples.map((s) => s.loglikelihoods));
  });

  it('a memory loader keeps cached answers across runs that share its data', async () => {
    const tok = new ToyTokenizer(['<|endoftext|>', ' yes', ' no']);
    const node = nodeDataLoader();
    const data = { tasks: { copa: loadTaskSpec('copa', node) }, files: { 'vendored/copa/val.jsonl': '' } as Record<string, string>, answers: {} as Record<string, string> };
    for (const f of loadTaskSpec('copa', node).zeroShot!.data.files) data.files[`vendored/${f}`] = readFileSync(join(vendoredDataDir(), f), 'utf8');
    const loader = memoryDataLoader(data);
    const m1 = new FakeModel(tok);
    await evaluate(m1, { tasks: ['copa'], limit: 3, bootstrapIters: 0, loader, cacheDir: 'c' });
    const m2 = new FakeModel(tok);
    const again = await evaluate(m2, { tasks: ['copa'], limit: 3, bootstrapIters: 0, loader, cacheDir: 'c' });
    expect(m1.calls.sequences).toBe(6); // 3 documents × 2 choices
    expect(m2.calls.sequences).toBe(0);
    expect(again.results.config.cached_requests).toEqual({ copa: 6 });
  });

  it('a dataDir task is skipped in a group when the loader lacks its files, and named when asked for', () => {
    const memory = memoryDataLoader({ tasks: { mnli: loadTaskSpec('mnli', nodeDataLoader()) }, files: {} });
    expect(selectTasks(['glue'], 'zeroShot', 'dir', memory).skipped.map((s) => s.task)).toEqual(['mnli']);
  });

  it('without a loader the error says how to get one', () => {
    const installed = resolveLoader();
    setDefaultEvalDataLoader(undefined);
    try {
      expect(() => listTasks()).toThrow(/import '@deconattn\/eval-glue\/node'.*`loader` option/);
    } finally {
      setDefaultEvalDataLoader(installed);
    }
  });
});
