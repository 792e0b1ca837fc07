import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '@deconattn/hybrid/node';
import '@deconattn/attention-standard';
import { BYTE_VOCAB_SIZE, LanguageModel } from '@deconattn/hybrid';
import { saveCheckpoint } from '@deconattn/hybrid/node';

// A checkpoint is data: these fixtures are checkpoints an attacker would ship. Each carries code
// that writes a marker file if it ever runs; every refusal must be one line on stderr (no stack
// trace), a non-zero exit, and no marker. Controls show the same code does run when the user
// names it, so "no marker" means "not executed", not "the fixture is broken".
const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = path.join(root, 'packages/cli/dist/bin.js');

let tmp: string;
let clean: string;
let text: string;
let n = 0;

const env = (extra: Record<string, string> = {}) => ({ ...process.env, DECONATTN_DEBUG: '', NODE_PATH: '', DECONATTN_CACHE_DIR: path.join(tmp, 'user-cache'), ...extra });
const run = (args: string[], cwd = root, extra: Record<string, string> = {}) =>
  spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', timeout: 180_000, env: env(extra) });

/** A refusal: exit != 0, exactly one line on stderr, no stack trace; returns that line. */
function refused(r: ReturnType<typeof run>): string {
  expect(r.error, 'the CLI did not finish in time').toBeUndefined();
  expect(r.status, r.stdout).not.toBe(0);
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(r.stderr).not.toMatch(/^\s+at /m);
  return lines[0]!;
}

/** Code that records its own execution in `marker`. */
const payload = (marker: string) => `require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'executed');\n`;

/** A copy of the clean checkpoint, plus a marker path its payloads would write. */
function fixture(): { dir: string; marker: string } {
  const dir = path.join(tmp, `ckpt-${n++}`);
  fs.cpSync(clean, dir, { recursive: true });
  return { dir, marker: path.join(tmp, `marker-${n}`) };
}

/** Rewrites DONE to match the files as they now are: whoever forges a checkpoint forges its manifest too. */
function forgeManifest(dir: string): void {
  const done = JSON.parse(fs.readFileSync(path.join(dir, 'DONE'), 'utf8'));
  for (const name of Object.keys(done.files)) {
    const buf = fs.readFileSync(path.join(dir, name));
    done.files[name] = { bytes: buf.length, sha256: createHash('sha256').update(buf).digest('hex') };
  }
  fs.writeFileSync(path.join(dir, 'DONE'), JSON.stringify(done));
}

/** The checkpoint's second layer becomes mixer 'evil', recorded as coming from `pkg`. */
function recordPackage(dir: string, pkg: string): void {
  const file = path.join(dir, 'config.json');
  const cfg = JSON.parse(fs.readFileSync(file, 'utf8'));
  cfg.deconattn.layers = ['standard', 'evil'];
  cfg.deconattn.plan = { layers: ['standard', 'evil'] };
  cfg.deconattn.mixers.push({ id: 'evil', package: pkg, version: '1.0.0', options: {} });
  fs.writeFileSync(file, JSON.stringify(cfg, null, 2));
  forgeManifest(dir);
}

