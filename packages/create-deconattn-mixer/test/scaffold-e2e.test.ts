import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The template's CI check: scripts/scaffold-e2e.mjs scaffolds a plugin into a temporary directory
// outside the workspace from the packed packages, installs it, and runs its own typecheck, tests,
// build and training from the CLI (run in the plugin's directory, which finds the plugin without
// --plugin), then scores the checkpoint. A few training steps here; `pnpm --filter
// create-deconattn-mixer e2e` runs the README's 200.
const root = fileURLToPath(new URL('../../../', import.meta.url));
const script = fileURLToPath(new URL('../scripts/scaffold-e2e.mjs', import.meta.url));
// About 1.5 minutes on two idle cores; the limit leaves room for a loaded machine.
const LIMIT_MS = 900_000;

describe('npm create deconattn-mixer, end to end', () => {
  it('scaffolds a package that type-checks, passes its tests, builds, trains from the CLI and scores', () => {
    for (const built of ['packages/create-deconattn-mixer/dist/bin.js', 'packages/cli/dist/bin.js', 'packages/testkit/dist/index.js']) {
      if (!fs.existsSync(path.join(root, built))) throw new Error(`${built} is missing: build first (npm test does).`);
    }
    const r = spawnSync(process.execPath, [script, '--steps', '3'], { cwd: root, encoding: 'utf8', timeout: LIMIT_MS, maxBuffer: 64 * 2 ** 20 });
    const report = JSON.parse(r.stdout || '{}');
    expect(r.status, `${report.error ?? r.error?.message ?? ''}\n${r.stderr.slice(-3000)}`).toBe(0);
    console.log(`scaffold to trained model: ${report.toTrainedModel.toFixed(0)} s (${Object.entries(report.timings as Record<string, number>).map(([k, v]) => `${k} ${v.toFixed(0)} s`).join(', ')})`);
    // Its own tests ran: the kit blocks and the reference test.
    expect(Number(report.tests)).toBeGreaterThanOrEqual(40);
    expect(report.checkpoint.layers).toEqual(['standard', 'decayed-mean']);
    expect(report.checkpoint.mixers[1]).toMatchObject({ id: 'decayed-mean', package: 'deconattn-mixer-decayed-mean', version: '0.1.0', options: { scale: 1 } });
    expect(report.score.scored).toBeGreaterThan(10);
    expect(Number.isFinite(report.score.meanNll)).toBe(true);
    expect(fs.existsSync(report.dir)).toBe(false); // the temporary directory is gone
  }, LIMIT_MS + 30_000);
});
