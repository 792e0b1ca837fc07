/**
 * Tasks read from --data-dir in their official formats (prompts worked out by hand from EVAL.md),
 * and malformed or missing data files: the error names the file, the line and what was expected.
 */
// The file-system loader, installed as the default (as `@deconattn/eval-glue/node` does).
import '../src/node.js';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadDocs } from '../src/data/load.js';
import { DataFileError } from '../src/errors.js';
import { evaluate } from '../src/evaluate.js';
import { compileZeroShot, loadTaskSpec, renderDoc, selectTasks } from '../src/tasks.js';
import { FakeModel, ToyTokenizer } from './helpers/toy.js';

const root = mkdtempSync(join(tmpdir(), 'eval-glue-data-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
/** A fresh data dir holding the given files. */
function dataDir(files: Record<string, string>): string {
  const dir = join(root, String(n++));
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
  return dir;
}
function render(task: string, dir: string) {
  const t = compileZeroShot(loadTaskSpec(task));
  return loadDocs(t.zs.data, task, dir).map((d) => renderDoc(t, d));
}
function dataError(fn: () => unknown): DataFileError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DataFileError);
    return e as DataFileError;
  }
  throw new Error('expected a DataFileError');
}

const MNLI_HEADER = 'index\tpromptID\tpairID\tgenre\tsentence1_binary_parse\tsentence2_binary_parse\tsentence1_parse\tsentence2_parse\tsentence1\tsentence2\tlabel1\tgold_label';
const mnliRow = (i: number, p: string, h: string, l: string) => [i, 1, `${i}e`, 'fiction', '(x)', '(y)', '(X)', '(Y)', p, h, l, l].join('\t');

