import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Command, Option } from 'commander';
import { describe, expect, it } from 'vitest';
import { createProgram } from '../src/program.js';

/**
 * The README's examples are what they claim: every `deconattn …` line names a command and
 * options the program has (with values its parsers accept). The code examples are run by
 * readme-code.test.ts.
 */
const readme = fs.readFileSync(fileURLToPath(new URL('../../../README.md', import.meta.url)), 'utf8');

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
});
