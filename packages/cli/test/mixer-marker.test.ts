import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { listMixers } from '@deconattn/core';
import '@deconattn/attention-standard';
import '@deconattn/attention-relaxed';
import '../../../examples/third-party-mixer/src/index.js';
import { declaredMixers } from '../src/util/recorded-packages.js';

// A checkpoint's recorded package is loaded only if its package.json declares the mixer
// ("deconattn": {"mixers": [...]}). Every mixer package we ship must declare exactly the mixers
// importing it registers, or checkpoints of our own mixers would stop loading from npm installs.
const root = fileURLToPath(new URL('../../../', import.meta.url));
const packageDirs = ['packages/attention-standard', 'examples/third-party-mixer', ...fs.readdirSync(path.join(root, 'packages/attention-relaxed')).map((d) => `packages/attention-relaxed/${d}`)];
const read = (dir: string) => JSON.parse(fs.readFileSync(path.join(root, dir, 'package.json'), 'utf8'));

describe('the mixer package marker in package.json', () => {
  it('every mixer package declares the ids it registers', () => {
    const byPackage = new Map<string, string[]>();
    for (const d of listMixers()) byPackage.set(d.packageName, [...(byPackage.get(d.packageName) ?? []), d.id]);
    for (const dir of packageDirs) {
      const pkg = read(dir);
      const declared = declaredMixers(pkg);
      expect(declared, `${dir}/package.json lacks "deconattn": {"mixers": [...]}`).toBeDefined();
      if (pkg.name === '@deconattn/attention-relaxed') {
        // The umbrella registers the six relaxed mixers of their own packages.
        expect([...declared!].sort()).toEqual(['approximate', 'fixed-seq-qk', 'mlp', 'non-approximate', 'rnd-emb-qk', 'static-emb-qk']);
        continue;
      }
      expect([...declared!].sort(), dir).toEqual([...(byPackage.get(pkg.name) ?? [])].sort());
    }
    expect(packageDirs.length).toBe(9);
  });

  it('is read strictly: an array of strings under "deconattn".mixers', () => {
    expect(declaredMixers({ deconattn: { mixers: ['a', 'b'] } })).toEqual(['a', 'b']);
    for (const bad of [{}, { deconattn: true }, { deconattn: { mixers: 'a' } }, { deconattn: { mixers: ['a', 1] } }, { keywords: ['deconattn-mixer'] }]) expect(declaredMixers(bad)).toBeUndefined();
  });
});
