import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { getMixer, listMixers } from '@deconattn/core';
import { useBackend } from '../src/node.js';
import '@deconattn/attention-standard';
import { RELAXED_MIXER_IDS } from '@deconattn/attention-relaxed';
import { loadCheckpoint, saveCheckpoint } from '../src/checkpoint/checkpoint.js';
import { checkpointConfig } from '../src/checkpoint/model-state.js';
import { scoreBatch } from '../src/model/score.js';
import { LanguageModel } from '../src/model/model.js';
import { microConfig } from './helpers.js';

/*
 * fixtures/legacy-0.1.0 holds checkpoints written by the 0.1.0 code (generate.mjs says how), when
 * approximate's default was Based's form (then called 'full') and static-emb-qk normalised the
 * embeddings, with the per-token log-probabilities that code gave. They must load and score the
 * same under today's defaults.
 */
const fixtures = path.join(path.dirname(new URL(import.meta.url).pathname), 'fixtures', 'legacy-0.1.0');
const expected = JSON.parse(fs.readFileSync(path.join(fixtures, 'expected.json'), 'utf8')) as Record<string, { tokens: number[]; logprobs: number[] }>;

async function logprobs(dir: string): Promise<{ logprobs: number[]; mixers: { id: string; options: unknown }[] }> {
  const ck = await loadCheckpoint(dir);
  try {
    const [r] = await scoreBatch(ck.model, [{ tokens: expected.defaults!.tokens, scoreFrom: 0 }]);
    return { logprobs: r!.logprobs, mixers: ck.model.mixerInfo().map(({ id, options }) => ({ id, options })) };
  } finally {
    ck.model.dispose();
  }
}

function expectSame(got: number[], want: number[]): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) expect(Math.abs(got[i]! - want[i]!), `token ${i}: ${got[i]} vs ${want[i]}`).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(want[i]!)));
}

/** A copy of a fixture with its config.json edited (and no DONE manifest, whose checksum would no longer match). */
function editedCopy(name: string, edit: (mixer: { id: string; options: Record<string, unknown>; version: string }) => void): string {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'deconattn-legacy-')), name);
  fs.cpSync(path.join(fixtures, name), dir, { recursive: true });
  fs.rmSync(path.join(dir, 'DONE'));
  const file = path.join(dir, 'config.json');
  const cfg = JSON.parse(fs.readFileSync(file, 'utf8'));
  cfg.deconattn.mixers.forEach(edit);
  fs.writeFileSync(file, JSON.stringify(cfg, null, 2));
  return dir;
}

describe('checkpoints written by release 0.1.0 load and score exactly as before', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it("approximate 'full' (now 'based') and static-emb-qk without options (its norm 'attention')", async () => {
    const r = await logprobs(path.join(fixtures, 'defaults'));
    expect(r.mixers).toEqual([
      { id: 'approximate', options: { kernel: 'based' } },
      { id: 'static-emb-qk', options: { norm: 'attention' } },
      { id: 'standard', options: { rope: true } },
    ]);
    expectSame(r.logprobs, expected.defaults!.logprobs);
  });

  it("approximate 'diag', no longer offered, still loads and scores", async () => {
    const r = await logprobs(path.join(fixtures, 'diag'));
    expect(r.mixers.map((m) => m.options)).toEqual([{ kernel: 'diag' }, { kernel: 'diag' }, { kernel: 'diag' }]);
    expectSame(r.logprobs, expected.diag!.logprobs);
  });

  it('a recorded option missing from a 0.1.0 checkpoint means that version’s default', async () => {
    const dir = editedCopy('defaults', (m) => {
      if (m.id === 'approximate') delete m.options.kernel;
    });
    expectSame((await logprobs(dir)).logprobs, expected.defaults!.logprobs);
  });

  it('the recorded options matter: the same weights under today’s defaults score otherwise', async () => {
    const dir = editedCopy('defaults', (m) => {
      m.options = m.id === 'approximate' ? { kernel: 'paper' } : m.id === 'static-emb-qk' ? { norm: 'none' } : m.options;
    });
    const got = (await logprobs(dir)).logprobs;
    const biggest = Math.max(...got.map((x, i) => Math.abs(x - expected.defaults!.logprobs[i]!)));
    expect(biggest).toBeGreaterThan(0.1);
  });

  it('saved again, they record every option under today’s names and still score the same', async () => {
    const ck = await loadCheckpoint(path.join(fixtures, 'defaults'));
    const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'deconattn-resave-')), 'model');
    await saveCheckpoint(dir, ck.model, { tokenizer: ck.tokenizer });
    ck.model.dispose();
    const cfg = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
    expect(cfg.deconattn.mixers.map((m: { options: unknown }) => m.options)).toEqual([{ kernel: 'based' }, { norm: 'attention' }, { rope: true }]);
    expectSame((await logprobs(dir)).logprobs, expected.defaults!.logprobs);
  });
});

describe('config.json records every mixer option, defaults included', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  for (const id of ['standard', ...RELAXED_MIXER_IDS]) {
    it(id, async () => {
      const model = await LanguageModel.create({
        config: microConfig,
        plan: { preset: 'uniform', mixer: id },
        environment: { defaultPassage: (n) => Array.from({ length: n }, (_, i) => i % microConfig.vocabSize) },
      });
      const recorded = (checkpointConfig(model, { tokenizer: { kind: 'byte' } }) as any).deconattn.mixers as { options: Record<string, unknown> }[];
      model.dispose();
      const keys = Object.keys(getMixer(id).defaultOptions as object).sort();
      for (const m of recorded) {
        expect(Object.keys(m.options).sort()).toEqual(keys);
        for (const k of keys) expect(m.options[k], `${id}.${k}`).not.toBeUndefined();
      }
    });
  }

  it('covers every registered mixer', () => {
    expect(listMixers().map((d) => d.id).sort()).toEqual(['standard', ...RELAXED_MIXER_IDS].sort());
  });
});
