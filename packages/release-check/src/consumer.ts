import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { run, type RunResult } from './run.js';
import type { Registry } from './verdaccio.js';
import { registryEnv } from './release.js';

/**
 * A project of someone who installs deconattn: a fresh directory outside the workspace (no
 * parent package.json, no pnpm, no NODE_PATH), plain npm, its own npm cache, and only the given
 * registry.
 */
export class Consumer {
  readonly dir: string;
  private readonly env: Record<string, string>;

  constructor(readonly registry: Registry, name: string, root = os.tmpdir()) {
    this.dir = fs.mkdtempSync(path.join(root, `deconattn-consumer-${name}-`));
    fs.writeFileSync(path.join(this.dir, 'package.json'), JSON.stringify({ name: `consumer-${name}`, version: '1.0.0', private: true }, null, 2) + '\n');
    this.env = registryEnv(registry, { npm_config_cache: path.join(this.dir, '.npm-cache') });
  }

  npm(args: string[], timeoutMs = 300_000): Promise<RunResult> {
    return run('npm', [...args, '--registry', this.registry.url], { cwd: this.dir, env: this.env, timeoutMs });
  }

  install(packages: string[]): Promise<RunResult> {
    return this.npm(['install', '--no-audit', '--no-fund', ...packages], 600_000);
  }

  /** Runs a command (node, npx) in the project, with the registry environment and a time limit. */
  exec(cmd: string, args: string[], timeoutMs = 300_000): Promise<RunResult> {
    return run(cmd, args, { cwd: this.dir, env: this.env, timeoutMs });
  }

  write(file: string, text: string): string {
    const p = path.join(this.dir, file);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, text);
    return p;
  }

  /** Installed packages (name → version), from node_modules: what `npm install` pulled. */
  installed(): Map<string, string> {
    const out = new Map<string, string>();
    const nm = path.join(this.dir, 'node_modules');
    const visit = (dir: string) => {
      for (const d of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
        if (d.startsWith('.')) continue;
        if (d.startsWith('@')) {
          visit(path.join(dir, d));
          continue;
        }
        const pj = path.join(dir, d, 'package.json');
        if (!fs.existsSync(pj)) continue;
        const m = JSON.parse(fs.readFileSync(pj, 'utf8'));
        out.set(m.name, m.version);
        visit(path.join(dir, d, 'node_modules'));
      }
    };
    visit(nm);
    return out;
  }

  /** Bytes on disk under node_modules/<name> (or all of node_modules). */
  size(name?: string): number {
    const start = path.join(this.dir, 'node_modules', ...(name ? name.split('/') : []));
    let total = 0;
    const walk = (p: string) => {
      const st = fs.lstatSync(p);
      if (st.isDirectory()) for (const c of fs.readdirSync(p)) walk(path.join(p, c));
      else total += st.size;
    };
    if (fs.existsSync(start)) walk(start);
    return total;
  }

  remove(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

export const formatBytes = (n: number) => (n >= 2 ** 20 ? `${(n / 2 ** 20).toFixed(1)} MiB` : `${(n / 1024).toFixed(0)} KiB`);

/**
 * The README's Node example as CommonJS: each `import … from 'x'` becomes a `require('x')`, and
 * the body runs in an async function (CommonJS has no top-level await).
 */
export function toCommonJs(esm: string): string {
  const requires: string[] = [];
  const body: string[] = [];
  for (const line of esm.split('\n')) {
    let m: RegExpMatchArray | null;
    if ((m = line.match(/^import\s+'([^']+)';$/))) requires.push(`require('${m[1]}');`);
    else if ((m = line.match(/^import\s+\{([^}]+)\}\s+from\s+'([^']+)';$/))) requires.push(`const {${m[1]!.replace(/\s+as\s+/g, ': ')}} = require('${m[2]}');`);
    else if (/^import\s/.test(line)) throw new Error(`toCommonJs: cannot convert '${line}'`);
    else body.push(line);
  }
  return `'use strict';\n${requires.join('\n')}\n(async () => {\n${body.join('\n')}\n})().catch((e) => {\n  console.error(e);\n  process.exit(1);\n});\n`;
}
