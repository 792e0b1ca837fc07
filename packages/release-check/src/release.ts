import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { run } from './run.js';
import type { Registry } from './verdaccio.js';
import { ROOT, type WorkspacePackage } from './workspace.js';

/**
 * The project's release flow (CONTRIBUTING.md), pointed at a registry: `changeset version`
 * applies the pending changesets (versions, internal ranges, changelogs), the packages are built,
 * and `changeset publish` publishes every public package whose version the registry lacks, through
 * `pnpm publish` (which turns `workspace:^` into real ranges). Git tags are left alone here.
 */

const PNPM_VERSION = '12.4.2';
const changesetBin = () => createRequire(import.meta.url).resolve('@changesets/cli/bin.js');

/**
 * A directory with a `pnpm` on it: changesets publishes a pnpm workspace by spawning `pnpm
 * publish`. The shim runs the pinned pnpm that npx keeps in its cache (found once, with the
 * machine's own registry), so each publish starts pnpm directly instead of asking the test
 * registry for pnpm's metadata again.
 */
async function pnpmShim(dir: string): Promise<string> {
  const bin = path.join(dir, 'pnpm-shim');
  const file = path.join(bin, 'pnpm');
  if (fs.existsSync(file)) return bin;
  const found = await run('npm', ['exec', '--yes', `--package=pnpm@${PNPM_VERSION}`, '--', 'sh', '-c', 'command -v pnpm'], { cwd: dir, timeoutMs: 180_000 });
  const pnpm = found.stdout.trim().split('\n').at(-1)!;
  if (!path.isAbsolute(pnpm)) throw new Error(`Could not locate pnpm ${PNPM_VERSION} through npx (got '${pnpm}').`);
  fs.mkdirSync(bin, { recursive: true });
  fs.writeFileSync(file, `#!/bin/sh\nexec ${JSON.stringify(pnpm)} "$@"\n`, { mode: 0o755 });
  return bin;
}

/** Environment for npm/pnpm talking to `registry` only (publishing needs its token; pnpm's git checks are for real releases). */
export function registryEnv(registry: Registry, extra: Record<string, string> = {}): Record<string, string> {
  return {
    npm_config_userconfig: registry.npmrc,
    npm_config_registry: registry.url,
    npm_config_git_checks: 'false',
    ...extra,
  };
}

export async function changesetVersion(cwd: string, opts: { echo?: boolean } = {}): Promise<void> {
  await run(process.execPath, [changesetBin(), 'version'], { cwd, timeoutMs: 120_000, echo: opts.echo });
}

/** `changeset publish --no-git-tag` in workspace `cwd`; returns what the registry then has of `expected`. */
export async function changesetPublish(cwd: string, registry: Registry, work: string, opts: { echo?: boolean } = {}): Promise<string> {
  const shim = await pnpmShim(work);
  const env = registryEnv(registry, { PATH: `${shim}:${process.env.PATH}` });
  const r = await run(process.execPath, [changesetBin(), 'publish', '--no-git-tag'], { cwd, env, timeoutMs: 600_000, echo: opts.echo });
  return r.stdout + r.stderr;
}

/** The versions the registry holds of a package (none: []). */
export async function publishedVersions(registry: Registry, name: string): Promise<string[]> {
  const r = await fetch(registry.url + name.replace('/', '%2f'), { signal: AbortSignal.timeout(30_000) });
  if (r.status === 404) return [];
  if (!r.ok) throw new Error(`GET ${name} from ${registry.url}: HTTP ${r.status}`);
  return Object.keys(((await r.json()) as { versions?: object }).versions ?? {});
}

/**
 * Publishes examples/third-party-mixer as its author would from their own repository: the
 * package.json they would have (no `private`, real ranges on @deconattn/core instead of the
 * workspace protocol, no workspace-only dev dependencies), then plain `npm publish`.
 */
export async function publishThirdParty(pkg: WorkspacePackage, coreVersion: string, registry: Registry, work: string): Promise<string> {
  const dir = path.join(work, 'third-party', path.basename(pkg.dir));
  fs.mkdirSync(dir, { recursive: true });
  for (const f of ['dist', 'README.md']) fs.cpSync(path.join(pkg.dir, f), path.join(dir, f), { recursive: true });
  const manifest = structuredClone(pkg.manifest);
  delete manifest.private;
  delete manifest.devDependencies;
  delete manifest.scripts;
  for (const field of ['dependencies', 'peerDependencies'] as const) {
    for (const [dep, range] of Object.entries<string>(manifest[field] ?? {})) {
      if (range.startsWith('workspace:')) manifest[field][dep] = `^${coreVersion}`;
    }
  }
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(manifest, null, 2) + '\n');
  await run('npm', ['publish'], { cwd: dir, env: registryEnv(registry, { npm_config_cache: path.join(work, 'npm-cache') }), timeoutMs: 120_000 });
  return dir;
}
