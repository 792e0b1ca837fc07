import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

// The built CLI, as a user runs it (`npm test` builds first).
const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const run = (args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, DECONATTN_DEBUG: '' } });

let dir: string;
beforeAll(() => {
  if (!fs.existsSync(bin)) throw new Error(`${bin} is missing: build first (npm test does).`);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deconattn-options-'));
});

/** The command fails at once with one line naming what was wrong, and writes nothing. */
function refused(args: string[], message: RegExp, out?: string): void {
  const r = run(args);
  expect(r.status, r.stdout + r.stderr).toBe(1);
  expect(r.stderr).toMatch(message);
  expect(r.stdout).not.toMatch(/training|step \d/);
  if (out) expect(fs.existsSync(out)).toBe(false);
}

describe('CLI option values', () => {
  it('study refuses bad numbers, skip modes and task names before training anything', () => {
    const out = (n: string) => path.join(dir, `study-${n}`);
    refused(['study', '--out', out('steps'), '--steps', 'abc'], /--steps must be a positive integer, got 'abc'/, out('steps'));
    refused(['study', '--out', out('zero'), '--steps', '0'], /--steps must be a positive integer, got '0'/, out('zero'));
    refused(['study', '--out', out('tokens'), '--tokens', '1e3x'], /--tokens must be a positive integer/, out('tokens'));
    refused(['study', '--out', out('limit'), '--limit', 'all'], /--limit must be a positive integer, got 'all'/, out('limit'));
    refused(['study', '--out', out('wt'), '--wikitext-docs', '-1'], /--wikitext-docs must be a non-negative integer/, out('wt'));
    refused(['study', '--out', out('as'), '--analysis-sequences', '0'], /--analysis-sequences must be a positive integer/, out('as'));
    refused(['study', '--out', out('al'), '--analysis-length', '2'], /--analysis-length must be an integer ≥ 4, got '2'/, out('al'));
    refused(['study', '--out', out('seed'), '--seed', 'x'], /--seed must be a non-negative integer/, out('seed'));
    refused(['study', '--out', out('skip'), '--mixers', 'mlp', '--skip-modes', 'sideways'], /^deconattn: Unknown skip mode 'sideways'\. Skip modes: mixer .*block/, out('skip'));
    refused(['study', '--out', out('task'), '--mixers', 'mlp', '--tasks', 'copa,arc_eazy'], /^deconattn: Unknown task 'arc_eazy'\. Did you mean 'arc_easy'\?/, out('task'));
  });

  it('analyze, train, finetune and eval refuse values that are not numbers or not allowed', () => {
    const model = path.join(dir, 'no-model');
    refused(['analyze', '--model', model, '--skip', 'sideways'], /argument 'sideways' is invalid\. Allowed choices are mixer, block/);
    refused(['analyze', '--model', model, '--sequences', 'many'], /--sequences must be a positive integer, got 'many'/);
    refused(['analyze', '--model', model, '--length', '3'], /--length must be an integer ≥ 4, got '3'/);
    refused(['train', '--accum', '0', '--out', path.join(dir, 'accum')], /--accum must be a positive integer, got '0'/, path.join(dir, 'accum'));
    refused(['train', '--batch-size', '0', '--out', path.join(dir, 'bs')], /--batch-size must be a positive integer/, path.join(dir, 'bs'));
    refused(['finetune', '--model', model, '--tasks', 'rte', '--seed', 'one'], /--seed must be a non-negative integer, got 'one'/);
    refused(['eval', '--model', model, '--bootstrap-iters', 'lots'], /--bootstrap-iters must be a non-negative integer, got 'lots'/);
  });
});
