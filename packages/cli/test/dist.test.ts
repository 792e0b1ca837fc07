import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The built packages, imported the way users do (plain Node ESM and CommonJS, fresh processes):
// gradients must be registered and the bundled data found, with no bundler or test runner.
const cwd = fileURLToPath(new URL('..', import.meta.url)); // packages/cli: depends on every package

const program = (load: string) => `
${load}
(async () => {
  await hybridNode.useBackend('wasm');
  const model = await hybrid.LanguageModel.create({ config: hybrid.PRESETS.tiny.model, plan: hybrid.parsePlan('hybrid:approximate'), seed: 1 });
  const tok = hybrid.byteTokenizer();
  const { train, val } = hybrid.splitTokens(hybrid.tokenizeCorpus(tok, hybridNode.bundledCorpus()));
  const t = new hybrid.Trainer(model, { train, val }, { steps: 2, batchSize: 2, seqLen: 16, lr: 1e-3, warmupSteps: 1, weightDecay: 0.1, seed: 0, evalInterval: 0, logInterval: 1 }, { tokenizer: tok.toConfig() });
  const logs = await t.run();
  console.log(JSON.stringify({ steps: logs.length, loss: logs[1].loss, layers: model.layerMixers, backend: tfc.getBackend() }));
})().catch((e) => { console.error(e); process.exit(1); });
`;

function check(args: string[], code: string) {
  const r = spawnSync(process.execPath, [...args, code], { cwd, encoding: 'utf8' });
  expect(r.stderr).not.toMatch(/gradient function not found/);
  expect(r.status, r.stderr).toBe(0);
  const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
  expect(out).toMatchObject({ steps: 2, layers: ['approximate', 'standard'], backend: 'wasm' });
  expect(Number.isFinite(out.loss)).toBe(true);
}

describe('built packages', () => {
  it('train through plain Node ESM imports', () => {
    check(['--input-type=module', '-e'], program(`
import * as core from '@deconattn/core';
import * as tfc from '@tensorflow/tfjs-core';
import * as hybrid from '@deconattn/hybrid';
import * as hybridNode from '@deconattn/hybrid/node';
import '@deconattn/attention-standard';
import '@deconattn/attention-relaxed';`));
  });

  it('train through CommonJS require', () => {
    check(['-e'], program(`
const core = require('@deconattn/core');
const tfc = require('@tensorflow/tfjs-core');
const hybrid = require('@deconattn/hybrid');
const hybridNode = require('@deconattn/hybrid/node');
require('@deconattn/attention-standard');
require('@deconattn/attention-relaxed');`));
  });
});
