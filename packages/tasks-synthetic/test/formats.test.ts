import { describe, expect, it } from 'vitest';
import { TaskRandom, buildTaskData, compressionGenerator, fuzzyRecallGenerator, getTask, getTaskGenerator, inContextRecallGenerator, listTasks, memorizationGenerator, memorizationMap, mqarGenerator, noisyRecallGenerator, registerTask, selectiveCopyingGenerator, type TaskExample } from '../src/index.js';

/** Many examples of a generator at the given parameters, for property checks. */
function sample<P extends Record<string, number>>(gen: { validate(p: Record<string, unknown>): P; example(p: P, rng: TaskRandom, split: 'train' | 'test'): TaskExample }, raw: Record<string, number>, n = 200, split: 'train' | 'test' = 'train'): { p: P; xs: TaskExample[] } {
  const p = gen.validate(raw);
  const rng = new TaskRandom(42);
  return { p, xs: Array.from({ length: n }, () => gen.example(p, rng, split)) };
}

const scored = (e: TaskExample) => e.mask.flatMap((m, i) => (m ? [i] : []));

describe('every generator', () => {
  it('gives sequences of exactly seqLen inputs, targets and mask entries, within the vocabulary', () => {
    for (const t of listTasks()) {
      const g = getTaskGenerator(t.generator);
      for (const r of t.rungs.slice(0, 2)) {
        const p = g.validate(r.params);
        const f = g.format(p);
        const rng = new TaskRandom(1);
        for (let i = 0; i < 30; i++) {
          const e = g.example(p, rng, i % 2 ? 'train' : 'test');
          expect(e.inputs.length, `${t.id} ${r.id}`).toBe(f.seqLen);
          expect(e.targets.length).toBe(f.seqLen);
          expect(e.mask.length).toBe(f.seqLen);
          expect(e.inputs.every((x) => Number.isInteger(x) && x >= 0 && x < f.vocabSize), `${t.id} inputs in vocab`).toBe(true);
          const ans = new Set(f.answerTokens);
          expect(scored(e).length, `${t.id} asks at least once`).toBeGreaterThan(0);
          expect(scored(e).every((i) => ans.has(e.targets[i]!)), `${t.id} answers are answer tokens`).toBe(true);
        }
      }
    }
  });

  it('rejects bad parameters with one line naming the parameter', () => {
    expect(() => mqarGenerator.validate({ seqLen: 15, pairs: 2, vocab: 32 })).toThrow(/seqLen must be even/);
    expect(() => mqarGenerator.validate({ seqLen: 16, pairs: 5, vocab: 32 })).toThrow(/too short for 5 pairs.*seqLen ≥ 20/);
    expect(() => mqarGenerator.validate({ seqLen: 16, pairs: 4, vocab: 8 })).toThrow(/3 distinct keys, fewer than pairs 4: use vocab ≥ 10/);
    expect(() => mqarGenerator.validate({ seqLen: 16, pairs: 4 })).toThrow(/parameter 'vocab' is missing/);
    expect(() => mqarGenerator.validate({ seqLen: 16, pairs: 4, vocab: 32, keys: 3 })).toThrow(/unknown parameter 'keys'. Parameters: seqLen, pairs, vocab/);
    expect(() => noisyRecallGenerator.validate({ seqLen: 32, vocab: 24, noiseVocab: 8, fracNoise: 1.5 })).toThrow(/'fracNoise' must be a number ≥ 0 and ≤ 0.95/);
    expect(() => selectiveCopyingGenerator.validate({ seqLen: 8, vocab: 10, copy: 4 })).toThrow(/seqLen ≥ 10/);
    for (const msg of [() => fuzzyRecallGenerator.validate({ seqLen: 8, vocab: 16, keyMotif: 3, valueMotif: 3 })]) expect(msg).toThrow(/^Task 'fuzzy-recall': [^\n]+$/);
  });
});

describe('mqar', () => {
  it('states distinct key–value pairs, then asks every key once for its value', () => {
    const { p, xs } = sample(mqarGenerator, { seqLen: 32, pairs: 6, vocab: 40 });
    for (const e of xs) {
      const keys = new Map<number, number>();
      for (let i = 0; i < p.pairs; i++) {
        const [k, v] = [e.inputs[2 * i]!, e.inputs[2 * i + 1]!];
        expect(k >= 1 && k < 20 && v >= 20 && v < 40).toBe(true);
        expect(keys.has(k)).toBe(false);
        keys.set(k, v);
      }
      expect(new Set(keys.values()).size).toBe(p.pairs);
      const asked = scored(e);
      expect(asked.length).toBe(p.pairs);
      expect(new Set(asked.map((i) => e.inputs[i])).size).toBe(p.pairs);
      for (const i of asked) {
        expect(i).toBeGreaterThanOrEqual(2 * p.pairs);
        expect((i - 2 * p.pairs) % 2).toBe(0);
        expect(e.targets[i]).toBe(keys.get(e.inputs[i]!));
      }
    }
  });
});

