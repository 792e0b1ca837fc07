import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../src/node.js';
import { runDirectoryStore } from '../src/node.js';
import { Trainer, type TrainOptions } from '../src/train/trainer.js';
import { listCheckpoints, loadCheckpoint, saveCheckpoint, resolveCheckpointDir } from '../src/node.js';
import { decodeSafetensors, encodeSafetensors } from '../src/checkpoint/safetensors.js';
import { checkpointFiles, checkpointManifest, modelFromCheckpoint } from '../src/index.js';
import { createHash } from 'node:crypto';
import { scoreTokenSequence } from '../src/model/score.js';
import { splitTokens } from '../src/data/index.js';
import { ids, maxAbsDiff, microModel } from './helpers.js';

const tmp = (p: string) => fs.mkdtempSync(path.join(os.tmpdir(), `deconattn-${p}-`));
const data = () => splitTokens(Int32Array.from({ length: 400 }, (_, i) => (i * 5 + (i >> 3)) % 23), 0.25);
const opts = (o: Partial<TrainOptions>): TrainOptions => ({ steps: 6, batchSize: 2, seqLen: 8, lr: 1e-2, warmupSteps: 2, weightDecay: 0.1, seed: 3, evalInterval: 0, logInterval: 1, ...o });
const tokens = [1, 5, 2, 7, 3, 9, 4, 11, 6, 0, 8];

