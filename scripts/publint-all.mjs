// Lints every publishable package's package.json against its built files (exports, types,
// sideEffects, files) with publint. Run after a build.
import { readdirSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';

const roots = ['packages', 'packages/attention-relaxed', 'examples'];
const dirs = roots.flatMap((r) => readdirSync(r, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => join(r, d.name))).filter((d) => existsSync(join(d, 'package.json')));
let problems = 0;
for (const dir of dirs) {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const { messages } = await publint({ pkgDir: dir, level: 'warning', strict: true, pack: 'npm' });
  for (const m of messages) {
    problems++;
    console.error(`${pkg.name}: ${m.type}: ${formatMessage(m, pkg) ?? m.code}`);
  }
}
console.log(`publint: ${dirs.length} packages, ${problems} problem(s)`);
process.exit(problems ? 1 : 0);
