import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { DeconattnError, SeededRandom } from '@deconattn/core';
import '@deconattn/attention-relaxed';
import { Trainer, type TrainOptions } from '../src/train/trainer.js';
import { loadCheckpoint, stepDir } from '../src/checkpoint/checkpoint.js';
import { loadTokenizer, runDirectoryStore, useBackend } from '../src/node.js';
import { splitTokens } from '../src/data/index.js';
import { microModel } from './helpers.js';

/**
 * Every kind of damage to a checkpoint is refused with a one-line DeconattnError that names the
 * damaged file — generated cases, all of which must be refused:
 *   A. bytes damaged with the DONE manifest kept (truncations at many offsets, flipped bytes, an
 *      appended byte, in every file and in DONE itself);
 *   B. the same structural damage with DONE deleted (a checkpoint copied without its manifest:
 *      only the files' own checks stand between the damage and a model);
 *   C. consistent but wrong content with a matching DONE (what a buggy writer would produce):
 *      header length, a missing or extra tensor, wrong dtype or shape, overlapping data, NaN or
 *      ±Infinity, invalid or inconsistent config.json (fields, unknown mixer, bad plan, bad
 *      options, bad tokenizer), invalid trainer state and optimizer moments.
 * "Refused" means loading for a resume fails: loadCheckpoint, the tokenizer, then the trainer's
 * restore — what `deconattn train --resume` does.
 */

const FILES = ['config.json', 'model.safetensors', 'optimizer.safetensors', 'trainer_state.json'] as const;
type FileName = (typeof FILES)[number] | 'DONE';

interface Case {
  name: string;
  /** The file whose name the error must give (DONE problems may name the file it describes). */
  file: FileName;
  damage: (dir: string) => void;
}

const tmp = (p: string) => fs.mkdtempSync(path.join(os.tmpdir(), `deconattn-corrupt-${p}-`));
const data = () => splitTokens(Int32Array.from({ length: 400 }, (_, i) => (i * 5 + (i >> 3)) % 23), 0.25);
const opts = (o: Partial<TrainOptions> = {}): TrainOptions => ({ steps: 4, batchSize: 2, seqLen: 8, lr: 1e-2, warmupSteps: 1, weightDecay: 0.1, seed: 3, evalInterval: 0, logInterval: 1, ...o });
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** `count` offsets spread over [lo, hi), both ends included when possible. */
function spread(lo: number, hi: number, count: number): number[] {
  const out = new Set<number>();
  for (let i = 0; i < count; i++) out.add(Math.min(hi - 1, lo + Math.floor(((hi - lo) * i) / Math.max(1, count - 1))));
  return [...out];
}

/** Rewrite DONE so that it matches the files as they now are (consistent damage). */
function rewriteManifest(dir: string): void {
  const done = JSON.parse(fs.readFileSync(path.join(dir, 'DONE'), 'utf8'));
  for (const name of Object.keys(done.files)) {
    const b = fs.readFileSync(path.join(dir, name));
    done.files[name] = { bytes: b.length, sha256: sha256(b) };
  }
  fs.writeFileSync(path.join(dir, 'DONE'), JSON.stringify(done, null, 2) + '\n');
}

interface RawSafetensors {
  header: Record<string, any>;
  data: Buffer;
}

function readRaw(file: string): RawSafetensors {
  const buf = fs.readFileSync(file);
  const n = Number(buf.readBigUInt64LE(0));
  return { header: JSON.parse(buf.subarray(8, 8 + n).toString('utf8')), data: buf.subarray(8 + n) };
}

