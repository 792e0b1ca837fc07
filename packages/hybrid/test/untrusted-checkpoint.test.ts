import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { DeconattnError } from '@deconattn/core';
import { useBackend } from '../src/node.js';
import { loadCheckpoint, saveCheckpoint } from '../src/checkpoint/checkpoint.js';
import { isBarePackageName } from '../src/checkpoint/files.js';
import { SAFETENSORS_MAX_HEADER_BYTES, decodeSafetensors, encodeSafetensors } from '../src/checkpoint/safetensors.js';
import { TOKENIZER_FILE_LIMITS, readTokenizerJson } from '../src/tokenizer/files.js';
import { microModel } from './helpers.js';

// Checkpoint files as an attacker or a broken disk would leave them: every problem is one
// DeconattnError line naming the file, found before any tensor is read or any model is built.

/** A safetensors buffer from a header object and data bytes; `declared` overrides the length field. */
function st(header: unknown, data: Buffer | number, declared?: bigint): Buffer {
  const json = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(declared ?? BigInt(json.length));
  return Buffer.concat([len, json, typeof data === 'number' ? Buffer.alloc(data) : data]);
}
const f32 = (begin: number, end: number, shape = [(end - begin) / 4]) => ({ dtype: 'F32', shape, data_offsets: [begin, end] });

function oneLine(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DeconattnError);
    expect((e as Error).message).not.toContain('\n');
    return (e as Error).message;
  }
  throw new Error('expected an error');
}

describe('safetensors headers from untrusted files', () => {
  const cases: [string, Buffer, RegExp][] = [
    ['a header length beyond the file', st({ a: f32(0, 4) }, 4, 1000n), /declares a 1000-byte header but the file has \d+ bytes/],
    ['a header length beyond the format limit', st({}, 0, BigInt(SAFETENSORS_MAX_HEADER_BYTES) + 1n), /declares a 100000001-byte header, more than the 100000000-byte limit/],
    ['a header length of 2^64 - 1', st({}, 0, 2n ** 64n - 1n), /declares a 18446744073709551615-byte header/],
    ['an empty header', st('', 0, 0n), /declares a 0-byte header/],
    ['a header that is not JSON', st('{"a": ', 0), /has a header that is not valid JSON/],
    ['a header that is a list', st([1, 2], 0), /has a header that is not a JSON object of tensor entries/],
    ['a deeply nested header', st('{"a":' + '['.repeat(1000) + ']'.repeat(1000) + '}', 0), /has a header that nests arrays\/objects deeper than 4 levels/],
    ['a "__proto__" entry', st('{"__proto__": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}', 4), /has a header that has a "__proto__" key/],
    ['an entry that is not an object', st({ a: 7 }, 0), /has tensor 'a' of unsupported dtype undefined/],
    ['an unknown dtype', st({ a: { dtype: 'PICKLE', shape: [1], data_offsets: [0, 4] } }, 4), /has tensor 'a' of unsupported dtype "PICKLE"/],
    ['a negative dimension', st({ a: { dtype: 'F32', shape: [-1, -4], data_offsets: [0, 16] } }, 16), /has tensor 'a' whose shape \[-1,-4\] is not a list of non-negative integers/],
    ['a fractional dimension', st({ a: { dtype: 'F32', shape: [2.5], data_offsets: [0, 10] } }, 10), /has tensor 'a' whose shape \[2\.5\]/],
    ['offsets that are not integers', st({ a: { dtype: 'F32', shape: [1], data_offsets: ['0', 4] } }, 4), /has tensor 'a' whose data_offsets \["0",4\] are not two non-negative integers/],
    ['offsets past the data', st({ a: f32(0, 4), b: f32(4, 12) }, 8), /has tensor 'b' at bytes 4–12, outside the 8 data bytes/],
    ['offsets in reverse', st({ a: { dtype: 'F32', shape: [0], data_offsets: [8, 4] } }, 8), /has tensor 'a' at bytes 8–4, outside/],
    ['a shape that does not match its bytes', st({ a: { dtype: 'F32', shape: [3, 3], data_offsets: [0, 16] } }, 16), /has tensor 'a' with 16 bytes for shape \[3, 3\] of F32, which needs 36/],
    ['a shape whose product overflows', st({ a: { dtype: 'F32', shape: [2 ** 40, 2 ** 40], data_offsets: [0, 4] } }, 4), /has tensor 'a' with 4 bytes for shape .* which needs/],
    ['overlapping tensors', st({ a: f32(0, 8), b: f32(4, 12) }, 12), /has tensors 'a' and 'b' sharing bytes 4–8 \(overlapping ranges\)/],
    ['two tensors on the same bytes', st({ a: f32(0, 8), b: f32(0, 8) }, 8), /has tensors 'a' and 'b' sharing bytes 0–8/],
    ['a gap between tensors', st({ a: f32(0, 4), b: f32(8, 12) }, 12), /leaves data bytes 4–8 outside every tensor/],
    ['bytes after the last tensor', st({ a: f32(0, 4) }, 12), /has 8 data bytes after the last tensor/],
    ['metadata that is not strings', st({ __metadata__: { format: { nested: 1 } } }, 0), /has "__metadata__" that is not an object of strings/],
  ];
  for (const [what, buf, message] of cases) {
    it(`refuses ${what}`, () => expect(oneLine(() => decodeSafetensors(buf, 'evil.safetensors'))).toMatch(new RegExp(`^Corrupt checkpoint: evil\\.safetensors ${message.source}`)));
  }

  it('reads what the format allows: any tensor order, zero-size tensors, F16/BF16/I64', () => {
    const half = Buffer.alloc(4);
    half.writeUInt16LE(0x3c00, 0); // 1.0
    half.writeUInt16LE(0xc000, 2); // -2.0
    const i64 = Buffer.alloc(8);
    i64.writeBigInt64LE(-5n);
    const data = Buffer.concat([i64, half, Buffer.from([0x80, 0x3f])]); // BF16 0x3f80 = 1.0
    const header = { z: { dtype: 'F32', shape: [0, 3], data_offsets: [8, 8] }, h: { dtype: 'F16', shape: [2], data_offsets: [8, 12] }, b: { dtype: 'BF16', shape: [1], data_offsets: [12, 14] }, i: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } };
    const out = decodeSafetensors(st(header, data)).tensors;
    expect([...out.get('h')!.data]).toEqual([1, -2]);
    expect([...out.get('b')!.data]).toEqual([1]);
    expect([...out.get('i')!.data]).toEqual([-5]);
    expect(out.get('z')).toEqual({ shape: [0, 3], data: new Float32Array(0) });
    const t = new Map([['w', { shape: [2], data: Float32Array.from([0.5, -1]) }]]);
    expect(decodeSafetensors(encodeSafetensors(t)).tensors).toEqual(t);
  });
});

