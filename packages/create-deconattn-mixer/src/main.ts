import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { scaffold } from './scaffold.js';
import { ScaffoldError } from './names.js';

export const USAGE = `Usage: npm create deconattn-mixer <directory> [-- --name <npm-package-name>] [--id <mixer-id>] [--force]

Writes a complete deconattn token-mixer plugin into <directory>: a worked mixer (a decayed causal
mean), its Float64 reference, the conformance kit and reference tests, the build, and a README.
  --name   npm package name (default: the directory's name)
  --id     mixer id for plans and checkpoints (default: the package name without scope and a
           'deconattn-mixer-' prefix)
  --force  write into a directory that is not empty`;

/** Runs the command line; returns the exit code (messages go to stdout/stderr). */
export function main(argv: string[] = process.argv.slice(2)): number {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { name: { type: 'string' }, id: { type: 'string' }, force: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
  } catch (e) {
    console.error(`create-deconattn-mixer: ${(e as Error).message}\n\n${USAGE}`);
    return 1;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (positionals.length !== 1) {
    console.error(`create-deconattn-mixer: ${positionals.length ? `one directory expected, got ${positionals.length} (${positionals.join(' ')})` : 'the directory to create is missing'}.\n\n${USAGE}`);
    return 1;
  }
  try {
    const r = scaffold({ dir: positionals[0]!, packageName: values.name, id: values.id, force: values.force });
    const rel = path.relative(process.cwd(), r.dir) || '.';
    console.log(`Created ${r.names.packageName} in ${rel}: mixer '${r.names.id}', a decayed causal mean to turn into your own.

Next:
  cd ${rel}
  npm install
  npm test                  # the conformance kit and the Float64 reference test
  npm run build
  npx deconattn train --preset tiny --plan standard,${r.names.id} --steps 200 --out runs/try

README.md walks through every field of the definition and what to change.`);
    return 0;
  } catch (e) {
    if (e instanceof ScaffoldError) {
      console.error(`create-deconattn-mixer: ${e.message}`);
      return 1;
    }
    throw e;
  }
}
