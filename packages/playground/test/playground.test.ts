import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { unzipSync } from 'fflate';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveDist } from './serve.js';

// The playground as a person uses it, in Debian's headless chromium: the built page (`pnpm
// build`), a stack trained on wasm, a second one beside it, generation, heatmaps, a checkpoint
// the CLI trained loaded and scored as the CLI scores it, a download the CLI scores back. WebGPU
// runs too where chromium offers an adapter (SwiftShader's Vulkan, with the flags below), when
// DECONATTN_BROWSER_WEBGPU=1.
const root = fileURLToPath(new URL('../../../', import.meta.url));
const dist = fileURLToPath(new URL('../dist/', import.meta.url));
const bin = path.join(root, 'packages/cli/dist/bin.js');
const CHROMIUM = '/usr/bin/chromium';
const WEBGPU_FLAGS = ['--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader'];
const OUT = path.join(os.tmpdir(), 'deconattn-playground-test');
const TEXT = 'ROMEO:\nBut soft, what light through yonder window breaks?\nIt is the east, and Juliet is the sun.\n';

const cli = (args: string[]) => {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8', timeout: 300_000, env: { ...process.env, NODE_PATH: '', DECONATTN_DEBUG: '' } });
  if (r.status !== 0) throw new Error(`deconattn ${args.join(' ')} failed (${r.status ?? r.signal}):\n${r.stderr}\n${r.stdout}`);
  return r.stdout;
};

let tmp: string;
let server: Awaited<ReturnType<typeof serveDist>>;
let browser: Browser;
let cliModel: string;
let cliScore: { meanNll: number; sumNll: number; tokens: number };

beforeAll(async () => {
  for (const built of [path.join(dist, 'index.html'), bin]) {
    if (!fs.existsSync(built)) throw new Error(`${built} is missing: build first (\`pnpm build\`; npm test does).`);
  }
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'deconattn-playground-'));
  fs.mkdirSync(OUT, { recursive: true });
  fs.writeFileSync(path.join(tmp, 'text.txt'), TEXT);
  // A model the CLI trained: a run directory (the page takes its newest checkpoint, as the CLI does).
  cliModel = path.join(tmp, 'cli-run');
  cli(['train', '--preset', 'tiny', '--plan', 'standard,approximate', '--steps', '12', '--batch-size', '4', '--seq-len', '64', '--out', cliModel, '--backend', 'wasm']);
  cliScore = JSON.parse(cli(['score', '--model', cliModel, '--text-file', path.join(tmp, 'text.txt'), '--json', '--backend', 'wasm']));
  server = await serveDist(dist);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', ...WEBGPU_FLAGS] });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

/** Opens the page; collects console errors and uncaught exceptions. */
async function open(query: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const errors: string[] = [];
  page.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())));
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(server.url + query);
  await page.waitForSelector('body[data-ready]', { timeout: 60_000 });
  return { page, errors };
}

async function train(page: Page, layers: string[], o: { steps: number; batch: number; seqLen: number }): Promise<number[]> {
  for (const [i, id] of layers.entries()) await page.selectOption(`#layer-${i + 1}`, id);
  await page.fill('#steps', String(o.steps));
  await page.fill('#batch', String(o.batch));
  await page.fill('#seq-len', String(o.seqLen));
  const before = await page.locator('#runs tbody tr').count();
  await page.click('#train');
  const row = page.locator('#runs tbody tr').nth(before);
  // A hang guard, not a speed check: wait until the run ends, then say why it failed if it did.
  await expect.poll(() => row.locator('.state').textContent(), { timeout: 900_000, interval: 500 }).not.toBe('training');
  expect(await row.locator('.state').textContent(), `training ${layers.join(',')}: ${(await page.textContent('#status')) ?? ''}`).toBe('done');
  return JSON.parse((await row.getAttribute('data-losses'))!);
}

