import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

// The built CLI, as a user runs it (`npm test` builds first).
const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const run = (args: string[], timeout = 60_000) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout, env: { ...process.env, DECONATTN_DEBUG: '' } });

let dir: string;
beforeAll(() => {
  if (!fs.existsSync(bin)) throw new Error(`${bin} is missing: build first (npm test does).`);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deconattn-study-suites-'));
});

describe('deconattn study --suite / --seeds', () => {
  it('refuses bad suite, seed and synthetic values at once, in one line, writing nothing', () => {
    const cases: [string[], RegExp][] = [
      [['--suite', 'vision'], /--suite.*'vision'.*Allowed choices are lm, synthetic, all/],
      [['--seeds', '0'], /--seeds must be a positive integer, got '0'/],
      [['--synthetic-tasks', 'mqar'], /--synthetic-tasks takes task:rung\+rung items .*got 'mqar'/],
      [['--synthetic-tasks', 'mqar:r9'], /^deconattn: the --synthetic-\* flags: Task 'mqar' has no rung 'r9'/],
      [['--synthetic-lrs', '0.001,fast'], /--synthetic-lrs must be a positive number, got 'fast'/],
      [['--synthetic-mixers', 'mpl', '--suite', 'synthetic'], /^deconattn: .*'mpl'/],
    ];
    for (const [args, message] of cases) {
      const out = path.join(dir, `refused-${cases.findIndex((c) => c[0] === args)}`);
      const r = run(['study', '--out', out, ...args]);
      expect(r.status, r.stdout + r.stderr).toBe(1);
      // commander follows a refused flag value with the usage; the study's own errors are one line
      if (message.source.startsWith('^deconattn')) expect(r.stderr.trim().split('\n').length).toBe(1);
      expect(r.stderr).toMatch(message);
      expect(fs.existsSync(out)).toBe(false);
    }
  });

  it('--suite synthetic --seeds 2 (tiny sizes) writes results.json with intervals and the report with the heatmap', () => {
    const out = path.join(dir, 'synthetic');
    const r = run(['study', '--out', out, '--suite', 'synthetic', '--seeds', '2', '--mixers', 'mlp', '--synthetic-tasks', 'mqar:r0', '--synthetic-steps', '2', '--synthetic-batch', '8', '--synthetic-layers', '2', '--quiet'], 300_000);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/synthetic tasks: 6 cells, 6 trainings/);
    expect(r.stdout).toMatch(/mqar r0\s+standard\s+\d+\.\d \[\d+\.\d, \d+\.\d\]/); // mean [interval] over the two seeds
    expect(r.stdout).toMatch(/chance \/ majority\s+\d+\.\d \/ \d+\.\d/);
    expect(r.stdout).toMatch(/Token mixing is indispensable/);
    const results = JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8'));
    expect(results.config.suites).toEqual(['synthetic']);
    expect(results.config.seeds).toEqual([0, 1]);
    expect(results.synthetic.config.model.numLayers).toBe(2);
    expect(results.synthetic.summary.find((e: { model: string }) => e.model === 'standard').accuracy.n).toBe(2);
    expect(results.claims.length).toBe(5);
    const html = fs.readFileSync(path.join(out, 'report.html'), 'utf8');
    expect(html).toMatch(/<figure class="synthetic-heatmap"[^>]*><svg/);
    expect(html).toMatch(/chance/);
  });
});