describe('checkpoint directories from untrusted sources', () => {
  let root: string;
  let clean: string;
  let n = 0;
  const copy = () => {
    const dir = path.join(root, `c${n++}`);
    fs.cpSync(clean, dir, { recursive: true });
    return dir;
  };
  /** The DONE manifest rewritten to match the files: whoever forges a checkpoint forges it too. */
  const forgeManifest = (dir: string) => {
    const done = JSON.parse(fs.readFileSync(path.join(dir, 'DONE'), 'utf8'));
    for (const name of Object.keys(done.files)) {
      const buf = fs.readFileSync(path.join(dir, name));
      done.files[name] = { bytes: buf.length, sha256: createHash('sha256').update(buf).digest('hex') };
    }
    fs.writeFileSync(path.join(dir, 'DONE'), JSON.stringify(done));
  };
  const editConfig = (dir: string, edit: (c: any) => void) => {
    const file = path.join(dir, 'config.json');
    const c = JSON.parse(fs.readFileSync(file, 'utf8'));
    edit(c);
    fs.writeFileSync(file, JSON.stringify(c));
    forgeManifest(dir);
  };
  const refusal = async (dir: string): Promise<string> => {
    const before = tf.memory().numTensors;
    const e = await loadCheckpoint(dir).then(
      () => undefined,
      (x) => x,
    );
    expect(e, 'expected the load to fail').toBeInstanceOf(DeconattnError);
    expect(e.message).not.toContain('\n');
    expect(tf.memory().numTensors).toBe(before);
    return e.message;
  };

  beforeAll(async () => {
    await useBackend('cpu');
    root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'deconattn-untrusted-ckpt-')));
    clean = path.join(root, 'clean');
    const m = await microModel();
    await saveCheckpoint(clean, m, { tokenizer: { kind: 'byte' }, trainerState: { step: 1 } });
    m.dispose();
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('loads the clean fixture (so each refusal below is the damage, not the fixture)', async () => {
    const ck = await loadCheckpoint(copy());
    expect(ck.trainerState).toEqual({ step: 1 });
    ck.model.dispose();
  });

  it('refuses files that are symbolic links leaving the checkpoint directory', async () => {
    for (const name of ['config.json', 'model.safetensors', 'trainer_state.json', 'DONE']) {
      const dir = copy();
      const outside = path.join(root, `outside-${n}-${name}`);
      fs.renameSync(path.join(dir, name), outside);
      fs.symlinkSync(outside, path.join(dir, name));
      expect(await refusal(dir)).toBe(`Unsafe checkpoint: ${path.join(dir, name)} is a symbolic link to ${outside}, outside the checkpoint directory ${dir}; a checkpoint's files must lie inside it.`);
    }
    const dir = copy();
    fs.rmSync(path.join(dir, 'model.safetensors'));
    fs.symlinkSync('/dev/zero', path.join(dir, 'model.safetensors'));
    expect(await refusal(dir)).toMatch(/model\.safetensors is a symbolic link to \/dev\/zero, outside the checkpoint directory/);
  });

  it('accepts a symbolic link that stays inside the checkpoint directory', async () => {
    const dir = copy();
    fs.renameSync(path.join(dir, 'model.safetensors'), path.join(dir, 'weights.bin'));
    fs.symlinkSync('weights.bin', path.join(dir, 'model.safetensors'));
    const ck = await loadCheckpoint(dir);
    ck.model.dispose();
  });

  it("refuses a run directory whose newest checkpoint is a link out of it", async () => {
    const run = path.join(root, `run${n++}`);
    fs.mkdirSync(path.join(run, 'checkpoints'), { recursive: true });
    const elsewhere = copy();
    fs.symlinkSync(elsewhere, path.join(run, 'checkpoints', 'step-0000009'));
    expect(await refusal(run)).toMatch(/^Unsafe checkpoint: .*step-0000009 resolves to .*, outside the run directory /);
  });

  it('refuses a FIFO or a directory where a file should be (reading would never end)', async () => {
    const dir = copy();
    fs.rmSync(path.join(dir, 'model.safetensors'));
    execFileSync('mkfifo', [path.join(dir, 'model.safetensors')]);
    expect(await refusal(dir)).toMatch(/model\.safetensors is not a regular file/);
    const d2 = copy();
    fs.rmSync(path.join(d2, 'trainer_state.json'));
    fs.mkdirSync(path.join(d2, 'trainer_state.json'));
    expect(await refusal(d2)).toMatch(/trainer_state\.json is not a regular file/);
  });

  it('refuses a DONE manifest that names files outside the directory', async () => {
    for (const bad of ['../model.safetensors', 'sub/x', '..', 'a\\b']) {
      const dir = copy();
      const done = JSON.parse(fs.readFileSync(path.join(dir, 'DONE'), 'utf8'));
      done.files[bad] = { bytes: 1, sha256: 'x' };
      fs.writeFileSync(path.join(dir, 'DONE'), JSON.stringify(done));
      expect(await refusal(dir)).toBe(`Corrupt checkpoint: ${path.join(dir, 'DONE')} lists a file ${JSON.stringify(bad)}, which is not a plain file name in the checkpoint directory.`);
    }
  });

  it('bounds config.json, DONE and trainer_state.json in size and nesting', async () => {
    const big = copy();
    fs.truncateSync(path.join(big, 'config.json'), 16 * 2 ** 20 + 1);
    expect(await refusal(big)).toBe(`Corrupt checkpoint: ${path.join(big, 'config.json')} is 16777217 bytes, more than the 16777216 bytes allowed for it; it cannot be a deconattn config.json.`);
    const bigDone = copy();
    fs.truncateSync(path.join(bigDone, 'DONE'), 2 ** 20 + 1);
    expect(await refusal(bigDone)).toMatch(/DONE is 1048577 bytes, more than the 1048576 bytes allowed/);
    const deep = copy();
    editConfig(deep, (c) => {
      let v: unknown = 1;
      for (let i = 0; i < 1000; i++) v = { v };
      c.deconattn.mixers[0].options = v;
    });
    expect(await refusal(deep)).toMatch(/config\.json nests arrays\/objects deeper than 32 levels \(at character \d+\)\.$/);
    const deepState = copy();
    fs.writeFileSync(path.join(deepState, 'trainer_state.json'), '['.repeat(50) + ']'.repeat(50));
    forgeManifest(deepState);
    expect(await refusal(deepState)).toMatch(/trainer_state\.json nests arrays\/objects deeper than 32 levels/);
    const proto = copy();
    fs.writeFileSync(path.join(proto, 'config.json'), fs.readFileSync(path.join(proto, 'config.json'), 'utf8').replace('"deconattn": {', '"deconattn": {"__proto__": {"layers": []},'));
    forgeManifest(proto);
    expect(await refusal(proto)).toMatch(/config\.json has a "__proto__" key/);
    const list = copy();
    fs.writeFileSync(path.join(list, 'config.json'), '[1]');
    forgeManifest(list);
    expect(await refusal(list)).toMatch(/config\.json holds an array, not a JSON object/);
  });

  it('refuses a config that asks for a model larger than its weights, before building it', async () => {
    const dir = copy();
    editConfig(dir, (c) => {
      c.vocab_size = 2 ** 30;
      c.hidden_size = 2 ** 16;
    });
    expect(await refusal(dir)).toMatch(/config\.json describes a model of at least \d+ weights, but .*model\.safetensors holds \d+\.$/);
    const neg = copy();
    editConfig(neg, (c) => (c.num_hidden_layers = -3));
    expect(await refusal(neg)).toMatch(/^Corrupt checkpoint: .*config\.json: Model config 'numLayers' must be a positive integer, got -3\.$/);
    const mixers = copy();
    editConfig(mixers, (c) => (c.deconattn.mixers = [7]));
    expect(await refusal(mixers)).toMatch(/has 'deconattn\.mixers' that is not a list of/);
  });

  it('never repeats a path a checkpoint records as a package in its advice', async () => {
    const dir = copy();
    editConfig(dir, (c) => {
      c.deconattn.layers = ['standard', 'evil'];
      c.deconattn.plan = { layers: ['standard', 'evil'] };
      c.deconattn.mixers.push({ id: 'evil', package: './evil.cjs' });
    });
    const msg = await refusal(dir);
    expect(msg).toMatch(/^Unknown token mixer 'evil'\./);
    expect(msg).not.toContain('evil.cjs');
    const named = copy();
    editConfig(named, (c) => {
      c.deconattn.layers = ['standard', 'evil'];
      c.deconattn.plan = { layers: ['standard', 'evil'] };
      c.deconattn.mixers.push({ id: 'evil', package: 'deconattn-mixer-evil' });
    });
    expect(await refusal(named)).toMatch(/It is provided by the package 'deconattn-mixer-evil'/);
  });
});

