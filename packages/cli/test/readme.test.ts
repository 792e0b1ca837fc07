import * as fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Command, Option } from 'commander';
import { describe, expect, it } from 'vitest';
import { createProgram } from '../src/program.js';

/**
 * The README's examples are what they claim: every `deconattn …` line names a command and
 * options the program has (with values its parsers accept), and the "In code" example runs as
 * printed against the built packages (with fewer steps and tokens).
 */
const readme = fs.readFileSync(fileURLToPath(new URL('../../../README.md', import.meta.url)), 'utf8');
const cliDir = fileURLToPath(new URL('..', import.meta.url)); // depends on every package

/** Shell-like split of one command line (double quotes, # comments). */
function words(line: string): string[] {
  const out: string[] = [];
  for (const m of line.replace(/\s+#.*$/, '').matchAll(/"([^"]*)"|(\S+)/g)) out.push(m[1] ?? m[2]!);
  return out;
}

describe('docs/guarantees.md', () => {
  it('names only test files that exist', () => {
    const root = fileURLToPath(new URL('../../../', import.meta.url));
    const doc = fs.readFileSync(`${root}docs/guarantees.md`, 'utf8');
    const named = [...doc.matchAll(/`((?:packages|examples)\/[^`*]+\.test\.ts)`/g)].map((m) => m[1]!);
    expect(named.length).toBeGreaterThan(30);
    expect(named.filter((f) => !fs.existsSync(root + f))).toEqual([]);
  });
});

describe('README.md', () => {
  const lines = readme.split('\n').filter((l) => /^deconattn [a-z]/.test(l));

  it('every deconattn command line uses a real command, real options and values they accept', () => {
    expect(lines.length).toBeGreaterThanOrEqual(10);
    const program = createProgram();
    const problems: string[] = [];
    for (const line of lines) {
      const [, name, ...args] = words(line);
      const cmd = (program.commands as Command[]).find((c) => c.name() === name);
      if (!cmd) {
        problems.push(`${line}: no command '${name}'`);
        continue;
      }
      const options = cmd.options as (Option & { parseArg?: (v: string, p: unknown) => unknown; argChoices?: string[] })[];
      for (let i = 0; i < args.length; i++) {
        if (!args[i]!.startsWith('--')) continue;
        const opt = options.find((o) => o.long === args[i]);
        if (!opt) {
          problems.push(`${line}: '${name}' has no option ${args[i]}`);
          continue;
        }
        if (!opt.required && !opt.optional) continue; // a flag
        const value = args[++i]!;
        try {
          if (opt.argChoices && !opt.argChoices.includes(value)) throw new Error(`not one of ${opt.argChoices.join(', ')}`);
          opt.parseArg?.(value, undefined);
        } catch (e) {
          problems.push(`${line}: ${opt.long} ${value}: ${(e as Error).message}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('the "In code" example runs as printed (2 steps, 5 tokens)', () => {
    const block = /## In code\s+```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block, 'an "In code" section with a ts block').toBeTruthy();
    const code = block!.replace(/steps: \d+/, 'steps: 2').replace(/maxNewTokens: \d+/, 'maxNewTokens: 5');
    expect(code).toContain('steps: 2');
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: cliDir, encoding: 'utf8', timeout: 180_000, env: { ...process.env, NODE_PATH: '' } });
    expect(r.status, r.stderr).toBe(0);
    const out = r.stdout.trim().split('\n');
    // `trainer.run` logs "step loss" lines (finite losses), then the sample is printed.
    const steps = out.filter((l) => /^\d+ [-\d.e]+$/.test(l)).map((l) => l.split(' ').map(Number));
    expect(steps.map(([s]) => s)).toEqual([1, 2]);
    expect(steps.every(([, loss]) => Number.isFinite(loss))).toBe(true);
  });
});