describe('tasks loaded from --data-dir in their official formats', () => {
  it('mnli / mnli_mismatch: hypothesis stripped, "." appended unless present', () => {
    const dir = dataDir({
      'MNLI/dev_matched.tsv': [MNLI_HEADER, mnliRow(0, 'A man sleeps.', '  The man rests ', 'entailment'), mnliRow(1, 'It rains.', 'It is dry.', 'contradiction')].join('\n') + '\n',
      'MNLI/dev_mismatched.tsv': [MNLI_HEADER, mnliRow(0, 'P', 'H', 'neutral')].join('\r\n') + '\r\n',
    });
    expect(render('mnli', dir)).toEqual([
      { context: 'A man sleeps.\nQuestion: The man rests. True, False or Neither?\nAnswer:', choices: ['True', 'Neither', 'False'], gold: 0 },
      { context: 'It rains.\nQuestion: It is dry. True, False or Neither?\nAnswer:', choices: ['True', 'Neither', 'False'], gold: 2 },
    ]);
    expect(render('mnli_mismatch', dir)).toEqual([{ context: 'P\nQuestion: H. True, False or Neither?\nAnswer:', choices: ['True', 'Neither', 'False'], gold: 1 }]);
  });

  it('qqp and wnli', () => {
    const dir = dataDir({
      'QQP/dev.tsv': 'id\tqid1\tqid2\tquestion1\tquestion2\tis_duplicate\n7\t1\t2\tHow old is Rome?\tWhat is the age of Rome?\t1\n',
      'WNLI/dev.tsv': 'index\tsentence1\tsentence2\tlabel\n0\tThe trophy did not fit because it was big.\tThe trophy was big.\t1\n',
    });
    expect(render('qqp', dir)).toEqual([
      { context: 'Question 1: How old is Rome?\nQuestion 2: What is the age of Rome?\nQuestion: Do both questions ask the same thing?\nAnswer:', choices: ['no', 'yes'], gold: 1 },
    ]);
    expect(render('wnli', dir)).toEqual([{ context: 'The trophy did not fit because it was big.\nQuestion: The trophy was big. True or False?\nAnswer:', choices: ['False', 'True'], gold: 1 }]);
  });

  it('hellaswag: capitalize(ctx_b), " [title]" → ". ", [..] spans removed, double spaces collapsed', () => {
    const row = (o: object) => JSON.stringify(o);
    const dir = dataDir({
      'hellaswag/hellaswag_val.jsonl':
        row({ ind: 24, activity_label: 'Roof shingle removal', ctx_a: 'A man is sitting on a roof.', ctx_b: 'he', label: 3, endings: ['is using wrap to wrap a pair of skis.', 'is ripping level tiles off.', "is holding a rubik's cube.", 'starts pulling up roofing on a roof.'] }) +
        '\n' +
        row({ activity_label: 'Making tea', ctx_a: '[header] How to make tea [title] Boil the water.', ctx_b: 'THEN you', label: '1', endings: ['[step] Pour it  in a cup.', ' [title] Wait. '] }) +
        '\n',
    });
    expect(render('hellaswag', dir)).toEqual([
      { context: 'Roof shingle removal: A man is sitting on a roof. He', choices: ['is using wrap to wrap a pair of skis.', 'is ripping level tiles off.', "is holding a rubik's cube.", 'starts pulling up roofing on a roof.'], gold: 3 },
      { context: 'Making tea: How to make tea. Boil the water. Then you', choices: [' Pour it in a cup.', ' Wait.'], gold: 1 },
    ]);
  });

  it('sciq: support lstripped, the correct answer is always the last choice', () => {
    const dir = dataDir({
      'SciQ/test.json': JSON.stringify([{ question: 'What is H2O?', distractor3: 'salt', distractor1: 'air', distractor2: 'fire', correct_answer: 'water', support: '\n Water is H2O.' }], null, 1),
    });
    expect(render('sciq', dir)).toEqual([{ context: 'Water is H2O.\nQuestion: What is H2O?\nAnswer:', choices: ['air', 'fire', 'salt', 'water'], gold: 3 }]);
  });

  it('record: highlights as bullets, entities deduplicated and sorted, F1/EM against the answers', async () => {
    const text = 'The cat sat.\n@highlight\nCats sit\n@highlight\nDogs run';
    const rec = {
      source: 'x',
      idx: 0,
      passage: { text, entities: [{ start: 4, end: 6 }, { start: 24, end: 27 }, { start: 44, end: 47 }, { start: 4, end: 6 }] },
      qas: [{ query: '@placeholder likes the mat', idx: 0, answers: [{ start: 4, end: 6, text: 'cat' }] }],
    };
    const dir = dataDir({ 'ReCoRD/val.jsonl': JSON.stringify(rec) + '\n' });
    expect(render('record', dir)).toEqual([
      { context: 'The cat sat.\n\n  - Cats sit.\n  - Dogs run.\n', choices: ['  - Cats likes the mat', '  - Dogs likes the mat', '  - cat likes the mat'], gold: 2 },
    ]);
    // A model that prefers "Cats" (first of the best choices): F1 vs "cat" is 0, EM 0.
    const tok = new ToyTokenizer(['<|endoftext|>', ' Cats', ' cat']);
    const out = await evaluate(new FakeModel(tok, { bonus: { ' Cats': 3 } }), { tasks: ['record'], dataDir: dir, logSamples: true });
    expect(out.results.results.record).toMatchObject({ 'f1,none': 0, 'em,none': 0 });
    // Logged as delimiter + choice; tokenisation then moves the context's final "\n" in front of it.
    expect(out.samples[0]!.continuations[0]).toBe(' ' + '  - Cats likes the mat');
    const out2 = await evaluate(new FakeModel(tok, { bonus: { ' cat': 3 } }), { tasks: ['record'], dataDir: dir });
    expect(out2.results.results.record).toMatchObject({ 'f1,none': 1, 'em,none': 1 });
  });

  it('groups take dataDir members when their files are there', () => {
    const dir = dataDir({ 'WNLI/dev.tsv': 'index\tsentence1\tsentence2\tlabel\n' });
    const sel = selectTasks(['glue'], 'zeroShot', dir);
    expect(sel.tasks).toContain('wnli');
    expect(sel.tasks).not.toContain('qqp');
  });
});