describe('in-context recall and noisy recall', () => {
  /** Replays a recall sequence: a position is asked iff its key was seen before, and the answer is the key's value. */
  function checkRecall(e: TaskExample, clean: number) {
    const half = Math.floor(clean / 2);
    const value = new Map<number, number>();
    for (let i = 0; i < e.inputs.length; i += 2) {
      const [k, v] = [e.inputs[i]!, e.inputs[i + 1]!];
      expect(e.mask[i + 1]).toBe(false);
      if (k >= clean) {
        expect(v >= clean).toBe(true); // noise comes in pairs
        expect(e.mask[i]).toBe(false);
        continue;
      }
      expect(k < half && v >= half && v < clean).toBe(true);
      if (value.has(k)) {
        expect(v).toBe(value.get(k)); // one value per key within a sequence
        expect(e.mask[i]).toBe(true);
        expect(e.targets[i]).toBe(v);
      } else expect(e.mask[i]).toBe(false);
      value.set(k, v);
    }
    expect(e.mask[e.inputs.length - 2]).toBe(true); // the closing pair always asks
  }

  it('in-context recall asks at every repeated key', () => {
    const { xs } = sample(inContextRecallGenerator, { seqLen: 32, vocab: 16 });
    xs.forEach((e) => checkRecall(e, 16));
  });

  it('noisy recall adds noise pairs at about fracNoise and never asks about them', () => {
    const { xs } = sample(noisyRecallGenerator, { seqLen: 64, vocab: 24, noiseVocab: 8, fracNoise: 0.3 }, 400);
    let noise = 0;
    let slots = 0;
    for (const e of xs) {
      checkRecall(e, 16);
      for (let i = 0; i < 62; i += 2) {
        slots++;
        if (e.inputs[i]! >= 16) noise++;
      }
    }
    // One of the 31 free slots is forced to be a pair: expected rate 0.3 · 30/31.
    expect(Math.abs(noise / slots - (0.3 * 30) / 31)).toBeLessThan(0.02);
  });
});

describe('fuzzy recall', () => {
  it('left-pads, shifts by one, and repeats the probe pair at the end', () => {
    for (const split of ['train', 'test'] as const) {
      const { p, xs } = sample(fuzzyRecallGenerator, { seqLen: 48, vocab: 16, keyMotif: 3, valueMotif: 2 }, 150, split);
      const pad = p.vocab - 1;
      for (const e of xs) {
        const firstReal = e.inputs.findIndex((t) => t !== pad);
        expect(e.inputs.slice(firstReal).includes(pad)).toBe(false);
        const asked = scored(e);
        expect(asked.every((i) => i >= firstReal)).toBe(true);
        // Each scored position's answer is the next input token (the shift), except at the end.
        for (const i of asked) if (i + 1 < e.inputs.length) expect(e.targets[i]).toBe(e.inputs[i + 1]);
        expect(asked.at(-1)).toBe(e.inputs.length - 1);
        // The closing value (its scored run) and the key before it appeared earlier as one run.
        let start = asked.length - 1;
        while (start > 0 && asked[start - 1] === asked[start]! - 1) start--;
        const valueTokens = asked.slice(start).map((i) => e.targets[i]!);
        const keyEnd = asked[start]!; // the key's last token is read where the first value token is asked
        const keyLen = split === 'test' ? p.keyMotif : 1;
        const run = [...e.inputs.slice(keyEnd - keyLen + 1, keyEnd + 1), ...valueTokens];
        const hay = e.inputs.slice(0, keyEnd - keyLen + 1).join(',') + ',';
        expect(hay.includes(run.join(',') + ','), `probe ${run} seen before in ${e.inputs}`).toBe(true);
      }
    }
  });

  it('uses keys of exactly keyMotif tokens at test, of every length in training', () => {
    const { p } = sample(fuzzyRecallGenerator, { seqLen: 48, vocab: 16, keyMotif: 3, valueMotif: 1 }, 1);
    // With one-token values, every value token follows its key: key lengths = runs of key tokens.
    const runLengths = (e: TaskExample) => {
      const half = Math.floor((p.vocab - 1) / 2);
      const out: number[] = [];
      let run = 0;
      for (const t of e.inputs) {
        if (t < half) run++;
        else {
          if (run) out.push(run);
          run = 0;
        }
      }
      return out;
    };
    const test = sample(fuzzyRecallGenerator, { seqLen: 48, vocab: 16, keyMotif: 3, valueMotif: 1 }, 50, 'test').xs.flatMap(runLengths);
    const train = sample(fuzzyRecallGenerator, { seqLen: 48, vocab: 16, keyMotif: 3, valueMotif: 1 }, 50, 'train').xs.flatMap(runLengths);
    expect(new Set(test)).toEqual(new Set([3]));
    expect(new Set(train)).toEqual(new Set([1, 2, 3]));
  });
});

