/**
 * Rendered prompts of every vendored task against fixtures/prompts.json, which
 * fixtures/make_prompts.py renders independently from the raw files with Python's own string
 * semantics, following EVAL.md. A few of them are also spelled out here by hand.
 */
// The file-system loader, installed as the default (as `@deconattn/eval-glue/node` does).
import '../src/node.js';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadDocs } from '../src/data/load.js';
import { pyReSplitWsCount, utf8Length } from '../src/pytext.js';
import { compileZeroShot, loadTaskSpec, renderDoc } from '../src/tasks.js';

interface Fixture {
  count: number;
  docs: Record<string, { context: string; choices?: string[]; gold?: number; target?: string; target_sha256?: string; target_head?: string; target_chars?: number; words?: number; bytes?: number }>;
}
const fixtures = JSON.parse(readFileSync(new URL('./fixtures/prompts.json', import.meta.url), 'utf8')) as Record<string, Fixture>;

function rendered(task: string) {
  const t = compileZeroShot(loadTaskSpec(task));
  const docs = loadDocs(t.zs.data, task);
  return { t, docs, at: (i: number) => renderDoc(t, docs[i]!) };
}

describe('prompts of the vendored tasks match the reference rendering', () => {
  for (const [task, fx] of Object.entries(fixtures)) {
    it(task, () => {
      const { docs, at } = rendered(task);
      expect(docs.length).toBe(fx.count);
      for (const [i, want] of Object.entries(fx.docs)) {
        const got = at(Number(i));
        expect(got.context).toBe(want.context);
        if (want.choices) {
          expect(got.choices).toEqual(want.choices);
          expect(got.gold).toBe(want.gold);
        } else if (want.target !== undefined) {
          expect(got.target).toBe(want.target);
        } else {
          expect(got.target!.length).toBe(want.target_chars);
          expect(got.target!.slice(0, 300)).toBe(want.target_head);
          expect(createHash('sha256').update(got.target!, 'utf8').digest('hex')).toBe(want.target_sha256);
          const page = docs[Number(i)]!.fields.page as string;
          expect(pyReSplitWsCount(page)).toBe(want.words);
          expect(utf8Length(page)).toBe(want.bytes);
        }
      }
    });
  }
});

describe('prompts written out by hand from EVAL.md', () => {
  it('cola: the first out-of-domain sentence is document 527', () => {
    const { at } = rendered('cola');
    expect(at(527).context).toBe('Somebody just left - guess who.\nQuestion: Does this sentence make sense?\nAnswer:');
    expect(at(527).choices).toEqual(['no', 'yes']);
  });

  it('sst2: the sentence keeps its trailing space', () => {
    expect(rendered('sst2').at(0).context).toBe("it 's a charming and often affecting journey . \nQuestion: Is this sentence positive or negative?\nAnswer:");
  });

  it('copa: premise minus its last character + connector; choices start with a space and a lower-cased letter', () => {
    const { at } = rendered('copa');
    expect(at(0)).toEqual({ context: 'The man turned on the faucet therefore', choices: [' the toilet filled with water.', ' water flowed from the spout.'], gold: 1 });
  });

  it('multirc: label 1 selects the "... no" choice (the harness quirk)', () => {
    const r = rendered('multirc').at(1);
    expect(r.choices).toEqual(['Yes\nIs the answer correct? yes', 'Yes\nIs the answer correct? no']);
    expect(r.gold).toBe(1);
    expect(r.context.endsWith('\nQuestion: Would the mass of a baseball affect how much force you have to use to pick it up?\nAnswer:')).toBe(true);
  });

  it('wic: the word is sliced from sentence1 by start1:end1', () => {
    const r = rendered('wic').at(0);
    expect(r.context).toBe(
      "Sentence 1: An emerging professional class.\nSentence 2: Apologizing for losing your temper, even though you were badly provoked, showed real class.\nQuestion: Is the word 'class' used in the same way in the two sentences above?\nAnswer:",
    );
  });

  it('wsc: span2 in asterisks, general_detokenize, and the wsc.fixed span repair', () => {
    const { docs, at } = rendered('wsc');
    expect(at(0).context).toBe(
      'Passage: Bernard, who had not told the government official that he was less than 21 when he filed for a homestead claim, did not consider that he had done anything dishonest. Still, anyone who knew that he was 19 years old could take his claim away from *him*.\nQuestion: In the passage above, does the pronoun "*him*" refer to "*anyone*"?\nAnswer:',
    );
    const changed = docs.map((d, i) => [i, d.fields.span1_text] as const).filter(([i]) => [5, 23, 28, 29, 51, 81, 87, 89].includes(i));
    expect(changed.map(([, s]) => s)).toEqual(['the table', 'the table', 'the lake', 'the oatmeal cookies', 'the woman', 'the oatmeal cookies', 'the lake', 'the chocolate chip cookies']);
  });

  it('arc_easy and piqa: the converted queries get lm-eval\'s "\\nAnswer:" / "Answer:"', () => {
    expect(rendered('arc_easy').at(1).context).toBe('Question: Which piece of safety equipment is used to keep mold spores from entering the respiratory system?\nAnswer:');
    expect(rendered('piqa').at(1)).toEqual({ context: 'Question: dresser\nAnswer:', choices: ['replace drawer with bobby pin', 'finish, woodgrain with  bobby pin'], gold: 1 });
  });

  it('lambada_openai: the target is a space and the last word', () => {
    expect(rendered('lambada_openai').at(0).target).toBe(' signs');
  });

  it('wikitext: 62 documents, 241,335 words and 1,290,527 bytes, as lm-eval counts them', () => {
    const { docs } = rendered('wikitext');
    const pages = docs.map((d) => d.fields.page as string);
    expect(pages.length).toBe(62);
    expect(pages.reduce((s, p) => s + pyReSplitWsCount(p), 0)).toBe(241_335);
    expect(pages.reduce((s, p) => s + utf8Length(p), 0)).toBe(1_290_527);
    expect(pages[0]!.startsWith(' = Robert Boulter = \n \n Robert Boulter is')).toBe(true);
  });
});
