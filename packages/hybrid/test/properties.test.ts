import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DeconattnError } from '@deconattn/core';
import { PLAN_PRESETS, isStandardLayer, parsePlan, planLabel, resolvePlan, validatePlan, type LayerPlan, type PlanPreset } from '../src/model/plan.js';
import { decodeSafetensors, encodeSafetensors, type StoredTensor } from '../src/checkpoint/safetensors.js';
import { byteTokenizer } from '../src/tokenizer/index.js';
import { pythiaTokenizer } from '../src/node.js';

/**
 * Property-based tests (fast-check): plan parsing, safetensors reading, tokenizer round trips.
 * Each property runs on generated inputs with a fixed seed (the same cases every run; a failure
 * prints the smallest counterexample fast-check finds).
 */
const SEED = 20251011;
const run = <T>(prop: fc.IProperty<T> | fc.IAsyncProperty<T>, numRuns = 300) => fc.assert(prop as fc.IProperty<T>, { seed: SEED, numRuns });

const MIXERS = ['standard', 'mlp', 'approximate', 'non-approximate', 'rnd-emb-qk', 'fixed-seq-qk', 'static-emb-qk'];
const mixer = fc.constantFrom(...MIXERS);
const preset = fc.constantFrom(...PLAN_PRESETS);

/** Only DeconattnError may come out of a parser given bad input. */
function refusesCleanly(f: () => unknown): boolean {
  try {
    f();
    return true;
  } catch (e) {
    if (e instanceof DeconattnError) return true;
    throw e;
  }
}

describe('plans (properties)', () => {
  it("'<preset>:<mixer>' parses to that preset and mixer, and resolves to one mixer per layer", () => {
    run(
      fc.property(preset, mixer, fc.integer({ min: 1, max: 64 }), fc.constantFrom('', ' '), (p, m, n, pad) => {
        const plan = parsePlan(`${pad}${p}${pad}:${pad}${m}${pad}`);
        expect(plan).toEqual({ preset: p, mixer: m });
        expect(parsePlan(planLabel(plan))).toEqual(plan);
        const layers = resolvePlan(plan, n);
        expect(layers).toHaveLength(n);
        layers.forEach((id, i) => expect(id).toBe(isStandardLayer(p as PlanPreset, i + 1, n) ? 'standard' : m));
      }),
    );
  });

  it('the presets place standard layers as MODEL.md §4 says, at any depth', () => {
    run(
      fc.property(fc.integer({ min: 1, max: 200 }), (n) => {
        const std = (p: PlanPreset) => Array.from({ length: n }, (_, i) => i + 1).filter((l) => isStandardLayer(p, l, n));
        expect(std('uniform')).toEqual([]);
        for (const p of ['hybrid', 'even', '50%'] as const) expect(std(p)).toEqual(Array.from({ length: Math.floor(n / 2) }, (_, i) => 2 * (i + 1)));
        expect(std('odd')).toEqual(Array.from({ length: Math.ceil(n / 2) }, (_, i) => 2 * i + 1));
        expect(std('first')).toEqual([1]);
        expect(std('last')).toEqual([n]);
        expect(std('bilateral')).toEqual(n === 1 ? [1] : [1, n]);
        expect(std('25%')).toEqual(Array.from({ length: Math.floor(n / 4) }, (_, i) => 4 * (i + 1)));
        // top/bottom/middle: the relaxed layers are the upper half / lower half / middle half.
        const relaxed = (p: PlanPreset) => n - std(p).length;
        expect(relaxed('top')).toBe(Math.floor(n / 2));
        expect(relaxed('bottom')).toBe(Math.floor(n / 2));
        expect(std('top').every((l) => l <= n - Math.floor(n / 2))).toBe(true);
        expect(std('bottom').every((l) => l > Math.floor(n / 2))).toBe(true);
      }),
    );
  });

  it('a comma list is one mixer per layer, in order; a wrong count is refused', () => {
    run(
      fc.property(fc.array(mixer, { minLength: 2, maxLength: 12 }), (list) => {
        const plan = parsePlan(list.join(' , '));
        expect(plan).toEqual({ layers: list });
        expect(resolvePlan(plan, list.length)).toEqual(list);
        expect(() => resolvePlan(plan, list.length + 1)).toThrow(DeconattnError);
      }),
    );
  });

  it('JSON plans round-trip', () => {
    const optionValue = fc.oneof(fc.integer(), fc.boolean(), fc.string({ maxLength: 8 }));
    const jsonPlan: fc.Arbitrary<LayerPlan> = fc.oneof(
      fc.record({ preset, mixer }, { requiredKeys: ['preset', 'mixer'] }),
      fc.record({ layers: fc.array(mixer, { minLength: 1, maxLength: 6 }) }),
    ).chain((p) =>
      fc.record({ mixerOptions: fc.dictionary(mixer, fc.dictionary(fc.string({ minLength: 1, maxLength: 6 }), optionValue, { maxKeys: 2 }), { maxKeys: 2 }), skip: fc.constantFrom('mixer', 'block') }, { requiredKeys: [] }).map((extra) => ({ ...p, ...extra }) as LayerPlan),
    );
    run(
      fc.property(jsonPlan, (plan) => {
        expect(parsePlan(JSON.stringify(plan))).toEqual(plan);
      }),
    );
  });

  it('any text either parses to a valid plan or is refused with a DeconattnError', () => {
    const text = fc.oneof(fc.string({ maxLength: 40 }), fc.json({ maxDepth: 3 }), fc.string({ unit: 'binary', maxLength: 20 }), fc.array(fc.oneof(mixer, fc.string({ maxLength: 6 })), { maxLength: 5 }).map((a) => a.join(',')));
    run(
      fc.property(text, fc.integer({ min: -3, max: 20 }), (s, n) => {
        expect(
          refusesCleanly(() => {
            const plan = parsePlan(s);
            validatePlan(plan);
            resolvePlan(plan, n);
          }),
        ).toBe(true);
      }),
      1000,
    );
  });
});