async function scoreText(page: Page, text: string): Promise<number> {
  await page.fill('#inspect-text', text);
  await page.evaluate(() => delete (document.getElementById('score') as HTMLElement).dataset.meanNll);
  await page.click('#analyze');
  await page.waitForSelector('#score[data-mean-nll]', { timeout: 60_000 });
  return Number(await page.getAttribute('#score', 'data-mean-nll'));
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('playground on wasm', () => {
  let page: Page;
  let errors: string[];
  let firstLosses: number[];

  beforeAll(async () => {
    ({ page, errors } = await open('?backend=wasm'));
  });

  it('loads with no console errors, on the backend asked for, with every registered mixer to pick', async () => {
    expect(await page.textContent('#backend')).toBe('wasm');
    const ids = await page.locator('#layer-1 option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
    expect(ids).toEqual(expect.arrayContaining(['standard', 'mlp', 'approximate', 'non-approximate', 'rnd-emb-qk', 'fixed-seq-qk', 'static-emb-qk', 'sliding-window']));
    // A plan preset fills the layers (hybrid: standard where the paper keeps it).
    await page.selectOption('#plan-preset', 'uniform');
    await page.selectOption('#plan-mixer', 'sliding-window');
    await page.click('#apply-plan');
    expect([await page.inputValue('#layer-1'), await page.inputValue('#layer-2')]).toEqual(['sliding-window', 'sliding-window']);
    expect(errors).toEqual([]);
  });

  it('trains a 2-layer stack 30 steps and the loss falls; a second stack trains beside it', async () => {
    firstLosses = await train(page, ['standard', 'mlp'], { steps: 30, batch: 4, seqLen: 64 });
    expect(firstLosses).toHaveLength(30);
    expect(firstLosses.every(Number.isFinite)).toBe(true);
    // From about ln 257 ≈ 5.55; after 30 steps the model knows the byte frequencies at least.
    expect(firstLosses[0]).toBeGreaterThan(5);
    expect(mean(firstLosses.slice(-5))).toBeLessThan(mean(firstLosses.slice(0, 5)) - 0.5);
    expect(Number((await page.locator('#runs tbody tr').first().locator('.tps').textContent())!.replace(/,/g, ''))).toBeGreaterThan(0);
    const second = await train(page, ['standard', 'standard'], { steps: 10, batch: 4, seqLen: 64 });
    expect(second).toHaveLength(10);
    // Both curves on one chart: uPlot's legend lists the x series and one per model.
    await expect.poll(() => page.locator('#chart .u-legend .u-series').count()).toBe(3);
    expect(errors).toEqual([]);
  });

  it('stops a long training run with the Stop button', async () => {
    await page.fill('#steps', '5000');
    await page.click('#train');
    const row = page.locator('#runs tbody tr').nth(2);
    await expect.poll(async () => JSON.parse((await row.getAttribute('data-losses')) ?? '[]').length, { timeout: 60_000, interval: 200 }).toBeGreaterThanOrEqual(2);
    await page.click('#stop');
    await expect.poll(() => row.locator('.state').textContent(), { timeout: 60_000 }).toBe('stopped');
    const steps = JSON.parse((await row.getAttribute('data-losses'))!).length;
    expect(steps).toBeLessThan(100);
    expect(await page.textContent('#status')).toMatch(new RegExp(`stopped at step ${steps},`));
    expect(await page.isDisabled('#stop')).toBe(true);
  });

  it('generates text', async () => {
    await page.selectOption('#model-select', { index: 0 });
    await page.fill('#max-tokens', '40');
    await page.click('#generate');
    await expect.poll(async () => (await page.textContent('#generated'))!.length, { timeout: 60_000 }).toBeGreaterThan('ROMEO:'.length + 30);
    expect((await page.textContent('#generated'))!.startsWith('ROMEO:')).toBe(true);
  });

  it('draws attention heatmaps per layer and head, with the indicators and logit ranges', async () => {
    await scoreText(page, TEXT);
    // Layer 1 is standard (4 heads); layer 2 is mlp, which has no attention map.
    expect(await page.locator('canvas.heatmap[data-layer="1"]').count()).toBe(4);
    expect(await page.locator('canvas.heatmap[data-layer="2"]').count()).toBe(0);
    const colours = await page.locator('canvas.heatmap').first().evaluate((c: HTMLCanvasElement) => {
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      const seen = new Set<number>();
      for (let i = 0; i < d.length; i += 4) seen.add((d[i]! << 16) | (d[i + 1]! << 8) | d[i + 2]!);
      return seen.size;
    });
    expect(colours).toBeGreaterThan(20);
    const rows = await page.locator('#indicators tbody tr').allInnerTexts();
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatch(/^1\tstandard\t\d/);
    expect(rows[1]).toMatch(/^2\tmlp\t–/);
  });

  it('loads a checkpoint directory trained by the CLI and scores the same NLL as `deconattn score`', async () => {
    await page.setInputFiles('#ckpt-dir', cliModel);
    await expect.poll(() => page.textContent('#status'), { timeout: 60_000 }).toMatch(/^Loaded #\d+ .*standard,approximate/);
    const nll = await scoreText(page, TEXT);
    expect(Math.abs(nll - cliScore.meanNll)).toBeLessThan(1e-4);
    expect(await page.locator('canvas.heatmap').count()).toBe(8);
    expect(errors).toEqual([]);
  });

  it('downloads a trained model as a checkpoint the CLI scores the same', async () => {
    await page.selectOption('#model-select', { index: 0 });
    const browserNll = await scoreText(page, TEXT);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
    const zipFile = path.join(tmp, download.suggestedFilename());
    await download.saveAs(zipFile);
    const files = unzipSync(fs.readFileSync(zipFile));
    for (const [name, data] of Object.entries(files)) {
      fs.mkdirSync(path.join(tmp, 'unzipped', path.dirname(name)), { recursive: true });
      fs.writeFileSync(path.join(tmp, 'unzipped', name), data);
    }
    const dir = path.join(tmp, 'unzipped', download.suggestedFilename().replace(/\.zip$/, ''));
    expect(fs.readdirSync(dir).sort()).toEqual(['DONE', 'config.json', 'model.safetensors']);
    const s = JSON.parse(cli(['score', '--model', dir, '--text-file', path.join(tmp, 'text.txt'), '--json', '--backend', 'wasm']));
    expect(Math.abs(s.meanNll - browserNll)).toBeLessThan(1e-4);
    // The README's picture: two curves, the first stack's maps and numbers.
    await page.screenshot({ path: path.join(OUT, 'playground.png'), fullPage: true });
    expect(errors).toEqual([]);
  });

  afterAll(async () => page?.close());
});

// SwiftShader compiles every WGSL shader on the CPU: the first training step takes about a minute
// on two cores, too long for the suite. `pnpm test:playground-webgpu` runs it.
describe.runIf(process.env.DECONATTN_BROWSER_WEBGPU === '1')('playground on WebGPU (SwiftShader in headless chromium)', () => {
  it('picks WebGPU by itself and trains the same numbers as wasm', async (ctx) => {
    const { page, errors } = await open('');
    const backend = await page.textContent('#backend');
    if (backend !== 'webgpu') {
      // This chromium offers no WebGPU adapter here: the page fell back, which is what it should do.
      expect(await page.textContent('#backend-note')).toMatch(/using wasm/);
      await page.close();
      ctx.skip();
    }
    const o = { steps: 4, batch: 2, seqLen: 32 };
    const gpu = await train(page, ['standard', 'approximate'], o);
    expect(errors).toEqual([]);
    await page.close();
    const wasm = await open('?backend=wasm');
    const cpuSide = await train(wasm.page, ['standard', 'approximate'], o);
    await wasm.page.close();
    // Same seed, same batches: the backends agree to float32 rounding.
    gpu.forEach((l, i) => expect(Math.abs(l - cpuSide[i]!) / cpuSide[i]!).toBeLessThan(1e-3));
  });
});
