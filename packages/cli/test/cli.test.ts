import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

// These tests run the built CLI (`npm test` builds first), as a user would.
const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const run = (args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, DECONATTN_DEBUG: '', NODE_PATH: '' } });
const ok = (args: string[]) => {
  const r = run(args);
  if (r.status !== 0) throw new Error(`deconattn ${args.join(' ')} failed (${r.status}):\n${r.stderr}\n${r.stdout}`);
  return r.stdout;
};

let dir: string;
let model: string;
let text: string;

beforeAll(() => {
  if (!fs.existsSync(bin)) throw new Error(`${bin} is missing: build first (npm test does).`);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deconattn-cli-'));
  model = path.join(dir, 'run');
  text = path.join(dir, 'text.txt');
  fs.writeFileSync(text, 'To be, or not to be, that is the question.\n');
  ok(['train', '--preset', 'tiny', '--plan', 'uniform:standard', '--steps', '4', '--checkpoint-interval', '2', '--out', model, '--backend', 'wasm']);
});

describe('deconattn CLI', () => {
  it('lists every registered mixer with package, principle, decoding and parameters', () => {
    const out = JSON.parse(ok(['mixers', '--json']));
    const ids = out.mixers.map((m: any) => m.id);
    expect(ids).toEqual(expect.arrayContaining(['standard', 'mlp', 'approximate', 'non-approximate', 'rnd-emb-qk', 'fixed-seq-qk', 'static-emb-qk']));
    const std = out.mixers.find((m: any) => m.id === 'standard');
    expect(std).toMatchObject({ package: '@deconattn/attention-standard', decoding: 'kv-cache', paramsPerLayer: 4 * 128 * 128 + 3 * 128 });
    expect(ok(['mixers'])).toMatch(/\| standard +\| @deconattn\/attention-standard@/);
  });

  it('shows a plan per layer', () => {
    expect(JSON.parse(ok(['plan', 'hybrid:mlp', '--layers', '4', '--json'])).layers).toEqual(['mlp', 'standard', 'mlp', 'standard']);
    expect(JSON.parse(ok(['plan', 'standard,mlp,standard', '--layers', '3', '--json'])).layers).toEqual(['standard', 'mlp', 'standard']);
  });

  it('trains: per-step log lines, metrics.jsonl, checkpoints', () => {
    const metrics = fs.readFileSync(path.join(model, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(metrics.at(-1).step).toBe(4);
    expect(fs.readdirSync(path.join(model, 'checkpoints'))).toEqual(['step-0000002', 'step-0000004']);
    const cfg = JSON.parse(fs.readFileSync(path.join(model, 'checkpoints', 'step-0000004', 'config.json'), 'utf8'));
    expect(cfg.deconattn.layers).toEqual(['standard', 'standard']);
  });

  it('scores a text file with the token ids tokenize reports', () => {
    const score = JSON.parse(ok(['score', '--model', model, '--text-file', text, '--json']));
    const toks = JSON.parse(ok(['tokenize', '--model', model, '--text-file', text, '--json']));
    expect(score.tokens).toBe(toks.count);
    expect(toks.ids.length).toBe(43); // byte tokenizer: one id per byte
    expect(score.scored).toBe(toks.count - 1);
    expect(score.perplexity).toBeCloseTo(Math.exp(score.meanNll), 6);
    expect(score.sumNll).toBeCloseTo(score.meanNll * score.scored, 4);
  });

  it('generates deterministically with a seed', () => {
    const a = JSON.parse(ok(['generate', '--model', model, '--prompt', 'ROMEO:', '--max-tokens', '8', '--seed', '3', '--json']));
    const b = JSON.parse(ok(['generate', '--model', model, '--prompt', 'ROMEO:', '--max-tokens', '8', '--seed', '3', '--json']));
    expect(a.ids.length).toBe(8);
    expect(a.ids).toEqual(b.ids);
  });

  it('resumes an interrupted run and refuses to mix settings', () => {
    const run2 = path.join(dir, 'resume');
    ok(['train', '--steps', '4', '--checkpoint-interval', '2', '--out', run2, '--seed', '5']);
    const finalLoss = JSON.parse(fs.readFileSync(path.join(run2, 'metrics.jsonl'), 'utf8').trim().split('\n').at(-1)!).loss;
    fs.rmSync(path.join(run2, 'checkpoints', 'step-0000004'), { recursive: true }); // "killed" after step 2
    const out = ok(['train', '--steps', '4', '--checkpoint-interval', '2', '--out', run2, '--seed', '5', '--resume']);
    expect(out).toMatch(/resuming at 2/);
    const resumed = JSON.parse(fs.readFileSync(path.join(run2, 'metrics.jsonl'), 'utf8').trim().split('\n').at(-1)!).loss;
    expect(Math.abs(resumed - finalLoss)).toBeLessThan(1e-5);
    const clash = run(['train', '--steps', '4', '--out', run2, '--seed', '6', '--resume']);
    expect(clash.status).toBe(1);
    expect(clash.stderr).toMatch(/Cannot resume .* different settings/);
    const noResume = run(['train', '--steps', '4', '--out', run2, '--seed', '5']);
    expect(noResume.stderr).toMatch(/already holds checkpoints .* --resume/);
  });

  it('gives clear errors for bad input', () => {
    const unknown = run(['train', '--plan', 'uniform:aproximate', '--steps', '1', '--out', path.join(dir, 'x')]);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(/Unknown token mixer 'aproximate'.*Did you mean 'approximate'\?.*Registered mixers:/);
    expect(run(['train', '--plan', 'hybrid', '--steps', '1']).stderr).toMatch(/names a preset but no mixer/);
    expect(run(['score', '--model', path.join(dir, 'missing'), '--text-file', text]).stderr).toMatch(/No model at .*does not exist/);
    expect(run(['score', '--model', model, '--text-file', path.join(dir, 'nope.txt')]).stderr).toMatch(/Text file .* does not exist/);
    expect(run(['train', '--corpus', path.join(dir, 'nope.txt'), '--steps', '1', '--out', path.join(dir, 'y')]).stderr).toMatch(/nope.txt/);
    expect(run(['train', '--backend', 'tensorflow', '--steps', '1']).stderr).toMatch(/@tensorflow\/tfjs-node/);
    expect(run(['train', '--steps', 'many']).stderr).toMatch(/--steps must be a non-negative integer/);
    const corrupt = path.join(dir, 'corrupt');
    fs.cpSync(path.join(model, 'checkpoints', 'step-0000004'), corrupt, { recursive: true });
    fs.writeFileSync(path.join(corrupt, 'model.safetensors'), 'garbage');
    expect(run(['score', '--model', corrupt, '--text-file', text]).stderr).toMatch(/Corrupt checkpoint: .*model.safetensors/);
  });

  it('evaluates zero-shot as the harness does, writes results and samples, and reuses cached answers', () => {
    const out = path.join(dir, 'eval.json');
    const table = ok(['eval', '--model', model, '--tasks', 'copa,rte', '--limit', '4', '--output', out, '--log-samples']);
    expect(table).toMatch(/\|copa\|1\|none\|0\|acc\|/);
    const results = JSON.parse(fs.readFileSync(out, 'utf8'));
    expect(results.results.copa['acc,none']).toBeGreaterThanOrEqual(0);
    expect(results['n-samples'].copa).toEqual({ original: 100, effective: 4 });
    const samples = fs.readFileSync(path.join(dir, 'eval.samples.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(samples.length).toBe(8);
    expect(samples[0]).toMatchObject({ task: 'copa', doc_id: 0 });
    const again = JSON.parse(ok(['eval', '--model', model, '--tasks', 'copa,rte', '--limit', '4', '--json']));
    expect(again.results.copa['acc,none']).toBe(results.results.copa['acc,none']);
    expect(run(['eval', '--model', model, '--tasks', 'copaa']).stderr).toMatch(/copaa/);
  });

  it('fine-tunes a head and reports the official metric', () => {
    const out = JSON.parse(ok(['finetune', '--model', model, '--tasks', 'copa', '--epochs', '1', '--train-limit', '16', '--limit', '8', '--json']));
    expect(out.results.copa['acc,none']).toBeGreaterThanOrEqual(0);
  });

  it('analyses attention per layer', () => {
    const report = path.join(dir, 'analysis.html');
    const out = JSON.parse(ok(['analyze', '--model', model, '--sequences', '2', '--length', '32', '--json', '--report', report]));
    expect(fs.readFileSync(report, 'utf8')).toMatch(/<svg/);
    expect(out.analysis.layers.map((l: any) => l.mixer)).toEqual(['standard', 'standard']);
    expect(out.analysis.layers[0].indicators.entropy).toBeGreaterThan(0);
    expect(out.analysis.layers[0].logits.count).toBe(2 * 4 * (32 * 33) / 2);
  });
});