describe('selective copying', () => {
  it('scatters the tokens before the copy token and asks for them in order after it', () => {
    const { p, xs } = sample(selectiveCopyingGenerator, { seqLen: 24, vocab: 10, copy: 5 });
    const blank = 8;
    for (const e of xs) {
      const copyAt = p.seqLen - p.copy - 1;
      expect(e.inputs[copyAt]).toBe(9);
      expect(e.inputs.slice(copyAt + 1).every((t) => t === blank)).toBe(true);
      const content = e.inputs.slice(0, copyAt).filter((t) => t !== blank);
      expect(content.length).toBe(p.copy);
      expect(scored(e)).toEqual([19, 20, 21, 22, 23]);
      expect(scored(e).map((i) => e.targets[i])).toEqual(content);
    }
  });
});

describe('compression', () => {
  it('asks to restore every content token, and ends with the compression token', () => {
    const { xs } = sample(compressionGenerator, { seqLen: 10, vocab: 8 });
    for (const e of xs) {
      expect(e.inputs[9]).toBe(7);
      expect(e.inputs.slice(0, 9).every((t) => t < 7)).toBe(true);
      expect(scored(e)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
      expect(e.targets.slice(0, 9)).toEqual(e.inputs.slice(0, 9));
    }
    expect(compressionGenerator.format(compressionGenerator.validate({ seqLen: 10, vocab: 8 })).head).toBe('reconstruct');
  });
});

describe('memorization', () => {
  it('asks, at each insert token, the value of the key before it from one fixed map', () => {
    const { p, xs } = sample(memorizationGenerator, { seqLen: 16, vocab: 33 });
    const map = memorizationMap(p);
    // A bijection from keys 0…15 onto values 16…31.
    expect([...map.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: 16 }, (_, i) => i));
    expect([...map.values()].sort((a, b) => a - b)).toEqual(Array.from({ length: 16 }, (_, i) => 16 + i));
    for (const e of xs) {
      for (let i = 0; i < 16; i += 2) {
        expect(e.inputs[i + 1]).toBe(32);
        expect(e.mask[i]).toBe(false);
        expect(e.mask[i + 1]).toBe(true);
        expect(e.targets[i + 1]).toBe(map.get(e.inputs[i]!));
      }
    }
    // The map depends on mapSeed only: the same facts in every split and at every data seed.
    const again = memorizationMap(memorizationGenerator.validate({ seqLen: 32, vocab: 33, mapSeed: 12345 }));
    expect([...again]).toEqual([...map]);
    expect([...memorizationMap(memorizationGenerator.validate({ seqLen: 16, vocab: 33, mapSeed: 7 }))]).not.toEqual([...map]);
  });
});

describe('splits', () => {
  const key = (a: Int32Array, L: number, i: number) => a.subarray(i * L, (i + 1) * L).join(',');
  const rows = (s: { inputs: Int32Array; seqLen: number; count: number }) => Array.from({ length: s.count }, (_, i) => key(s.inputs, s.seqLen, i));

  it('are disjoint as sequences and deterministic for every task', () => {
    for (const t of listTasks()) {
      const d = buildTaskData({ task: t.id, rung: t.rungs[0]!.id, seed: 3, sizes: { train: 2000, val: 200, test: 400 } });
      const [train, val, test] = [rows(d.train), rows(d.val), rows(d.test)];
      expect(new Set(test).size, `${t.id}: test sequences are distinct`).toBe(test.length);
      expect(new Set(val).size).toBe(val.length);
      const held = new Set([...test, ...val]);
      expect(train.filter((r) => held.has(r)), `${t.id}: no train sequence is held out`).toEqual([]);
      expect(val.filter((r) => test.includes(r))).toEqual([]);
      const again = buildTaskData({ task: t.id, rung: t.rungs[0]!.id, seed: 3, sizes: { train: 2000, val: 200, test: 400 } });
      expect(again.train.inputs).toEqual(d.train.inputs);
      expect(again.test.targets).toEqual(d.test.targets);
      const other = buildTaskData({ task: t.id, rung: t.rungs[0]!.id, seed: 4, sizes: { train: 10, val: 10, test: 10 } });
      expect(other.test.inputs).not.toEqual(d.test.inputs.subarray(0, other.test.inputs.length));
      expect(d.fixedContext.length).toBe(d.format.seqLen);
    }
  });

  it('say when a rung has too few distinct sequences for the held-out splits', () => {
    registerTask({ ...getTask('compression'), id: 'tiny-compression', rungs: [{ id: 'r', params: { seqLen: 3, vocab: 3 } }] }, { override: true });
    expect(() => buildTaskData({ task: 'tiny-compression', rung: 'r', seed: 0, sizes: { test: 10 } })).toThrow(/only 4 of 10 test sequences could be drawn.*too few distinct sequences/);
  });

  it('name the unknown task or rung', () => {
    expect(() => buildTaskData({ task: 'mqr', rung: 'r0', seed: 0 })).toThrow(/Unknown synthetic task 'mqr'. Did you mean 'mqar'\?/);
    expect(() => buildTaskData({ task: 'mqar', rung: 'r9', seed: 0 })).toThrow(/no rung 'r9'. Rungs: r0, r1, r2, r3/);
  });
});