/** An installed package in `projectDir/node_modules` whose entry writes `marker`. */
function installPackage(projectDir: string, name: string, marker: string, pkgJson: Record<string, unknown> = {}): void {
  const dir = path.join(projectDir, 'node_modules', name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', main: 'index.js', ...pkgJson }));
  fs.writeFileSync(path.join(dir, 'index.js'), payload(marker));
  if (!fs.existsSync(path.join(projectDir, 'package.json'))) fs.writeFileSync(path.join(projectDir, 'package.json'), JSON.stringify({ name: 'user-project', private: true }));
}

const score = (dir: string, extra: string[] = []) => ['score', '--model', dir, '--text-file', text, '--backend', 'cpu', ...extra];

beforeAll(async () => {
  if (!fs.existsSync(bin)) throw new Error(`${bin} is missing: build first (npm test does).`);
  tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'deconattn-untrusted-')));
  text = path.join(tmp, 'text.txt');
  fs.writeFileSync(text, 'To be, or not to be, that is the question.\n');
  await useBackend('cpu');
  const config = { hiddenSize: 16, intermediateSize: 32, numLayers: 2, numHeads: 2, vocabSize: BYTE_VOCAB_SIZE, maxPositions: 128, ropeTheta: 10000, rmsNormEps: 1e-6, tieEmbeddings: true };
  const model = await LanguageModel.create({ config, plan: { layers: ['standard', 'standard'] }, seed: 1 });
  clean = path.join(tmp, 'clean');
  await saveCheckpoint(clean, model, { tokenizer: { kind: 'byte' } });
  model.dispose();
});

afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('a checkpoint names its mixer package: nothing is imported unless the user installed it and it declares the mixer', () => {
  // Run from inside the downloaded checkpoint, as the attack in issue 16 did.
  const pathLike: [string, (dir: string) => string][] = [
    ['a relative path', () => './evil.cjs'],
    ['an absolute path', (dir) => path.join(dir, 'evil.cjs')],
    ['a file: URL', (dir) => pathToFileURL(path.join(dir, 'evil.cjs')).href],
    ['an http URL', () => 'http://127.0.0.1:9/evil.mjs'],
    ['a name with ..', () => 'deconattn-mixer-x/../../evil.cjs'],
    ['a scoped name with extra slashes', () => '@evil/pkg/evil.cjs'],
  ];
  for (const [what, pkg] of pathLike) {
    it(`refuses ${what}`, () => {
      const { dir, marker } = fixture();
      fs.writeFileSync(path.join(dir, 'evil.cjs'), payload(marker));
      fs.mkdirSync(path.join(dir, 'node_modules/@evil/pkg'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'node_modules/@evil/pkg/evil.cjs'), payload(marker));
      recordPackage(dir, pkg(dir));
      const line = refused(run(score('.'), dir));
      expect(line).toMatch(/Refusing to load mixer 'evil': .*config\.json says it comes from .*, which is not an npm package name.*--plugin <package-or-path>/);
      expect(fs.existsSync(marker)).toBe(false);
    });
  }

  it('refuses a package the checkpoint ships in its own node_modules, even with the marker', () => {
    const { dir, marker } = fixture();
    installPackage(dir, 'deconattn-mixer-evil', marker, { deconattn: { mixers: ['evil'] } });
    recordPackage(dir, 'deconattn-mixer-evil');
    const line = refused(run(score('.'), dir));
    expect(line).toMatch(/package 'deconattn-mixer-evil' resolves to .*inside the model directory.*--plugin deconattn-mixer-evil/);
    expect(fs.existsSync(marker)).toBe(false);
  });

  it('refuses an installed package that does not declare the mixer in package.json', () => {
    const { dir, marker } = fixture();
    const project = path.join(tmp, `project-${n}`);
    installPackage(project, 'deconattn-mixer-unmarked', marker);
    installPackage(project, 'deconattn-mixer-other', marker, { deconattn: { mixers: ['something-else'] } });
    recordPackage(dir, 'deconattn-mixer-unmarked');
    expect(refused(run(score(dir), project))).toMatch(/the installed package 'deconattn-mixer-unmarked' .*does not declare it .*"deconattn": \{"mixers": \["evil"\]\}.*--plugin deconattn-mixer-unmarked/);
    recordPackage(dir, 'deconattn-mixer-other');
    expect(refused(run(score(dir), project))).toMatch(/'deconattn-mixer-other' .*does not declare it/);
    expect(fs.existsSync(marker)).toBe(false);
  });

  it('controls: the same code runs when the user installs it with the marker, or names it with --plugin', () => {
    const { dir, marker } = fixture();
    const project = path.join(tmp, `project-${n}`);
    installPackage(project, 'deconattn-mixer-marked', marker, { deconattn: { mixers: ['evil'] } });
    recordPackage(dir, 'deconattn-mixer-marked');
    // Imported (it registers nothing, so the model still cannot be built).
    expect(refused(run(score(dir), project))).toMatch(/Unknown token mixer 'evil'/);
    expect(fs.readFileSync(marker, 'utf8')).toBe('executed');
    fs.rmSync(marker);
    const explicit = fixture();
    fs.writeFileSync(path.join(explicit.dir, 'evil.cjs'), payload(explicit.marker));
    recordPackage(explicit.dir, './evil.cjs');
    // It registers no mixer, so the checkpoint's own record of './evil.cjs' is then refused.
    expect(refused(run(score('.', ['--plugin', './evil.cjs']), explicit.dir))).toMatch(/Refusing to load mixer 'evil'/);
    expect(fs.readFileSync(explicit.marker, 'utf8')).toBe('executed');
  });

  it('a package named in a checkpoint but not installed: the registry names it to install (nothing to run)', () => {
    const { dir } = fixture();
    recordPackage(dir, 'deconattn-mixer-nowhere');
    expect(refused(run(score(dir)))).toMatch(/Unknown token mixer 'evil'\. It is provided by the package 'deconattn-mixer-nowhere'/);
  });
});

