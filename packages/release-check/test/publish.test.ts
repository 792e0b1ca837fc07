import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRegistry, type Registry } from '../src/verdaccio.js';
import { changesetPublish, publishThirdParty, publishedVersions } from '../src/release.js';
import { Consumer } from '../src/consumer.js';
import { pluginFootprint, readmeExample, runNodeExample } from '../src/steps.js';
import { publicPackages, workspacePackages } from '../src/workspace.js';

// The suite's round trip (a few minutes): a real Verdaccio, the release flow's publish of every
// public package as built, the third-party example published with npm, and two fresh projects
// installing from it with plain npm. `pnpm test:publish` adds the CLI with a plugin, the browser
// bundle, and a versioned second release (full/roundtrip.test.ts).

let work: string;
let registry: Registry;
const consumers: Consumer[] = [];
const pub = publicPackages();
const core = pub.find((p) => p.name === '@deconattn/core')!;

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'deconattn-release-'));
  registry = await startRegistry({ dir: path.join(work, 'registry') });
  await changesetPublish(path.resolve(core.dir, '../..'), registry, work);
  await publishThirdParty(workspacePackages().find((p) => p.name === 'deconattn-mixer-sliding-window')!, core.version, registry, work);
}, 900_000);

afterAll(async () => {
  await registry?.stop();
  for (const c of consumers) c.remove();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

describe('publishing to a local registry', () => {
  it('publishes every public package at its version, and no private one', async () => {
    expect(pub.length).toBeGreaterThanOrEqual(14);
    for (const p of pub) expect([p.name, await publishedVersions(registry, p.name)]).toEqual([p.name, [p.version]]);
    for (const p of workspacePackages().filter((x) => x.private && x.name !== 'deconattn-mixer-sliding-window')) expect(await publishedVersions(registry, p.name)).toEqual([]);
  });

  it('rewrites workspace ranges: a plugin peer-depends on ^core, the CLI depends on exact-caret versions', async () => {
    const meta = async (name: string) => (await (await fetch(registry.url + name.replace('/', '%2f'))).json()) as any;
    const mlp = (await meta('@deconattn/attention-mlp')).versions[pub.find((p) => p.name === '@deconattn/attention-mlp')!.version];
    expect(mlp.peerDependencies).toEqual({ '@deconattn/core': `^${core.version}`, '@tensorflow/tfjs-core': '^4.22.0' });
    expect(JSON.stringify(mlp)).not.toContain('workspace:');
    const cli = await meta('@deconattn/cli');
    expect(JSON.stringify(cli.versions)).not.toContain('workspace:');
    const sw = (await meta('deconattn-mixer-sliding-window')).versions['0.1.0'];
    expect(sw.peerDependencies['@deconattn/core']).toBe(`^${core.version}`);
    expect(sw.deconattn).toEqual({ mixers: ['sliding-window'] });
  });
});

describe('installing with plain npm in a fresh project', () => {
  it("runs the README's example as ESM and CommonJS, type-checked", async () => {
    const { install, node } = readmeExample();
    const c = new Consumer(registry, 'readme');
    consumers.push(c);
    await c.install([...install, '@types/node@20']);
    expect(fs.existsSync(path.join(c.dir, 'node_modules/@deconattn/hybrid/dist/node.cjs'))).toBe(true);
    const { esm, cjs } = await runNodeExample(c, node);
    // Steps 1, 20, …, 100; the loss falls from about ln 257 ≈ 5.5.
    expect(esm.losses.map(([s]) => s)).toEqual([1, 20, 40, 60, 80, 100]);
    expect(esm.losses[0]![1]).toBeGreaterThan(4.5);
    expect(esm.losses.at(-1)![1]).toBeLessThan(esm.losses[0]![1] - 1);
    expect(esm.text.startsWith('ROMEO:')).toBe(true);
    expect(esm.text.length).toBeGreaterThan('ROMEO:'.length + 20);
    // The CommonJS build runs the same code: the same seeds give the same numbers.
    expect(cjs).toEqual(esm);
  });

  it('a single mixer plugin pulls only @deconattn/core and tfjs-core: no backend, runtime or CLI', async () => {
    const c = new Consumer(registry, 'mlp');
    consumers.push(c);
    const f = await pluginFootprint(c, '@deconattn/attention-mlp');
    console.log(f.summary);
    const names = f.packages.map(([n]) => n);
    expect(names).toContain('@deconattn/attention-mlp');
    expect(names.filter((n) => n.startsWith('@deconattn/'))).toEqual(['@deconattn/attention-mlp', '@deconattn/core']);
    expect(names.filter((n) => /^@tensorflow\/tfjs-(backend|node)|^webgpu$|^commander$|^vega/.test(n))).toEqual([]);
    expect(f.mixerBytes).toBeLessThan(512 * 1024);
    // It registers its mixer on import, in the consumer's own node.
    const r = await c.exec(process.execPath, ['--input-type=module', '-e', "import { getMixer } from '@deconattn/core'; import '@deconattn/attention-mlp'; console.log(getMixer('mlp').package)"]);
    expect(r.stdout.trim()).toBe('@deconattn/attention-mlp');
  });
});
