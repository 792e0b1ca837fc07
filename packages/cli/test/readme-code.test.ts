import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/*
 * The code shown in the READMEs, run as written against the built packages (plain Node ESM, a
 * fresh process, from packages/cli, which depends on every package). Only the budgets are made
 * small (steps, tokens, documents), each by an exact text substitution that must apply: an
 * example that changes shape fails here until this test is updated with it.
 */
const cli = fileURLToPath(new URL('..', import.meta.url));
const repo = path.resolve(cli, '../..');

/** The first ```ts block after `heading` in `file`. */
function codeAfter(file: string, heading: string): string {
  const text = fs.readFileSync(path.join(repo, file), 'utf8');
  const at = text.indexOf(heading);
  if (at < 0) throw new Error(`${file} has no heading '${heading}'`);
  const m = /```ts\n([\s\S]*?)```/.exec(text.slice(at));
  if (!m) throw new Error(`${file} has no ts block after '${heading}'`);
  return m[1]!;
}

function runExample(file: string, heading: string, substitutions: [string, string][]): string {
  let code = codeAfter(file, heading);
  for (const [from, to] of substitutions) {
    if (!code.includes(from)) throw new Error(`${file} '${heading}': the example no longer contains ${JSON.stringify(from)}`);
    code = code.replaceAll(from, to);
  }
  const dir = fs.mkdtempSync(path.join(cli, '.readme-'));
  try {
    const script = path.join(dir, 'example.mjs');
    fs.writeFileSync(script, code);
    const r = spawnSync(process.execPath, [script], { cwd: cli, encoding: 'utf8', timeout: 240_000 });
    expect(r.status, `${file} '${heading}' failed:\n${r.stderr}`).toBe(0);
    return r.stdout;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('README code runs', () => {
  it("the root README's 'In code' example trains, logs and generates", () => {
    const out = runExample('README.md', '## In code', [
      ['steps: 100', 'steps: 3'],
      ['maxNewTokens: 50', 'maxNewTokens: 8'],
    ]);
    // One "step loss" line per logged step (step 1 and the last), then the generated text.
    const steps = [...out.matchAll(/^(\d+) (\d+\.\d+)$/gm)].map((m) => Number(m[1]));
    expect(steps).toEqual([1, 3]);
    expect(out.length).toBeGreaterThan(out.lastIndexOf('\n3 ') + 6);
  });

  it("@deconattn/study's README example runs a study and writes its outputs", () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'deconattn-readme-study-'));
    runExample('packages/study/README.md', '## Running a study', [
      ["'runs/study'", JSON.stringify(out)],
      ["steps: 400, mixers: ['mlp', 'approximate'], tasks: ['copa']", "steps: 2, mixers: ['mlp'], configs: ['uniform'], tasks: ['copa'], limit: 2, wikitextDocs: 0, analysisSequences: 1, analysisLength: 8"],
    ]);
    const results = JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8'));
    expect(results.runs.map((r: { id: string }) => r.id)).toEqual(['standard', 'uniform-mlp']);
    expect(fs.readFileSync(path.join(out, 'report.html'), 'utf8')).toMatch(/^<!DOCTYPE html>/i);
  });

  it("@deconattn/eval-glue's README example scores a hybrid model and prints the typed outcomes", () => {
    const out = runExample('packages/eval-glue/README.md', '## With a hybrid model', [['limit: 20', 'limit: 2']]);
    const lines = out.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^copa acc (0\.000|0\.500|1\.000) ± \d\.\d{3} n=2 ↑$/);
    const lambada = /^lambada_openai perplexity (\d+\.\d{3}) ± \d+\.\d{3} n=2 ↓$/.exec(lines[1]!);
    expect(lambada, lines[1]).not.toBeNull();
    expect(Number(lambada![1])).toBeGreaterThan(1);
  });
});
