import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/** The package directory (holding data/ and tasks/), found from this module's location: works from src/ and from the bundled dist/. */
export function packageRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === '@deconattn/eval-glue') return (root = dir);
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the @deconattn/eval-glue package directory (data/ and tasks/) above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
}

export const vendoredDataDir = (): string => join(packageRoot(), 'data');
export const tasksDir = (): string => join(packageRoot(), 'tasks');
