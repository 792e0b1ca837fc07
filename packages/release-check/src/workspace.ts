import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The monorepo root (this package lives in packages/release-check). */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface WorkspacePackage {
  name: string;
  version: string;
  dir: string;
  private: boolean;
  manifest: Record<string, any>;
}

const GROUPS = ['packages', 'packages/attention-relaxed', 'examples'];

/** Every package of the workspace (pnpm-workspace.yaml's globs: packages/*, packages/attention-relaxed/*, examples/*). */
export function workspacePackages(root = ROOT): WorkspacePackage[] {
  const out: WorkspacePackage[] = [];
  for (const g of GROUPS) {
    for (const d of fs.readdirSync(path.join(root, g), { withFileTypes: true })) {
      const file = path.join(root, g, d.name, 'package.json');
      if (!d.isDirectory() || !fs.existsSync(file)) continue;
      const manifest = JSON.parse(fs.readFileSync(file, 'utf8'));
      out.push({ name: manifest.name, version: manifest.version, dir: path.dirname(file), private: manifest.private === true, manifest });
    }
  }
  return out;
}

/** The packages a release publishes: every one not marked private. */
export function publicPackages(root = ROOT): WorkspacePackage[] {
  return workspacePackages(root).filter((p) => !p.private);
}

/** The README's fenced blocks of `lang` under the heading `heading`, in order. */
export function readmeBlocks(heading: string, lang: string, file = path.join(ROOT, 'README.md')): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const start = text.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`README.md has no section '${heading}'.`);
  const next = text.indexOf('\n## ', start + heading.length + 2);
  const section = text.slice(start, next < 0 ? undefined : next);
  return [...section.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]!);
}
