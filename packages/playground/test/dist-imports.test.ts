import * as fs from 'node:fs';
import { isBuiltin } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// What a browser bundler (or a dev server, which does not tree-shake) loads of our packages: the
// built ESM entries and every chunk they import. None may import a Node module — not even an
// unused one, as a bundler's shims once put `import path from "path"` into every chunk.
const root = fileURLToPath(new URL('../../../', import.meta.url));
const ENTRIES = [
  'packages/core/dist/index.js',
  'packages/attention-standard/dist/index.js',
  ...fs.readdirSync(path.join(root, 'packages/attention-relaxed')).map((d) => `packages/attention-relaxed/${d}/dist/index.js`),
  'packages/hybrid/dist/index.js',
  'packages/eval-glue/dist/index.js',
  'examples/third-party-mixer/dist/index.js',
];

/** Bare imports of an ESM file and of the relative files it imports, transitively. */
function bareImports(entry: string): Map<string, string> {
  const found = new Map<string, string>();
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const code = fs.readFileSync(file, 'utf8');
    for (const m of code.matchAll(/(?:^|[;\s])(?:import|export)\s*(?:[\w*${}\s,]+\s*from\s*)?["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g)) {
      const spec = (m[1] ?? m[2])!;
      if (spec.startsWith('.')) visit(path.resolve(path.dirname(file), spec));
      else found.set(spec, path.relative(root, file));
    }
  };
  visit(path.join(root, entry));
  return found;
}

describe('browser-safe packages as built', () => {
  for (const entry of ENTRIES) {
    it(`${entry} imports no Node module`, () => {
      expect(fs.existsSync(path.join(root, entry)), `${entry} is missing: build first`).toBe(true);
      const imports = bareImports(entry);
      expect(imports.size).toBeGreaterThan(0);
      expect([...imports].filter(([spec]) => isBuiltin(spec)).map(([spec, file]) => `${spec} (in ${file})`)).toEqual([]);
    });
  }
});
