import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import '@deconattn/attention-standard';
import '@deconattn/attention-relaxed';
import { LanguageModel, PRESETS, byteTokenizer, checkpointConfig, parsePlan } from '@deconattn/hybrid';
import { fixedPassage, useBackend } from '@deconattn/hybrid/node';

// The built CLI, as a user runs it. Timeouts keep a hung child from hanging the suite.
const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const run = (args: string[]) => spawnSync(process.execPath, [bin, 'bench', ...args], { encoding: 'utf8', timeout: 240_000, env: { ...process.env, DECONATTN_DEBUG: '', NODE_PATH: '' } });
const json = (args: string[]) => {
  const r = run([...args, '--json']);
  if (r.status !== 0) throw new Error(`deconattn bench ${args.join(' ')} failed (${r.status}):\n${r.stderr}\n${r.stdout}`);
  return JSON.parse(r.stdout);
};
const script = fileURLToPath(new URL('../scripts/bench_torch.py', import.meta.url));
const torchPython = ['/usr/bin/python3', 'python3'].find((py) => spawnSync(py, ['-c', 'import torch'], { timeout: 60_000 }).status === 0);

describe('deconattn bench', () => {
  it('times training per mixer and decoding per context', () => {
    const out = json(['--config', 'tiny', '--mixers', 'standard,non-approximate', '--steps', '1', '--decode', '8,40', '--decode-tokens', '2', '--torch', 'off', '--plain', '--profile', '--repeats', '2']);
    expect(out.config).toMatchObject({ name: 'tiny', batchSize: 8, seqLen: 128 });
    expect(out.rows.map((r: any) => r.mixer)).toEqual(['standard', 'non-approximate']);
    for (const r of out.rows) {
      expect(r.backend).toBe('wasm');
      expect(r.trainTokensPerSec).toBeCloseTo((8 * 128 * 1000) / r.msPerStep, 6);
      // Two alternating repeats; the row gives their median.
      expect(r.repeats.trainTokensPerSec).toHaveLength(2);
      expect(r.trainTokensPerSec).toBeCloseTo((r.repeats.trainTokensPerSec[0] + r.repeats.trainTokensPerSec[1]) / 2, 6);
      expect(r.trainGflops).toBeGreaterThan(0);
      expect(Object.keys(r.decodeTokensPerSec)).toEqual(['8', '40']);
      expect(Object.values(r.decodeTokensPerSec).every((v) => (v as number) > 0)).toBe(true);
      expect(r.torch).toBeNull();
      expect(r.ratio).toBeNull();
      expect(r.plainTokensPerSec).toBeGreaterThan(0); // the plain tfjs path, timed in the same run
      expect(r.threads).toBeGreaterThanOrEqual(1);
      // The fused path launches fewer kernels than the plain one.
      expect(r.profile.fused.kernels).toBeGreaterThan(0);
      expect(r.profile.fused.kernels).toBeLessThan(r.profile.plain.kernels);
      expect(r.profile.fused.byKernel[0]).toMatchObject({ name: expect.any(String), calls: expect.any(Number), ms: expect.any(Number) });
    }
    expect(out.torch).toMatch(/not measured/);
  });

  it('rejects an unknown config, a bad context and an unknown mixer in one line', () => {
    for (const [args, msg] of [
      [['--config', 'huge'], /Unknown bench config 'huge'. Configs: reference, tiny/],
      [['--decode', '0', '--torch', 'off'], /decoding contexts must be positive integers/],
      [['--mixers', 'nope', '--torch', 'off'], /nope/],
    ] as const) {
      const r = run([...args]);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(msg);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });

  // PyTorch is optional (Debian's python3-torch): with it, the baseline is the same model
  // (equal parameter counts for every mixer it implements) and the ratio is ours / its.
  it.runIf(!!torchPython)('measures PyTorch on the same model and gives the ratio', () => {
    const out = json(['--config', 'tiny', '--mixers', 'standard,mlp', '--steps', '1', '--decode', 'none', '--torch', torchPython!, '--torch-splits', '1x1']);
    for (const r of out.rows) {
      expect(r.torchError).toBeUndefined();
      expect(r.torch.params).toBe(r.params);
      expect(r.torch.tokensPerSec).toBeGreaterThan(0);
      expect(r.ratio).toBeCloseTo(r.trainTokensPerSec / r.torch.tokensPerSec, 9);
      expect(r.ratioToTorchStandard).toBeCloseTo(r.trainTokensPerSec / out.rows[0].torch.tokensPerSec, 9);
    }
  });

  // The same model: bench_torch.py builds, from our config.json, a model with our parameter count
  // for every mixer it implements (a missing bias or a wrong width would show).
  it.runIf(!!torchPython)('builds in PyTorch the model of every mixer it implements from our config.json', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deconattn-bench-cfg-'));
    const tokenizer = byteTokenizer();
    await useBackend('cpu');
    try {
      const files: string[] = [];
      const counts: number[] = [];
      for (const mixer of ['standard', 'mlp', 'static-emb-qk', 'non-approximate', 'rnd-emb-qk', 'fixed-seq-qk']) {
        for (const preset of ['uniform', 'hybrid']) {
          const model = await LanguageModel.create({ config: PRESETS.tiny!.model, plan: parsePlan(`${preset}:${mixer}`), seed: 0, environment: { tokenizer, defaultPassage: (n) => fixedPassage(tokenizer, n).tokenIds } });
          const file = path.join(dir, `${preset}-${mixer}.json`);
          fs.writeFileSync(file, JSON.stringify(checkpointConfig(model, { tokenizer: { kind: 'byte' } })));
          files.push(file);
          counts.push(model.parameterCount());
          model.dispose();
        }
      }
      // One python process for all (importing torch takes seconds).
      const r = spawnSync(torchPython!, [script, '--count-params', ...files], { encoding: 'utf8', timeout: 180_000 });
      expect(r.status, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout).params).toEqual(counts);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it.runIf(!torchPython)('says why PyTorch was not measured when no python has torch', () => {
    const out = json(['--config', 'tiny', '--mixers', 'standard', '--steps', '1', '--decode', 'none']);
    expect(out.torch).toMatch(/no python3 with torch found \(Debian: apt-get install python3-torch/);
    expect(out.rows[0].torch).toBeNull();
  });

  it('names the mixers PyTorch has no version of instead of failing', () => {
    const out = json(['--config', 'tiny', '--mixers', 'approximate', '--steps', '1', '--decode', 'none', '--torch', torchPython ?? 'off', '--torch-splits', '1x1']);
    expect(out.rows[0].ratio).toBeNull();
    if (torchPython) expect(out.rows[0].torchError).toMatch(/mixer 'approximate' has no PyTorch version/);
  });
});