describe('tokenizer files', () => {
  it('are read as regular files of bounded size and nesting', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deconattn-untrusted-tok-'));
    try {
      const big = path.join(dir, 'big.json');
      fs.writeFileSync(big, '');
      fs.truncateSync(big, TOKENIZER_FILE_LIMITS.maxBytes + 1);
      expect(oneLine(() => readTokenizerJson(big))).toBe(`Cannot read the tokenizer ${big}: ${TOKENIZER_FILE_LIMITS.maxBytes + 1} bytes, more than the ${TOKENIZER_FILE_LIMITS.maxBytes} allowed for a tokenizer.`);
      const deep = path.join(dir, 'deep.json');
      fs.writeFileSync(deep, '{"model": ' + '['.repeat(10_000) + ']'.repeat(10_000) + '}');
      expect(oneLine(() => readTokenizerJson(deep))).toMatch(/^The tokenizer .*deep\.json nests arrays\/objects deeper than 16 levels/);
      const fifo = path.join(dir, 'fifo.json');
      execFileSync('mkfifo', [fifo]);
      expect(oneLine(() => readTokenizerJson(fifo))).toMatch(/fifo\.json: not a regular file\.$/);
      const ok = path.join(dir, 'ok.json');
      fs.writeFileSync(ok, '{"model": {"vocab": {"a": 0}}}');
      expect(readTokenizerJson(ok)).toEqual({ model: { vocab: { a: 0 } } });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('isBarePackageName', () => {
  it('accepts npm package names and nothing that points somewhere', () => {
    for (const ok of ['a', 'deconattn-mixer-sliding-window', '@deconattn/attention-standard', '@s/n.js', 'x_y', '~x', 'a'.repeat(214)]) expect(isBarePackageName(ok), ok).toBe(true);
    const bad = ['', './evil.cjs', '../evil', '/abs/evil.cjs', 'C:\\evil.js', 'file:///tmp/evil.cjs', 'http://127.0.0.1/evil.mjs', 'data:text/javascript,0', 'node:fs', 'a/../../evil', 'a..b', '@s/n/evil.cjs', '@s//n', '@/n', '.hidden', '_private', 'Upper', 'sp ace', 'a\\b', 'a'.repeat(215), 7, null, undefined, { name: 'a' }];
    for (const no of bad) expect(isBarePackageName(no), String(no)).toBe(false);
  });
});