describe('missing and malformed data files', () => {
  it('no --data-dir: says which files to pass and where to get them', () => {
    expect(() => render('sciq', undefined as unknown as string)).toThrow(/--data-dir DIR.*DIR\/SciQ\/test\.json.*allenai\.org\/data\/sciq/);
  });

  it('a missing file in --data-dir', () => {
    const dir = dataDir({});
    const e = dataError(() => render('qqp', dir));
    expect(e.file).toBe(join(dir, 'QQP/dev.tsv'));
    expect(e.message).toMatch(/file not found.*question1, question2, is_duplicate/);
  });

  it('a TSV row with the wrong number of fields names its line', () => {
    const dir = dataDir({ 'QQP/dev.tsv': 'id\tqid1\tqid2\tquestion1\tquestion2\tis_duplicate\n1\t1\t2\ta\tb\t0\n2\t3\t4\tonly five\t1\n' });
    const e = dataError(() => render('qqp', dir));
    expect(e.line).toBe(3);
    expect(e.message).toMatch(/QQP\/dev\.tsv, line 3: 5 tab-separated field\(s\)\. Expected 6 fields/);
  });

  it('a TSV header without a needed column', () => {
    const dir = dataDir({ 'MNLI/dev_matched.tsv': 'index\tsentence1\tsentence2\tlabel\n0\ta\tb\tentailment\n' });
    const e = dataError(() => render('mnli', dir));
    expect(e.line).toBe(1);
    expect(e.message).toMatch(/lacks column\(s\) gold_label/);
  });

  it('a label that is not one of the expected values', () => {
    const dir = dataDir({ 'WNLI/dev.tsv': 'index\tsentence1\tsentence2\tlabel\n0\ta\tb\t1\n1\tc\td\tmaybe\n' });
    const e = dataError(() => render('wnli', dir));
    expect(e.line).toBe(3);
    expect(e.message).toMatch(/field 'label' is "maybe"\. Expected an integer/);
  });

  it('a JSON lines file with a broken line', () => {
    const dir = dataDir({ 'hellaswag/hellaswag_val.jsonl': '{"activity_label": "a", "ctx_a": "b", "ctx_b": "c", "endings": ["d"], "label": 0}\n{"activity_label": \n' });
    const e = dataError(() => render('hellaswag', dir));
    expect(e.line).toBe(2);
    expect(e.message).toMatch(/invalid JSON.*Expected one JSON object per line/);
  });

  it('a JSON lines record without a field the prompt needs', () => {
    const dir = dataDir({ 'hellaswag/hellaswag_val.jsonl': '{"activity_label": "a", "ctx_b": "c", "endings": ["d"], "label": 0}\n' });
    const e = dataError(() => render('hellaswag', dir));
    expect(e.message).toMatch(/line 1: field 'ctx_a' is missing/);
  });

  it('a JSON file that is not an array', () => {
    const dir = dataDir({ 'SciQ/test.json': '{"question": "q"}' });
    expect(dataError(() => render('sciq', dir)).message).toMatch(/a JSON object at the top level\. Expected a JSON array of objects/);
  });

  it('a structural field of the original format that is wrong', () => {
    const dir = dataDir({ 'ReCoRD/val.jsonl': '{"passage": 3}\n' });
    expect(dataError(() => render('record', dir)).message).toMatch(/line 1: ReCoRD: field 'passage' is 3\. Expected 'passage' to be an object/);
  });

  it('vendored-format labels are checked the same way', () => {
    const spec = { ...loadTaskSpec('cb').zeroShot!.data, location: 'dataDir' as const, files: ['cb.jsonl'] };
    const dir = dataDir({ 'cb.jsonl': '{"premise": "p", "hypothesis": "h", "label": "entailment"}\n{"premise": "p", "hypothesis": "h", "label": "unsure"}\n' });
    expect(dataError(() => loadDocs(spec, 'cb', dir)).message).toMatch(/line 2: field 'label' is "unsure"\. Expected one of "entailment", "contradiction", "neutral"/);
  });
});