describe('damaged or hostile checkpoint files: one line naming the file', () => {
  /** Replaces model.safetensors with `header` (JSON) + `data` bytes, declaring `declared` header bytes. */
  function writeWeights(dir: string, header: unknown, data: Buffer, declared?: bigint): void {
    const json = Buffer.from(JSON.stringify(header));
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(declared ?? BigInt(json.length));
    fs.writeFileSync(path.join(dir, 'model.safetensors'), Buffer.concat([len, json, data]));
    forgeManifest(dir);
  }

  const cases: [string, (dir: string) => void, RegExp][] = [
    ['a header length beyond the file', (d) => writeWeights(d, { a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, Buffer.alloc(4), 1000n), /declares a 1000-byte header but the file has/],
    ['a header length beyond 100 MB', (d) => writeWeights(d, {}, Buffer.alloc(0), 2n ** 40n), /more than the 100000000-byte limit/],
    ['overlapping tensors', (d) => writeWeights(d, { a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, Buffer.alloc(12)), /sharing bytes 4–8 \(overlapping ranges\)/],
    ['an unknown dtype', (d) => writeWeights(d, { a: { dtype: 'PICKLE', shape: [1], data_offsets: [0, 4] } }, Buffer.alloc(4)), /unsupported dtype "PICKLE"/],
    ['an oversized config.json', (d) => fs.truncateSync(path.join(d, 'config.json'), 17 * 2 ** 20), /config\.json is 17825792 bytes, more than the 16777216 bytes allowed/],
    ['a deeply nested config.json', (d) => (fs.writeFileSync(path.join(d, 'config.json'), '{"deconattn":' + '['.repeat(100_000) + ']'.repeat(100_000) + '}'), forgeManifest(d)), /config\.json nests arrays\/objects deeper than 32 levels/],
    ['a config.json symlinked outside the checkpoint', (d) => { const outside = path.join(tmp, `outside-${n}.json`); fs.renameSync(path.join(d, 'config.json'), outside); fs.symlinkSync(outside, path.join(d, 'config.json')); }, /config\.json is a symbolic link to .*outside the checkpoint directory/],
    ['weights symlinked to a device', (d) => { fs.rmSync(path.join(d, 'model.safetensors')); fs.symlinkSync('/dev/zero', path.join(d, 'model.safetensors')); }, /model\.safetensors is a symbolic link to \/dev\/zero, outside the checkpoint directory/],
  ];
  for (const [what, damage, message] of cases) {
    it(`refuses ${what}`, () => {
      const { dir, marker } = fixture();
      fs.writeFileSync(path.join(dir, 'evil.cjs'), payload(marker));
      damage(dir);
      const line = refused(run(score('.'), dir));
      expect(line).toMatch(message);
      expect(fs.existsSync(marker)).toBe(false);
    });
  }
});

describe('eval answers never come from the model directory', () => {
  /** Runs eval with the per-user cache under `cacheRoot`; returns the results and each document's log-likelihoods. */
  const evalRun = (dir: string, cacheRoot: string) => {
    const out = path.join(tmp, `results-${n++}.json`);
    const r = run(['eval', '--model', dir, '--tasks', 'copa', '--limit', '6', '--bootstrap-iters', '0', '--backend', 'cpu', '--log-samples', '--output', out], root, { DECONATTN_CACHE_DIR: cacheRoot });
    expect(r.status, r.stderr).toBe(0);
    const samples = fs.readFileSync(out.replace(/\.json$/, '.samples.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).loglikelihoods);
    return { results: JSON.parse(fs.readFileSync(out, 'utf8')), samples };
  };

  it('a forged .eval-cache shipped in the model is ignored: scores recomputed, equal to a clean run', () => {
    const { dir } = fixture();
    const first = evalRun(dir, path.join(tmp, 'cache-a'));
    expect(first.results.config.cached_requests).toEqual({ copa: 0 });
    expect(evalRun(dir, path.join(tmp, 'cache-a')).results.config.cached_requests).toEqual({ copa: 12 }); // the user's own cache is used
    // Forge the answers a downloaded checkpoint would ship: made-up log-likelihoods under the model's checksum.
    const [file] = fs.readdirSync(path.join(tmp, 'cache-a/eval'));
    const lines = fs.readFileSync(path.join(tmp, 'cache-a/eval', file!), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const forged = lines.map((l, i) => JSON.stringify({ ...l, ll: -1 - i })).join('\n') + '\n';
    fs.mkdirSync(path.join(dir, '.eval-cache'));
    fs.writeFileSync(path.join(dir, '.eval-cache', file!), forged);
    const again = evalRun(dir, path.join(tmp, 'cache-b'));
    expect(again.samples).toEqual(first.samples);
    expect(again.results.results).toEqual(first.results.results);
    expect(again.results.config.cached_requests).toEqual({ copa: 0 });
    // Control: the same forged file in the user's cache is read, so the test above can fail.
    fs.mkdirSync(path.join(tmp, 'cache-c/eval'), { recursive: true });
    fs.writeFileSync(path.join(tmp, 'cache-c/eval', file!), forged);
    const fooled = evalRun(dir, path.join(tmp, 'cache-c'));
    expect(fooled.results.config.cached_requests).toEqual({ copa: 12 });
    expect(fooled.samples.flat().sort((a: number, b: number) => b - a)).toEqual(lines.map((_, i) => -1 - i));
  });

  it('refuses a cache directory inside the model directory', () => {
    const { dir } = fixture();
    const line = refused(run(['eval', '--model', dir, '--tasks', 'copa', '--limit', '1', '--backend', 'cpu', '--cache-dir', path.join(dir, '.eval-cache')]));
    expect(line).toMatch(/The answer cache .*\.eval-cache lies inside the model directory/);
  });

  it('does not write results through an `eval` link the model directory ships', () => {
    const { dir } = fixture();
    const target = path.join(tmp, `elsewhere-${n}`);
    fs.mkdirSync(target);
    fs.symlinkSync(target, path.join(dir, 'eval'));
    const line = refused(run(['eval', '--model', dir, '--tasks', 'copa', '--limit', '1', '--backend', 'cpu']));
    expect(line).toMatch(/eval is a symbolic link; results are not written through a link inside a model directory\. Pass --output <file>\./);
    expect(fs.readdirSync(target)).toEqual([]);
  });
});