describe('checkpoints', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('safetensors round-trip and reject truncated files', () => {
    const t = new Map([['a.weight', { shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) }], ['b', { shape: [1], data: Float32Array.from([7]) }]]);
    const buf = encodeSafetensors(t, { format: 'pt' });
    expect(buf).not.toBeInstanceOf(Buffer); // plain bytes: browsers have no Buffer
    expect(Number(new DataView(buf.buffer).getBigUint64(0, true)) % 8).toBe(0);
    const back = decodeSafetensors(buf);
    expect(back.tensors.get('a.weight')).toEqual(t.get('a.weight'));
    expect(back.metadata).toEqual({ format: 'pt' });
    expect(() => decodeSafetensors(buf.subarray(0, buf.length - 4), 'x.safetensors')).toThrow(/Corrupt checkpoint: x.safetensors has tensor 'b' at bytes 24–28, outside/);
    expect(() => decodeSafetensors(Buffer.from('abc'))).toThrow(/shorter than the 8-byte header/);
  });

  it('round-trips: config.json with Qwen2 names, weights [out, in], identical scores', async () => {
    const m = await microModel({ preset: 'hybrid', mixer: 'standard' });
    const dir = path.join(tmp('rt'), 'model');
    await saveCheckpoint(dir, m, { tokenizer: { kind: 'byte' }, preset: 'micro' });
    const cfg = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
    expect(cfg).toMatchObject({ hidden_size: 16, intermediate_size: 32, num_hidden_layers: 2, num_attention_heads: 2, num_key_value_heads: 2, rms_norm_eps: 1e-6, rope_theta: 10000, vocab_size: 23, tie_word_embeddings: true, max_position_embeddings: 12 });
    expect(cfg.deconattn.layers).toEqual(['standard', 'standard']);
    expect(cfg.deconattn.plan).toEqual({ preset: 'hybrid', mixer: 'standard' });
    expect(cfg.deconattn.mixers[0]).toMatchObject({ id: 'standard', package: '@deconattn/attention-standard' });
    const st = decodeSafetensors(fs.readFileSync(path.join(dir, 'model.safetensors')));
    expect(st.tensors.get('model.layers.0.self_attn.q_proj.weight')!.shape).toEqual([16, 16]);
    expect(st.tensors.get('model.layers.1.mlp.gate_proj.weight')!.shape).toEqual([32, 16]);
    expect(st.tensors.get('model.layers.1.mlp.down_proj.weight')!.shape).toEqual([16, 32]);
    expect(st.tensors.has('lm_head.weight')).toBe(false);
    const loaded = await loadCheckpoint(dir);
    expect(loaded.tokenizer).toEqual({ kind: 'byte' });
    expect(maxAbsDiff(loaded.model.logits(ids([tokens])).dataSync(), m.logits(ids([tokens])).dataSync())).toBe(0);
    expect(await scoreTokenSequence(loaded.model, tokens)).toEqual(await scoreTokenSequence(m, tokens));
    loaded.model.dispose();
    m.dispose();
  });

  it('in memory, as a browser reads and writes them: the same bytes as a directory, the same model back', async () => {
    const m = await microModel({ layers: ['standard', 'standard'] }, {}, 11);
    const dir = path.join(tmp('mem'), 'model');
    await saveCheckpoint(dir, m, { tokenizer: { kind: 'byte' }, preset: 'micro' });
    const files = await checkpointFiles(m, { tokenizer: { kind: 'byte' }, preset: 'micro' });
    expect(Object.keys(files).sort()).toEqual(['config.json', 'model.safetensors']);
    for (const [name, bytes] of Object.entries(files)) expect(Buffer.from(bytes).equals(fs.readFileSync(path.join(dir, name)))).toBe(true);
    // The portable SHA-256 of the DONE manifest agrees with node:crypto's, so the CLI verifies it.
    const manifest = JSON.parse(checkpointManifest(files));
    expect(manifest.files['model.safetensors']).toEqual({ bytes: files['model.safetensors']!.length, sha256: createHash('sha256').update(files['model.safetensors']!).digest('hex') });
    const cfg = JSON.parse(new TextDecoder().decode(files['config.json']));
    const back = await modelFromCheckpoint(cfg, files['model.safetensors']!);
    expect(maxAbsDiff(back.logits(ids([tokens])).dataSync(), m.logits(ids([tokens])).dataSync())).toBe(0);
    // Untrusted input is checked as from disk: the names given appear in the error.
    const bad = { ...cfg, deconattn: { ...cfg.deconattn, layers: ['standard', 'mlp'] } };
    await expect(modelFromCheckpoint(bad, files['model.safetensors']!, { config: 'picked/config.json', weights: 'picked/model.safetensors' })).rejects.toThrow(/^Corrupt checkpoint: picked\/config.json lists layers standard,mlp but its plan resolves to standard,standard\.$/);
    await expect(modelFromCheckpoint(cfg, files['model.safetensors']!.subarray(0, 100), { config: 'c', weights: 'picked/model.safetensors' })).rejects.toThrow(/^Corrupt checkpoint: picked\/model.safetensors /);
    back.dispose();
    m.dispose();
  });

  it('resuming continues the same run: same data order, same loss curve', async () => {
    const full = await microModel();
    const a = new Trainer(full, data(), opts({}), { tokenizer: { kind: 'byte' } });
    const straight = (await a.run()).map((l) => l.loss);
    a.dispose();
    full.dispose();

    const dir = tmp('resume');
    const m1 = await microModel();
    const b = new Trainer(m1, data(), opts({ steps: 6, checkpointInterval: 3 }), { tokenizer: { kind: 'byte' }, store: runDirectoryStore(dir) });
    for (let i = 0; i < 3; i++) await b.trainStep();
    await b.checkpoint();
    b.dispose();
    m1.dispose();

    const ck = await loadCheckpoint(dir);
    expect(ck.trainerState!.step).toBe(3);
    const c = new Trainer(ck.model, data(), opts({}), { tokenizer: { kind: 'byte' }, store: runDirectoryStore(dir) });
    c.restore(ck);
    const resumed = (await c.run()).map((l) => l.loss);
    expect(resumed.length).toBe(3);
    resumed.forEach((l, i) => expect(Math.abs(l - straight[3 + i]!)).toBeLessThan(1e-5));
    expect(listCheckpoints(dir).map((x) => x.step)).toEqual([6, 3]);
    c.dispose();
    ck.model.dispose();
  });

  it('an interrupted save leaves the previous checkpoint loadable', async () => {
    const dir = tmp('crash');
    const m = await microModel();
    const t = new Trainer(m, data(), opts({}), { tokenizer: { kind: 'byte' }, store: runDirectoryStore(dir) });
    await t.trainStep();
    await t.checkpoint();
    const expected = m.logits(ids([tokens])).dataSync();
    // A crash mid-save: a half-written temporary dir and a step dir without its DONE marker.
    await t.trainStep();
    const partial = path.join(dir, 'checkpoints', 'step-0000002');
    fs.mkdirSync(partial, { recursive: true });
    fs.writeFileSync(path.join(partial, 'config.json'), '{"hidden_size": 16');
    fs.mkdirSync(path.join(dir, 'checkpoints', '.step-0000002.tmp-abc'));
    expect(resolveCheckpointDir(dir)).toMatch(/step-0000001$/);
    const ck = await loadCheckpoint(dir);
    expect(maxAbsDiff(ck.model.logits(ids([tokens])).dataSync(), expected)).toBe(0);
    ck.model.dispose();
    t.dispose();
    m.dispose();
  });

  it('corrupt or missing checkpoints give clear errors', async () => {
    const m = await microModel();
    const dir = path.join(tmp('corrupt'), 'model');
    await saveCheckpoint(dir, m, { tokenizer: { kind: 'byte' } });
    m.dispose();
    await expect(loadCheckpoint(path.join(dir, 'nope'))).rejects.toThrow(/No model at .*does not exist/);
    await expect(loadCheckpoint(path.dirname(dir))).rejects.toThrow(/holds no complete checkpoint/);
    const weights = path.join(dir, 'model.safetensors');
    const good = fs.readFileSync(weights);
    const flipped = Buffer.from(good);
    flipped[flipped.length - 1] ^= 0xff;
    fs.writeFileSync(weights, flipped);
    await expect(loadCheckpoint(dir)).rejects.toThrow(/does not match its DONE manifest/);
    fs.writeFileSync(weights, good.subarray(0, good.length - 100));
    fs.rmSync(path.join(dir, 'DONE'));
    await expect(loadCheckpoint(dir)).rejects.toThrow(/Corrupt checkpoint: .*model.safetensors has tensor/);
    fs.writeFileSync(path.join(dir, 'config.json'), '{ not json');
    await expect(loadCheckpoint(dir)).rejects.toThrow(/config.json is not valid JSON/);
  });
});
