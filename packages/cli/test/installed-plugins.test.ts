import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Installed plugins are found without --plugin: a project outside the workspace whose
// node_modules holds the example plugin (a link, as `npm install ../path` makes one) trains a
// plan naming its mixer, lists it with where it came from, and gets near matches — never an
// install command — for a misspelt --plugin.
const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = path.join(root, 'packages/cli/dist/bin.js');
const example = path.join(root, 'examples/third-party-mixer');
const TIMEOUT_MS = 120_000;
const run = (args: string[], cwd: string) =>
  spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', timeout: TIMEOUT_MS, env: { ...process.env, DECONATTN_DEBUG: '', NODE_PATH: '' } });

let project: string;
let model: string;

beforeAll(() => {
  for (const built of [bin, path.join(example, 'dist/index.js')]) {
    if (!fs.existsSync(built)) throw new Error(`${built} is missing: build first (npm test does).`);
  }
  project = fs.mkdtempSync(path.join(os.tmpdir(), 'deconattn-installed-'));
  fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'my-study', private: true }));
  fs.mkdirSync(path.join(project, 'node_modules'));
  fs.symlinkSync(example, path.join(project, 'node_modules', 'deconattn-mixer-sliding-window'), 'dir');
  // An installed package without the marker: never a mixer source, but a name a typo may be near.
  fs.mkdirSync(path.join(project, 'node_modules', 'left-pad'));
  fs.writeFileSync(path.join(project, 'node_modules', 'left-pad', 'package.json'), JSON.stringify({ name: 'left-pad', version: '1.3.0' }));
  model = path.join(project, 'run');
});

afterAll(() => fs.rmSync(project, { recursive: true, force: true }));

describe('installed mixer plugins', () => {
  it('a new model trains with an installed mixer in its plan, without --plugin', () => {
    const r = run(['train', '--preset', 'tiny', '--plan', 'standard,sliding-window', '--steps', '1', '--out', model, '--json'], project);
    expect(r.status, r.stderr).toBe(0);
    const [latest] = fs.readdirSync(path.join(model, 'checkpoints')).sort().reverse();
    const cfg = JSON.parse(fs.readFileSync(path.join(model, 'checkpoints', latest!, 'config.json'), 'utf8'));
    expect(cfg.deconattn.layers).toEqual(['standard', 'sliding-window']);
    expect(cfg.deconattn.mixers[1]).toMatchObject({ id: 'sliding-window', package: 'deconattn-mixer-sliding-window' });
  });

  it('`plan` resolves it too, and takes --plugin like the other commands', () => {
    const r = run(['plan', 'standard,sliding-window', '--layers', '2', '--json'], project);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).layers).toEqual(['standard', 'sliding-window']);
    const fromRoot = run(['plan', 'standard,sliding-window', '--layers', '2', '--json', '--plugin', example], root);
    expect(fromRoot.status, fromRoot.stderr).toBe(0);
  });

  it('`mixers` lists it with where it came from', () => {
    const r = run(['mixers', '--json'], project);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    const sw = out.mixers.find((m: any) => m.id === 'sliding-window');
    expect(sw.source).toEqual({ kind: 'installed', package: 'deconattn-mixer-sliding-window', dir: path.join(project, 'node_modules', 'deconattn-mixer-sliding-window'), project: false });
    expect(out.mixers.find((m: any) => m.id === 'standard').source).toEqual({ kind: 'built-in' });
    const table = run(['mixers'], project).stdout;
    expect(table).toMatch(/sliding-window .*installed: .*deconattn-mixer-sliding-window/);
    const viaFlag = JSON.parse(run(['mixers', '--json', '--plugin', example], root).stdout);
    expect(viaFlag.mixers.find((m: any) => m.id === 'sliding-window').source).toEqual({ kind: 'plugin', spec: example });
  });

  it('the package of the current directory counts when it declares mixers (an author in the plugin directory)', () => {
    const r = run(['mixers', '--json', '--filter', 'sliding-*'], example);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).mixers[0].source).toMatchObject({ kind: 'installed', project: true, dir: example });
  });

  it('an unknown mixer says how plugins are loaded', () => {
    const r = run(['train', '--plan', 'standard,alibi', '--steps', '1', '--out', path.join(project, 'bad')], project);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/Unknown token mixer 'alibi'\..*--plugin <package-or-path>.*"deconattn": \{"mixers": \["alibi"\]\}/);
  });

  it('a misspelt --plugin suggests the installed package with a close name, never an install command', () => {
    const r = run(['mixers', '--plugin', 'deconattn-mixer-slidng-window'], project);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/Plugin package 'deconattn-mixer-slidng-window' is not installed.*Did you mean 'deconattn-mixer-sliding-window'\?.*Installed mixer packages: .*deconattn-mixer-sliding-window/);
    expect(r.stderr).not.toMatch(/npm (install|i) /);
    const other = run(['mixers', '--plugin', 'left-pdd'], project);
    expect(other.stderr).toMatch(/Did you mean 'left-pad'\?/);
    expect(other.stderr).not.toMatch(/npm (install|i) /);
  });
});
