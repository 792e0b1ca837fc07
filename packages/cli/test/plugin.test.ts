import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The third-party path, end to end: the built CLI loads examples/third-party-mixer (a package
// outside packages/, depending only on @deconattn/core's public API) with --plugin <path>,
// trains a plan that mixes it with standard attention, and scores the checkpoint.
const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = path.join(root, 'packages/cli/dist/bin.js');
const pluginDir = 'examples/third-party-mixer';
const plugin = ['--plugin', pluginDir];
// NODE_PATH cleared: pnpm's script shims point it at the workspace's hoisted packages, which a
// user's shell does not have (and which would make every workspace package resolvable).
const run = (args: string[], cwd = root) => spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', env: { ...process.env, DECONATTN_DEBUG: '', NODE_PATH: '' } });
const ok = (args: string[]) => {
  const r = run(args);
  if (r.status !== 0) throw new Error(`deconattn ${args.join(' ')} failed (${r.status}):\n${r.stderr}\n${r.stdout}`);
  return r.stdout;
};

let dir: string;
let model: string;
let text: string;
const content = 'First Citizen:\nBefore we proceed any further, hear me speak.\n';

beforeAll(() => {
  for (const built of [bin, path.join(root, pluginDir, 'dist/index.js')]) {
    if (!fs.existsSync(built)) throw new Error(`${built} is missing: build first (npm test does; \`pnpm build\` builds the example too).`);
  }
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deconattn-plugin-'));
  model = path.join(dir, 'run');
  text = path.join(dir, 'text.txt');
  fs.writeFileSync(text, content);
  ok(['train', '--preset', 'tiny', '--plan', 'standard,sliding-window', '--steps', '2', '--out', model, '--backend', 'wasm', ...plugin]);
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('a third-party mixer through --plugin', () => {
  it('is listed by `mixers` with its package, version, decoding form and parameters', () => {
    const out = JSON.parse(ok(['mixers', '--json', ...plugin]));
    const ids = out.mixers.map((m: any) => m.id);
    expect(ids).toEqual(expect.arrayContaining(['standard', 'sliding-window']));
    const sw = out.mixers.find((m: any) => m.id === 'sliding-window');
    const d = out.hiddenSize;
    expect(sw).toMatchObject({ package: 'deconattn-mixer-sliding-window', version: '0.1.0', decoding: 'kv-cache', attentionMap: true, paramsPerLayer: 4 * d * d + 3 * d });
    expect(JSON.parse(ok(['mixers', '--json'])).mixers.map((m: any) => m.id)).not.toContain('sliding-window');
  });

  it('trains in a mixed plan with standard; the checkpoint records the plugin package and its options', () => {
    const [latest] = fs.readdirSync(path.join(model, 'checkpoints')).sort().reverse();
    const cfg = JSON.parse(fs.readFileSync(path.join(model, 'checkpoints', latest!, 'config.json'), 'utf8'));
    expect(cfg.deconattn.layers).toEqual(['standard', 'sliding-window']);
    expect(cfg.deconattn.mixers[1]).toMatchObject({ id: 'sliding-window', package: 'deconattn-mixer-sliding-window', version: '0.1.0', options: { window: 16 } });
    expect(cfg.deconattn.packages).toMatchObject({ '@deconattn/attention-standard': '0.1.0', 'deconattn-mixer-sliding-window': '0.1.0' });
    const metrics = fs.readFileSync(path.join(model, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(metrics.at(-1).step).toBe(2);
    expect(Number.isFinite(metrics.at(-1).loss)).toBe(true);
  });

  it('scores the checkpoint with --plugin, identically on every load', () => {
    const a = JSON.parse(ok(['score', '--model', model, '--text-file', text, '--json', '--backend', 'wasm', ...plugin]));
    const b = JSON.parse(ok(['score', '--model', model, '--text-file', text, '--json', '--backend', 'wasm', ...plugin]));
    expect(a.tokens).toBe(Buffer.byteLength(content)); // byte tokenizer: one id per byte
    expect(a.scored).toBe(a.tokens - 1);
    expect(Number.isFinite(a.meanNll)).toBe(true);
    expect(b.sumNll).toBe(a.sumNll);
  });

  it('generates past the window through the trimmed KV cache', () => {
    const out = JSON.parse(ok(['generate', '--model', model, '--prompt', 'ROMEO:', '--max-tokens', '24', '--temperature', '0', '--json', ...plugin]));
    expect(out.ids.length).toBe(24);
  });

  it('without --plugin, the checkpoint fails to load with an error naming the package that provides the mixer', () => {
    const r = run(['score', '--model', model, '--text-file', text]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/Unknown token mixer 'sliding-window'\. It is provided by the package 'deconattn-mixer-sliding-window'.*--plugin deconattn-mixer-sliding-window/);
  });

  it('loads the mixer package a checkpoint records when it is installed, without --plugin', () => {
    // From the plugin's own directory its package name resolves (Node's package self-reference),
    // as it would for a user who installed it.
    const r = run(['score', '--model', model, '--text-file', text, '--json'], path.join(root, pluginDir));
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).scored).toBe(JSON.parse(ok(['score', '--model', model, '--text-file', text, '--json', ...plugin])).scored);
  });

  it("passes the plugin's own option errors through", () => {
    const plan = JSON.stringify({ layers: ['standard', 'sliding-window'], mixerOptions: { 'sliding-window': { window: 0 } } });
    const r = run(['train', '--plan', plan, '--steps', '1', '--out', path.join(dir, 'bad'), ...plugin]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/sliding-window: option 'window' must be a positive integer/);
  });
});
