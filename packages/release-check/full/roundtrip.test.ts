import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRegistry, type Registry } from '../src/verdaccio.js';
import { changesetPublish, changesetVersion, publishThirdParty, publishedVersions } from '../src/release.js';
import { Consumer } from '../src/consumer.js';
import { run } from '../src/run.js';
import { pluginFootprint, readmeExample, runNodeExample } from '../src/steps.js';
import { CHROMIUM, serveStatic } from '../src/browser.js';
import { ROOT, publicPackages, workspacePackages } from '../src/workspace.js';

// `pnpm test:publish`: the whole round trip. A real Verdaccio; the release flow publishes every
// public package as built (the first release of this state) and the third-party example goes up
// with npm; fresh projects install with plain npm and run the README's examples (Node ESM and
// CJS, type-checked; the browser one bundled with Vite in headless Chromium), a single plugin's
// footprint, and the CLI with the third-party plugin found without --plugin. Then a second
// release as a maintainer makes it: a clone of HEAD, a changeset, `changeset version`, the build,
// `changeset publish`; plugins published before keep working with the new core (peer ranges).

const log = (...a: unknown[]) => console.log('[release-check]', ...a);
let work: string;
let registry: Registry;
const consumers: Consumer[] = [];
const pub = publicPackages();
const core = pub.find((p) => p.name === '@deconattn/core')!;
let readme: Consumer;

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'deconattn-release-full-'));
  registry = await startRegistry({ dir: path.join(work, 'registry') });
  log('registry', registry.url);
  const t0 = performance.now();
  await changesetPublish(ROOT, registry, work);
  await publishThirdParty(workspacePackages().find((p) => p.name === 'deconattn-mixer-sliding-window')!, core.version, registry, work);
  log(`published ${pub.length} packages and the third-party example in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
});

afterAll(async () => {
  await registry?.stop();
  for (const c of consumers) c.remove();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

const consumer = (name: string) => {
  const c = new Consumer(registry, name);
  consumers.push(c);
  return c;
};

describe('first release: every public package, installed with plain npm', () => {
  it('has every public package at its version', async () => {
    for (const p of pub) expect([p.name, await publishedVersions(registry, p.name)]).toEqual([p.name, [p.version]]);
  });

  it("runs the README's Node example as ESM and CommonJS, type-checked", async () => {
    const { install, node } = readmeExample();
    readme = consumer('readme');
    const r = await readme.install([...install, '@types/node@20']);
    log(`README install: ${r.seconds.toFixed(0)} s`);
    const { esm, cjs } = await runNodeExample(readme, node);
    log('README example (ESM):', esm.losses.map(([s, l]) => `${s}:${l.toFixed(3)}`).join(' '), JSON.stringify(esm.text));
    expect(esm.losses.at(-1)![1]).toBeLessThan(esm.losses[0]![1] - 1);
    expect(esm.losses.map(([s]) => s)).toEqual([1, 20, 40, 60, 80, 100]);
    expect(esm.text.length).toBeGreaterThan(10);
    expect(cjs).toEqual(esm);
  });

  it("bundles the README's browser example with Vite and runs it in headless Chromium", async () => {
    const { browser } = readmeExample();
    await readme.install(['@tensorflow/tfjs-backend-wasm@4.22.0', '@tensorflow/tfjs-backend-webgpu@4.22.0']);
    readme.write('web/index.html', '<!doctype html><html><body>training…<script type="module" src="./main.ts"></script></body></html>\n');
    readme.write('web/main.ts', browser);
    readme.write('web/vite-env.d.ts', '/// <reference types="vite/client" />\n');
    // The workspace's Vite, run on the consumer's project: it resolves the consumer's node_modules.
    const vite = path.join(ROOT, 'node_modules/vite/bin/vite.js');
    const b = await readme.exec(process.execPath, [vite, 'build', 'web', '--outDir', 'dist', '--emptyOutDir', '--logLevel', 'warn'], 300_000);
    log(`Vite build: ${b.seconds.toFixed(0)} s`);
    const server = await serveStatic(path.join(readme.dir, 'web/dist'));
    const browserApp = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    try {
      const page = await browserApp.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(server.url);
      await page.waitForFunction(() => /^(wasm|webgpu): /.test(document.body.textContent ?? ''), undefined, { timeout: 300_000 });
      const text = await page.evaluate(() => document.body.textContent ?? '');
      log('browser example:', JSON.stringify(text));
      expect(errors).toEqual([]);
      // 50 sampled bytes after the backend's name.
      expect(text.length).toBeGreaterThan('wasm: '.length + 10);
    } finally {
      await browserApp.close();
      await server.close();
    }
  });

  it('a single mixer plugin pulls only @deconattn/core and tfjs-core', async () => {
    const f = await pluginFootprint(consumer('mlp'), '@deconattn/attention-mlp');
    log(f.summary);
    expect(f.packages.map(([n]) => n).filter((n) => n.startsWith('@deconattn/'))).toEqual(['@deconattn/attention-mlp', '@deconattn/core']);
    expect(f.packages.map(([n]) => n).filter((n) => /^@tensorflow\/tfjs-(backend|node)|^webgpu$|^commander$|^vega/.test(n))).toEqual([]);
  });

  it('the CLI trains and scores a model with an installed third-party mixer, without --plugin', async () => {
    const c = consumer('cli');
    const r = await c.install(['@deconattn/cli', 'deconattn-mixer-sliding-window']);
    log(`CLI install: ${r.seconds.toFixed(0)} s, ${c.installed().size} packages`);
    c.write('held-out.txt', 'ROMEO:\nBut soft, what light through yonder window breaks?\nIt is the east, and Juliet is the sun.\n');
    await c.exec('npx', ['deconattn', 'train', '--preset', 'tiny', '--plan', 'standard,sliding-window', '--steps', '30', '--out', 'run'], 600_000);
    const cfg = JSON.parse(fs.readFileSync(path.join(c.dir, 'run/checkpoints', fs.readdirSync(path.join(c.dir, 'run/checkpoints')).sort().at(-1)!, 'config.json'), 'utf8'));
    expect(cfg.deconattn.layers).toEqual(['standard', 'sliding-window']);
    expect(cfg.deconattn.mixers.find((m: any) => m.id === 'sliding-window')).toMatchObject({ package: 'deconattn-mixer-sliding-window', version: '0.1.0' });
    const score = JSON.parse((await c.exec('npx', ['deconattn', 'score', '--model', 'run', '--text-file', 'held-out.txt', '--json'], 300_000)).stdout);
    log('CLI score:', JSON.stringify(score));
    expect(score.tokens).toBe(Buffer.byteLength(fs.readFileSync(path.join(c.dir, 'held-out.txt'))));
    expect(score.meanNll).toBeGreaterThan(0);
    expect(score.meanNll).toBeLessThan(Math.log(257));
  });
});

describe('second release: a changeset, versioned and built from a clone, published', () => {
  it('publishes the bumped packages; plugins of the first release install with the new core', async () => {
    const clone = path.join(work, 'clone');
    const head = (await run('git', ['rev-parse', 'HEAD'], { cwd: ROOT })).stdout.trim();
    await run('git', ['clone', '--quiet', '--no-checkout', ROOT, clone], { cwd: work, timeoutMs: 120_000 });
    await run('git', ['checkout', '--quiet', head], { cwd: clone });
    await run('sh', ['scripts/pnpm.sh', 'install', '--frozen-lockfile', '--offline'], { cwd: clone, timeoutMs: 600_000 });
    fs.writeFileSync(path.join(clone, '.changeset/release-check.md'), "---\n'@deconattn/core': patch\n---\n\nA patch release of core, made by the release check.\n");
    await changesetVersion(clone);
    const bumped = publicPackages(clone).filter((p) => p.version !== pub.find((q) => q.name === p.name)!.version);
    log('changeset version bumped:', bumped.map((p) => `${p.name}@${p.version}`).join(', '));
    const newCore = bumped.find((p) => p.name === '@deconattn/core')!;
    expect(newCore.version).not.toBe(core.version);
    // Plugins peer-depend on ^core: a patch stays in range, so they are not re-released.
    expect(bumped.map((p) => p.name)).not.toContain('@deconattn/attention-mlp');
    const b = await run('sh', ['scripts/pnpm.sh', 'run', 'build'], { cwd: clone, timeoutMs: 1_500_000 });
    log(`build of the clone: ${b.seconds.toFixed(0)} s`);
    await changesetPublish(clone, registry, work);
    for (const p of bumped) expect(await publishedVersions(registry, p.name)).toContain(p.version);
    const c = consumer('second');
    await c.install(['@deconattn/attention-mlp', '@deconattn/core', '@tensorflow/tfjs-core']);
    const got = c.installed();
    expect(got.get('@deconattn/core')).toBe(newCore.version);
    expect(got.get('@deconattn/attention-mlp')).toBe(pub.find((p) => p.name === '@deconattn/attention-mlp')!.version);
    // Built after versioning: the code knows its own version, and the plugin runs on it.
    const r = await c.exec(process.execPath, ['--input-type=module', '-e', "import { CORE_VERSION, getMixer } from '@deconattn/core'; import '@deconattn/attention-mlp'; console.log(CORE_VERSION, getMixer('mlp').id)"]);
    expect(r.stdout.trim()).toBe(`${newCore.version} mlp`);
  });
});
