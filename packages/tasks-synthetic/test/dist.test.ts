import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const dist = fileURLToPath(new URL('../dist/', import.meta.url));

// The published entries load in plain Node (ESM and CommonJS): jstat is CommonJS, and a named
// import of it works under vitest but not under Node's ESM loader. Needs a build (npm test builds first).
describe('built package', () => {
  for (const [kind, code] of [
    ['ESM', `import * as m from ${JSON.stringify(dist + 'index.js')}; console.log(m.tQuantile(0.95, 2).toFixed(4), m.listTasks().length);`],
    ['CommonJS', `const m = require(${JSON.stringify(dist + 'index.cjs')}); console.log(m.tQuantile(0.95, 2).toFixed(4), m.listTasks().length);`],
  ] as const) {
    it(`loads as ${kind}`, () => {
      expect(fs.existsSync(dist + 'index.js'), `no build in ${dist}: run the build first`).toBe(true);
      const r = spawnSync(process.execPath, kind === 'ESM' ? ['--input-type=module', '-e', code] : ['-e', code], { encoding: 'utf8', timeout: 60_000 });
      expect(r.stderr).toBe('');
      expect(r.stdout.trim()).toBe('4.3027 7');
    });
  }
});
