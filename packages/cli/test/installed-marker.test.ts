import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// A plugin installed in the user's project, declaring its mixer in package.json, is found for a
// new model's plan without --plugin; the same package without the declaration is not loaded.
const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = path.join(root, 'packages/cli/dist/bin.js');
const example = path.join(root, 'examples/third-party-mixer');

let tmp: string;

/** A project whose node_modules holds the example plugin (a copy) and its peers (links to ours). */
function project(name: string, marker: boolean): string {
  const dir = path.join(tmp, name);
  const pkgDir = path.join(dir, 'node_modules/deconattn-mixer-sliding-window');
  fs.mkdirSync(pkgDir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name, private: true }));
  fs.cpSync(path.join(example, 'dist'), path.join(pkgDir, 'dist'), { recursive: true });
  const manifest = JSON.parse(fs.readFileSync(path.join(example, 'package.json'), 'utf8'));
  if (!marker) delete manifest.deconattn;
  fs.writeFileSync(path.join(pkgDir, 'package.json'), JSON.stringify(manifest));
  const req = createRequire(path.join(root, 'packages/core/package.json'));
  for (const [dep, target] of [
    ['@deconattn/core', path.join(root, 'packages/core')],
    ['@tensorflow/tfjs-core', path.dirname(req.resolve('@tensorflow/tfjs-core/package.json'))],
  ] as const) {
    fs.mkdirSync(path.join(dir, 'node_modules', path.dirname(dep)), { recursive: true });
    fs.symlinkSync(fs.realpathSync(target), path.join(dir, 'node_modules', dep));
  }
  return dir;
}

const train = (cwd: string) =>
  spawnSync(process.execPath, [bin, 'train', '--preset', 'tiny', '--plan', 'standard,sliding-window', '--steps', '2', '--batch-size', '2', '--seq-len', '16', '--out', 'run', '--backend', 'wasm'], {
    cwd,
    encoding: 'utf8',
    timeout: 300_000,
    env: { ...process.env, NODE_PATH: '', DECONATTN_DEBUG: '' },
  });

beforeAll(() => {
  if (!fs.existsSync(bin) || !fs.existsSync(path.join(example, 'dist/index.js'))) throw new Error('Build first: the CLI and examples/third-party-mixer (`pnpm build`).');
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'deconattn-installed-'));
});

afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('installed plugins declaring their mixers', () => {
  it('a new model uses an installed, declared mixer without --plugin', () => {
    const dir = project('with-marker', true);
    const r = train(dir);
    expect(r.status, r.stderr).toBe(0);
    const ckpts = path.join(dir, 'run/checkpoints');
    const cfg = JSON.parse(fs.readFileSync(path.join(ckpts, fs.readdirSync(ckpts).sort().at(-1)!, 'config.json'), 'utf8'));
    expect(cfg.deconattn.layers).toEqual(['standard', 'sliding-window']);
    expect(cfg.deconattn.mixers[1]).toMatchObject({ id: 'sliding-window', package: 'deconattn-mixer-sliding-window' });
  });

  it('an installed package that does not declare the mixer is not loaded', () => {
    const r = train(project('without-marker', false));
    expect(r.status).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/sliding-window/);
    expect(fs.existsSync(path.join(tmp, 'without-marker/run/checkpoints'))).toBe(false);
  });
});