describe('safetensors (properties)', () => {
  const tensor: fc.Arbitrary<StoredTensor> = fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }).chain((shape) => {
    const n = shape.reduce((a, b) => a * b, 1);
    return fc.float32Array({ minLength: n, maxLength: n }).map((data) => ({ shape, data }));
  });
  const RESERVED = ['__metadata__', '__proto__'];
  const tensors = fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }).filter((k) => !RESERVED.includes(k)), tensor, { maxKeys: 5 }).map((d) => new Map(Object.entries(d)));
  const metadata = fc.dictionary(fc.string({ maxLength: 8 }).filter((k) => k !== '__proto__'), fc.string({ maxLength: 8 }), { maxKeys: 3 });

  it('what is written is read back: names, shapes, every float bit for bit, metadata', () => {
    run(
      fc.property(tensors, metadata, (ts, meta) => {
        const back = decodeSafetensors(encodeSafetensors(ts, meta));
        expect([...back.tensors.keys()].sort()).toEqual([...ts.keys()].sort());
        for (const [name, t] of ts) {
          const b = back.tensors.get(name)!;
          expect(b.shape).toEqual(t.shape);
          expect(new Uint32Array(b.data.buffer, b.data.byteOffset, b.data.length)).toEqual(new Uint32Array(t.data.buffer, t.data.byteOffset, t.data.length));
        }
        expect(back.metadata).toEqual(meta);
      }),
    );
  });

  it('names the format reserves are refused when writing (a tensor named __proto__ would vanish from the header)', () => {
    for (const name of RESERVED) expect(() => encodeSafetensors(new Map([[name, { shape: [1], data: Float32Array.from([1]) }]]))).toThrow(/reserved/);
  });

  it('any bytes, and any damage to a valid file, are read or refused with a DeconattnError', () => {
    const damaged = fc.tuple(tensors, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { maxLength: 4 }), fc.option(fc.nat())).map(([ts, flips, cut]) => {
      const buf = encodeSafetensors(ts);
      for (const [at, mask] of flips) buf[at % buf.length] ^= mask;
      return cut === null ? buf : buf.subarray(0, cut % (buf.length + 1));
    });
    const headerOnly = fc.json({ maxDepth: 4 }).map((j) => {
      const h = Buffer.from(j);
      const len = Buffer.alloc(8);
      len.writeBigUInt64LE(BigInt(h.length));
      return Buffer.concat([len, h, Buffer.alloc(16)]);
    });
    run(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)), damaged, headerOnly), (buf) => {
        expect(refusesCleanly(() => decodeSafetensors(buf, 'x.safetensors'))).toBe(true);
      }),
      1000,
    );
  });
});

describe('tokenizers (properties)', () => {
  const text = fc.oneof(fc.string({ maxLength: 60 }), fc.string({ unit: 'grapheme', maxLength: 30 }), fc.string({ unit: 'binary', maxLength: 30 })).filter((s) => (s as string & { isWellFormed(): boolean }).isWellFormed());

  it('byte: decode(encode(text)) is the text; ids are bytes', () => {
    const tok = byteTokenizer();
    run(
      fc.property(text, (s) => {
        const ids = tok.encode(s);
        expect(ids.every((i) => Number.isInteger(i) && i >= 0 && i < tok.vocabSize)).toBe(true);
        expect(ids).toHaveLength(Buffer.byteLength(s));
        expect(tok.decode(ids)).toBe(s);
      }),
      1000,
    );
  });

  it('pythia: decode(encode(text)) is the text in NFC (its normaliser); ids lie in the vocabulary', async () => {
    const tok = pythiaTokenizer();
    run(
      fc.property(text, text, (a, b) => {
        const ids = tok.encode(a);
        expect(ids.every((i: number) => Number.isInteger(i) && i >= 0 && i < tok.vocabSize)).toBe(true);
        expect(tok.decode(ids)).toBe(a.normalize('NFC'));
        expect(tok.decode(tok.encode(`${a}\n${b}`))).toBe(`${a}\n${b}`.normalize('NFC'));
      }),
      300,
    );
  });
});