function writeRaw(file: string, raw: RawSafetensors, headerLength?: bigint): void {
  const h = Buffer.from(JSON.stringify(raw.header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(headerLength ?? BigInt(h.length));
  fs.writeFileSync(file, Buffer.concat([len, h, raw.data]));
}

/** Header byte ranges holding __metadata__ (free text: changing it damages nothing). */
function metadataRange(file: string): [number, number] {
  const buf = fs.readFileSync(file);
  const n = Number(buf.readBigUInt64LE(0));
  const text = buf.subarray(8, 8 + n).toString('utf8');
  const at = text.indexOf('"__metadata__"');
  if (at < 0) return [0, 0];
  return [8 + at, 8 + text.indexOf('}', at) + 1];
}

function safetensorsCases(file: 'model.safetensors' | 'optimizer.safetensors', pristine: string, rand: () => number): Case[] {
  const raw = readRaw(path.join(pristine, file));
  const names = Object.keys(raw.header).filter((k) => k !== '__metadata__');
  const pick = () => names[Math.floor(rand() * names.length)]!;
  const edit = (label: string, f: (r: RawSafetensors) => RawSafetensors | void, headerLength?: bigint): Case => ({
    name: `${file}: ${label} (DONE matching)`,
    file,
    damage: (dir) => {
      const p = path.join(dir, file);
      const r = readRaw(p);
      writeRaw(p, f(r) ?? r, headerLength);
      rewriteManifest(dir);
    },
  });
  const out: Case[] = [];
  const headerLen = Number(fs.readFileSync(path.join(pristine, file)).readBigUInt64LE(0));
  for (const delta of [1n, -1n, 8n, -8n]) out.push(edit(`header length off by ${delta}`, () => {}, BigInt(Buffer.byteLength(JSON.stringify(raw.header))) + delta));
  for (const len of [0n, 1n, 2n ** 40n, 2n ** 63n]) out.push(edit(`header length ${len}`, () => {}, len));
  // Tensors removed (with their bytes, offsets re-packed) and one too many.
  const repack = (r: RawSafetensors, drop: string): RawSafetensors => {
    const header: Record<string, any> = {};
    const parts: Buffer[] = [];
    let pos = 0;
    for (const [k, v] of Object.entries(r.header)) {
      if (k === '__metadata__') header[k] = v;
      if (k === '__metadata__' || k === drop) continue;
      const bytes = r.data.subarray(v.data_offsets[0], v.data_offsets[1]);
      header[k] = { ...v, data_offsets: [pos, pos + bytes.length] };
      parts.push(bytes);
      pos += bytes.length;
    }
    return { header, data: Buffer.concat(parts) };
  };
  for (const n of [names[0]!, names[names.length - 1]!, pick()]) out.push(edit(`tensor '${n}' missing`, (r) => repack(r, n)));
  out.push(
    edit('an extra tensor', (r) => {
      const extra = Buffer.alloc(16);
      return { header: { ...r.header, 'model.layers.9.extra.weight': { dtype: 'F32', shape: [4], data_offsets: [r.data.length, r.data.length + 16] } }, data: Buffer.concat([r.data, extra]) };
    }),
  );
  for (const dtype of ['F16', 'I32', 'I64', 'F64', 'BOOL', 'U8', 'f32', '']) {
    const n = pick();
    out.push(edit(`'${n}' of dtype ${JSON.stringify(dtype)}`, (r) => void (r.header[n] = { ...r.header[n], dtype })));
  }
  const matrix = names.find((n) => raw.header[n].shape.length === 2 && raw.header[n].shape[0] !== raw.header[n].shape[1])!;
  const vector = names.find((n) => raw.header[n].shape.length === 1)!;
  out.push(edit(`'${matrix}' transposed`, (r) => void (r.header[matrix] = { ...r.header[matrix], shape: [...r.header[matrix].shape].reverse() })));
  out.push(edit(`'${matrix}' with an extra leading dimension`, (r) => void (r.header[matrix] = { ...r.header[matrix], shape: [1, ...r.header[matrix].shape] })));
  out.push(edit(`'${vector}' reshaped to a matrix`, (r) => void (r.header[vector] = { ...r.header[vector], shape: [1, r.header[vector].shape[0]] })));
  out.push(edit(`'${matrix}' of shape [] (a scalar)`, (r) => void (r.header[matrix] = { ...r.header[matrix], shape: [] })));
  out.push(edit(`'${matrix}' with a negative dimension`, (r) => void (r.header[matrix] = { ...r.header[matrix], shape: [-1, ...r.header[matrix].shape.slice(1)] })));
  out.push(edit(`'${vector}' with a fractional dimension`, (r) => void (r.header[vector] = { ...r.header[vector], shape: [r.header[vector].shape[0] + 0.5] })));
  out.push(
    edit('two tensors sharing their bytes', (r) => {
      const [a, b] = names;
      r.header[b!] = { ...r.header[b!], data_offsets: r.header[a!].data_offsets, shape: r.header[a!].shape };
    }),
  );
  out.push(edit('offsets past the end', (r) => void (r.header[names[0]!] = { ...r.header[names[0]!], data_offsets: [r.data.length, r.data.length + 8] })));
  out.push(edit('header not an object', () => ({ header: [1, 2] as any, data: raw.data })));
  for (const bad of [NaN, Infinity, -Infinity]) {
    for (let i = 0; i < 2; i++) {
      const n = pick();
      out.push(
        edit(`'${n}' holding ${bad}`, (r) => {
          const [b, e] = r.header[n].data_offsets;
          const at = b + 4 * Math.floor(rand() * ((e - b) / 4));
          r.data.writeFloatLE(bad, at);
        }),
      );
    }
  }
  // Header bytes flipped, DONE deleted: the file's own checks must catch it (metadata aside).
  const [m0, m1] = metadataRange(path.join(pristine, file));
  const headerOffsets = spread(8, 8 + headerLen, 24).filter((o) => o < m0 || o >= m1);
  for (const at of headerOffsets) {
    out.push({
      name: `${file}: header byte ${at} flipped (DONE deleted)`,
      file,
      damage: (dir) => {
        const p = path.join(dir, file);
        const b = fs.readFileSync(p);
        b[at] ^= 0xff;
        fs.writeFileSync(p, b);
        fs.rmSync(path.join(dir, 'DONE'));
      },
    });
  }
  for (const at of [0, 4, 7, 8, 9, 8 + Math.floor(headerLen / 2), 8 + headerLen - 1, 8 + headerLen, 8 + headerLen + 1, ...spread(8 + headerLen + 2, 8 + headerLen + raw.data.length, 8)]) {
    out.push({
      name: `${file}: truncated to ${at} bytes (DONE deleted)`,
      file,
      damage: (dir) => {
        const p = path.join(dir, file);
        fs.writeFileSync(p, fs.readFileSync(p).subarray(0, at));
        fs.rmSync(path.join(dir, 'DONE'));
      },
    });
  }
  return out;
}

/** config.json edited as JSON (DONE matching). */
function configCases(): Case[] {
  const edit = (label: string, f: (c: any) => any): Case => ({
    name: `config.json: ${label} (DONE matching)`,
    file: 'config.json',
    damage: (dir) => {
      const p = path.join(dir, 'config.json');
      const c = JSON.parse(fs.readFileSync(p, 'utf8'));
      const r = f(c);
      fs.writeFileSync(p, typeof r === 'string' ? r : JSON.stringify(r === undefined ? c : r, null, 2));
      rewriteManifest(dir);
    },
  });
  const out: Case[] = [];
  for (const text of ['', 'null', '[]', '42', '"config"', '{', '{"hidden_size": 16,}', '\u0000\u0001\u0002binary\uffff']) out.push(edit(`replaced by ${JSON.stringify(text)}`, () => text));
  const fields = ['hidden_size', 'intermediate_size', 'num_hidden_layers', 'num_attention_heads', 'vocab_size', 'max_position_embeddings', 'rope_theta', 'rms_norm_eps', 'tie_word_embeddings'];
  for (const f of fields) out.push(edit(`'${f}' missing`, (c) => void delete c[f]));
  const counts = ['hidden_size', 'intermediate_size', 'num_hidden_layers', 'num_attention_heads', 'vocab_size', 'max_position_embeddings'];
  for (const f of counts) for (const v of ['16', -1, 0, 1.5, null, 1e12, 1e308]) out.push(edit(`'${f}' = ${JSON.stringify(v)}`, (c) => void (c[f] = v)));
  for (const f of ['rope_theta', 'rms_norm_eps']) for (const v of ['1', -1, null, 0]) out.push(edit(`'${f}' = ${JSON.stringify(v)}`, (c) => void (c[f] = v)));
  out.push(edit("'hidden_size' doubled (weights are for half)", (c) => void (c.hidden_size *= 2)));
  out.push(edit("'num_hidden_layers' one more than the weights", (c) => void (c.num_hidden_layers += 1)));
  out.push(edit("'vocab_size' one less than the embedding", (c) => void (c.vocab_size -= 1)));
  out.push(edit("'tie_word_embeddings' false (no lm_head saved)", (c) => void (c.tie_word_embeddings = false)));
  out.push(edit("'tie_word_embeddings' = \"yes\"", (c) => void (c.tie_word_embeddings = 'yes')));
  out.push(edit("'num_key_value_heads' ≠ heads", (c) => void (c.num_key_value_heads = 1)));
  out.push(edit("'num_attention_heads' not dividing hidden_size", (c) => void (c.num_attention_heads = 3)));
  out.push(edit("'deconattn' section missing", (c) => void delete c.deconattn));
  out.push(edit("'deconattn' = 7", (c) => void (c.deconattn = 7)));
  out.push(edit("'deconattn.layers' not a list", (c) => void (c.deconattn.layers = 'standard')));
  out.push(edit('an unknown mixer in layers and plan', (c) => {
    c.deconattn.layers = c.deconattn.layers.map((l: string) => (l === 'standard' ? l : 'nonexistent-mixer'));
    c.deconattn.plan = { ...c.deconattn.plan, mixer: 'nonexistent-mixer' };
  }));
  out.push(edit('layers disagreeing with the plan', (c) => void (c.deconattn.layers = [...c.deconattn.layers].reverse())));
  out.push(edit("plan preset 'sideways'", (c) => void (c.deconattn.plan = { ...c.deconattn.plan, preset: 'sideways' })));
  out.push(edit('plan not an object', (c) => void (c.deconattn.plan = 'hybrid')));
  out.push(edit('plan with an unknown field', (c) => void (c.deconattn.plan = { ...c.deconattn.plan, shape: 1 })));
  out.push(edit('plan listing three layers for two', (c) => void (c.deconattn.plan = { layers: ['standard', 'standard', 'standard'] })));
  out.push(edit('mixer options with an unknown option', (c) => void (c.deconattn.mixers = c.deconattn.mixers.map((m: any) => ({ ...m, options: { ...m.options, bogus: 1 } })))));
  out.push(edit('mixer options of the wrong type', (c) => void (c.deconattn.mixers = c.deconattn.mixers.map((m: any) => (m.id === 'standard' ? m : { ...m, options: 'fast' })))));
  out.push(edit("'deconattn.mixers' not a list", (c) => void (c.deconattn.mixers = { id: 'standard' })));
  out.push(edit('tokenizer missing', (c) => void delete c.deconattn.tokenizer));
  out.push(edit("tokenizer kind 'sentencepiece'", (c) => void (c.deconattn.tokenizer = { kind: 'sentencepiece' })));
  out.push(edit('tokenizer a string', (c) => void (c.deconattn.tokenizer = 'byte')));
  return out;
}

function trainerStateCases(): Case[] {
  const edit = (label: string, f: (s: any) => any): Case => ({
    name: `trainer_state.json: ${label} (DONE matching)`,
    file: 'trainer_state.json',
    damage: (dir) => {
      const p = path.join(dir, 'trainer_state.json');
      const s = JSON.parse(fs.readFileSync(p, 'utf8'));
      const r = f(s);
      fs.writeFileSync(p, typeof r === 'string' ? r : JSON.stringify(s));
      rewriteManifest(dir);
    },
  });
  const out: Case[] = [];
  for (const text of ['', 'null', '[]', '{"step": ']) out.push(edit(`replaced by ${JSON.stringify(text)}`, () => text));
  for (const v of [undefined, 'one', -1, 1.5, null, 1e9]) out.push(edit(`'step' = ${JSON.stringify(v) ?? 'missing'}`, (s) => void (v === undefined ? delete s.step : (s.step = v))));
  for (const v of [undefined, 'one', -1, 0.5]) out.push(edit(`'optimizerStep' = ${JSON.stringify(v) ?? 'missing'}`, (s) => void (v === undefined ? delete s.optimizerStep : (s.optimizerStep = v))));
  out.push(edit("'history' not a list", (s) => void (s.history = 'none')));
  return out;
}

/** Byte damage with DONE kept, in every file and in DONE itself. */
function manifestCases(pristine: string, rand: () => number): Case[] {
  const out: Case[] = [];
  for (const file of [...FILES, 'DONE'] as FileName[]) {
    const len = fs.statSync(path.join(pristine, file)).size;
    const touch = (label: string, f: (b: Buffer) => Buffer): Case => ({
      name: `${file}: ${label} (DONE kept)`,
      file,
      damage: (dir) => fs.writeFileSync(path.join(dir, file), f(fs.readFileSync(path.join(dir, file)))),
    });
    // Text files end in a newline: cut at least that and one more byte.
    const lastCut = file.endsWith('.safetensors') ? len : len - 1;
    for (const at of spread(0, lastCut, 10)) out.push(touch(`truncated to ${at} bytes`, (b) => b.subarray(0, at)));
    for (let i = 0; i < 10; i++) {
      const at = Math.floor(rand() * len);
      const mask = 1 << Math.floor(rand() * 8);
      out.push(touch(`bit ${Math.log2(mask)} of byte ${at} flipped`, (b) => ((b[at] ^= mask), b)));
    }
    out.push(touch('one byte appended', (b) => Buffer.concat([b, Buffer.from([0])])));
  }
  out.push({ name: 'DONE: a file missing from its list (DONE kept)', file: 'DONE', damage: (dir) => {
    const p = path.join(dir, 'DONE');
    const done = JSON.parse(fs.readFileSync(p, 'utf8'));
    delete done.files['model.safetensors'];
    fs.writeFileSync(p, JSON.stringify(done));
  } });
  out.push({ name: 'DONE: a listed file deleted', file: 'optimizer.safetensors', damage: (dir) => fs.rmSync(path.join(dir, 'optimizer.safetensors')) });
  out.push({ name: 'model.safetensors deleted', file: 'model.safetensors', damage: (dir) => fs.rmSync(path.join(dir, 'model.safetensors')) });
  out.push({ name: 'config.json: truncated with DONE deleted', file: 'config.json', damage: (dir) => {
    const p = path.join(dir, 'config.json');
    fs.writeFileSync(p, fs.readFileSync(p).subarray(0, 100));
    fs.rmSync(path.join(dir, 'DONE'));
  } });
  return out;
}

function optimizerCases(): Case[] {
  // Optimizer moments by name: one missing, one of the wrong shape (repacked, DONE matching).
  const edit = (label: string, f: (r: RawSafetensors) => void): Case => ({
    name: `optimizer.safetensors: ${label} (DONE matching)`,
    file: 'optimizer.safetensors',
    damage: (dir) => {
      const p = path.join(dir, 'optimizer.safetensors');
      const r = readRaw(p);
      f(r);
      writeRaw(p, r);
      rewriteManifest(dir);
    },
  });
  return [
    edit('a moment renamed (so one is missing)', (r) => {
      const k = Object.keys(r.header).find((n) => n.startsWith('m.'))!;
      r.header[`${k}.renamed`] = r.header[k];
      delete r.header[k];
    }),
    edit('a matrix moment with its dimensions swapped', (r) => {
      const k = Object.keys(r.header).find((n) => r.header[n].shape?.length === 2 && r.header[n].shape[0] !== r.header[n].shape[1])!;
      r.header[k].shape = [...r.header[k].shape].reverse();
    }),
  ];
}

/** What `deconattn train --resume` does with a checkpoint: load, tokenizer, restore the trainer. */
async function loadForResume(dir: string): Promise<void> {
  const ck = await loadCheckpoint(dir);
  try {
    await loadTokenizer(ck.tokenizer);
    const t = new Trainer(ck.model, data(), opts(), { tokenizer: ck.tokenizer });
    try {
      t.restore(ck);
    } finally {
      t.dispose();
    }
  } finally {
    ck.model.dispose();
  }
}

describe('corrupt checkpoints are refused', () => {
  let pristine: string;
  beforeAll(async () => {
    await useBackend('wasm');
    const m = await microModel({ preset: 'hybrid', mixer: 'rnd-emb-qk' }, { vocabSize: 257 });
    const run = tmp('pristine');
    const t = new Trainer(m, data(), opts(), { tokenizer: { kind: 'byte' }, store: runDirectoryStore(run) });
    await t.trainStep();
    await t.checkpoint();
    t.dispose();
    m.dispose();
    pristine = stepDir(run, 1);
    await loadForResume(pristine); // the undamaged checkpoint loads
  });

  it('every generated case of damage, one line naming the file', async () => {
    const seeded = new SeededRandom(20251010); // the same cases every run
    const rand = () => seeded.next();
    const cases = [
      ...manifestCases(pristine, rand),
      ...safetensorsCases('model.safetensors', pristine, rand),
      ...safetensorsCases('optimizer.safetensors', pristine, rand),
      ...configCases(),
      ...trainerStateCases(),
      ...optimizerCases(),
    ];
    const before = tf.memory().numTensors;
    const accepted: string[] = [];
    const unclear: string[] = [];
    const root = tmp('cases');
    const leaks: string[] = [];
    for (const [i, c] of cases.entries()) {
      const n0 = tf.memory().numTensors;
      const dir = path.join(root, `c${i}`);
      fs.cpSync(pristine, dir, { recursive: true });
      c.damage(dir);
      const err = await loadForResume(dir).then(
        () => undefined,
        (e: unknown) => e,
      );
      if (err === undefined) accepted.push(c.name);
      else if (!(err instanceof DeconattnError)) unclear.push(`${c.name}: not a DeconattnError: ${String((err as Error)?.stack ?? err).split('\n').slice(0, 3).join(' | ')}`);
      else if (/\n/.test(err.message)) unclear.push(`${c.name}: more than one line: ${err.message}`);
      else if (!err.message.includes(path.join(dir, c.file)) && !(c.file !== 'DONE' && err.message.includes(path.join(dir, 'DONE')))) unclear.push(`${c.name}: does not name ${c.file}: ${err.message}`);
      fs.rmSync(dir, { recursive: true, force: true });
      if (tf.memory().numTensors !== n0) leaks.push(`${c.name}: ${tf.memory().numTensors - n0} tensors`);
    }
    expect(leaks, 'refused loads leave no tensors behind').toEqual([]);
    expect(tf.memory().numTensors).toBe(before);
    console.log(`corrupt checkpoints: ${cases.length - accepted.length - unclear.length} of ${cases.length} generated cases refused with a one-line error naming the file`);
    expect(accepted, 'damaged checkpoints that loaded').toEqual([]);
    expect(unclear, 'refused, but not with a one-line DeconattnError naming the file').toEqual([]);
  });
});
