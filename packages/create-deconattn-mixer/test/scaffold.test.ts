import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DECONATTN_RANGES, RENAMED, ScaffoldError, TEMPLATE_DIR, main, mixerNames, scaffold } from '../src/index.js';

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'create-deconattn-mixer-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const read = (dir: string, file: string) => fs.readFileSync(path.join(dir, file), 'utf8');

describe('names', () => {
  it('derive the mixer id and identifiers from the package name', () => {
    expect(mixerNames('deconattn-mixer-decayed-mean')).toEqual({ packageName: 'deconattn-mixer-decayed-mean', id: 'decayed-mean', pascal: 'DecayedMean', camel: 'decayedMean' });
    expect(mixerNames('@me/deconattn-mixer-alibi')).toMatchObject({ id: 'alibi', pascal: 'Alibi', camel: 'alibi' });
    expect(mixerNames('my-idea').id).toBe('my-idea');
    expect(mixerNames('x', '2d.conv_%5')).toMatchObject({ id: '2d.conv_%5', pascal: 'Mixer2dConv5', camel: 'mixer2dConv5' });
  });

  it('reject what npm or the mixer registry would', () => {
    expect(() => mixerNames('My-Mixer')).toThrow(/'My-Mixer' is not a valid name for a new npm package \(.*capital/);
    expect(() => mixerNames('deconattn-mixer-x', 'Bad Id')).toThrow(/'Bad Id' is not a valid mixer id/);
    expect(() => mixerNames('deconattn-mixer-standard')).toThrow(/'standard' is the id of standard attention/);
  });
});

describe('scaffold', () => {
  it('writes every template file with every placeholder filled', () => {
    const r = scaffold({ dir: path.join(tmp, 'deconattn-mixer-alibi') });
    const templateFiles = (d: string, rel = ''): string[] => fs.readdirSync(path.join(d, rel), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? templateFiles(d, path.join(rel, e.name)) : [path.join(rel, e.name)]));
    expect(r.files.sort()).toEqual(templateFiles(TEMPLATE_DIR).map((f) => RENAMED[f] ?? f).sort());
    expect(r.files).toContain('.gitignore');
    expect(r.files).toContain('package.json');
    for (const f of r.files) expect(read(r.dir, f), f).not.toMatch(/__[A-Za-z-]+__/);
    const pkg = JSON.parse(read(r.dir, 'package.json'));
    expect(pkg).toMatchObject({ name: 'deconattn-mixer-alibi', deconattn: { mixers: ['alibi'] }, peerDependencies: { '@deconattn/core': DECONATTN_RANGES.core } });
    expect(pkg.devDependencies).toMatchObject({ typescript: '5.9.3', tsup: '8.5.1', vitest: '4.1.12', '@tensorflow/tfjs-core': '4.22.0', '@deconattn/testkit': DECONATTN_RANGES.testkit, '@deconattn/cli': DECONATTN_RANGES.cli });
    expect(read(r.dir, 'src/mixer.ts')).toMatch(/export const alibiMixer: TokenMixerDefinition<AlibiOptions> = \{[\s\S]*id: 'alibi'/);
    expect(read(r.dir, 'src/index.ts')).toMatch(/registerMixer\(alibiMixer\)/);
    expect(read(r.dir, 'README.md')).toMatch(/^# deconattn-mixer-alibi\n/);
    // Nothing left behind next to it (the staging directory is renamed or removed).
    expect(fs.readdirSync(tmp)).toEqual(['deconattn-mixer-alibi']);
  });

  it('versions of the deconattn packages are those of this release', () => {
    const version = (p: string) => JSON.parse(fs.readFileSync(new URL(`../../${p}/package.json`, import.meta.url), 'utf8')).version;
    expect(DECONATTN_RANGES).toEqual({ core: `^${version('core')}`, testkit: `^${version('testkit')}`, cli: `^${version('cli')}` });
  });

  it('refuses a non-empty directory unless forced, and leaves it as it was', () => {
    const dir = path.join(tmp, 'busy');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'mine');
    expect(() => scaffold({ dir, packageName: 'deconattn-mixer-busy' })).toThrow(ScaffoldError);
    expect(fs.readdirSync(dir)).toEqual(['notes.txt']);
    scaffold({ dir, packageName: 'deconattn-mixer-busy', force: true });
    expect(read(dir, 'notes.txt')).toBe('mine');
    expect(JSON.parse(read(dir, 'package.json')).name).toBe('deconattn-mixer-busy');
  });

  it('the command line: one-line errors and usage, exit codes', () => {
    const err: string[] = [];
    const out: string[] = [];
    const [e, l] = [console.error, console.log];
    console.error = (m: string) => err.push(m);
    console.log = (m: string) => out.push(m);
    try {
      expect(main([])).toBe(1);
      expect(err.pop()).toMatch(/the directory to create is missing\.\n\nUsage: npm create deconattn-mixer <directory>/);
      expect(main([path.join(tmp, 'Bad_Name')])).toBe(1);
      expect(err.pop()).toMatch(/^create-deconattn-mixer: 'Bad_Name' is not a valid name for a new npm package/);
      expect(fs.existsSync(path.join(tmp, 'Bad_Name'))).toBe(false);
      expect(main([path.join(tmp, 'ok'), '--name', '@me/ok-mixer', '--id', 'ok'])).toBe(0);
      expect(out.pop()).toMatch(/Created @me\/ok-mixer in .*: mixer 'ok'[\s\S]*--plan standard,ok/);
      expect(main(['--help'])).toBe(0);
    } finally {
      console.error = e;
      console.log = l;
    }
  });
});
