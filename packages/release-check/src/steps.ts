import * as fs from 'node:fs';
import * as path from 'node:path';
import { Consumer, formatBytes, toCommonJs } from './consumer.js';
import { ROOT, readmeBlocks } from './workspace.js';

/**
 * The checks a person makes after installing from a registry, shared by the suite's round trip
 * (test/) and the full one (full/, `pnpm test:publish`). Each returns what it measured.
 */

/** The README's "In code" blocks: the install line, the Node example, the browser example. */
export function readmeExample(): { install: string[]; node: string; browser: string } {
  const [installLine] = readmeBlocks('## In code', 'sh');
  const [node, browser] = readmeBlocks('## In code', 'ts');
  if (!installLine || !node || !browser) throw new Error("README.md's '## In code' lacks its sh block or its two ts blocks.");
  const install = installLine.trim().replace(/^npm install\s+/, '').split(/\s+/);
  return { install, node, browser };
}

/** `step loss` lines and the generated text the README's Node example prints. */
export function parseExampleOutput(out: string): { losses: [number, number][]; text: string } {
  // Only the newline console.log adds is dropped: the generated text may end in (or be) newlines.
  const lines = out.replace(/\n$/, '').split('\n');
  const isLoss = (l: string) => /^\d+ [\d.]+$/.test(l);
  const losses = lines.filter(isLoss).map((l) => l.split(' ').map(Number) as [number, number]);
  let last = -1;
  lines.forEach((l, i) => void (isLoss(l) && (last = i)));
  return { losses, text: lines.slice(last + 1).join('\n') };
}

/**
 * Runs the README's Node example as ESM and as CommonJS, and type-checks it with the workspace's
 * tsc against the installed packages' own .d.ts files (the project needs @types/node, as any Node
 * project in TypeScript has).
 */
export async function runNodeExample(c: Consumer, readmeCode: string, opts: { steps?: number; skipLibCheck?: boolean } = {}): Promise<{ esm: ReturnType<typeof parseExampleOutput>; cjs: ReturnType<typeof parseExampleOutput>; seconds: Record<'tsc' | 'esm' | 'cjs', number> }> {
  // The suite trains fewer steps than the README's 100 (the same code otherwise).
  const node = opts.steps === undefined ? readmeCode : readmeCode.replace(/\bsteps: 100\b/, `steps: ${opts.steps}`);
  if (node === readmeCode && opts.steps !== undefined) throw new Error("The README's example no longer says 'steps: 100'.");
  c.write('example.mjs', node);
  c.write('example.cjs', toCommonJs(node));
  c.write('example.mts', node);
  c.write('tsconfig.json', JSON.stringify({ compilerOptions: { target: 'es2022', module: 'nodenext', moduleResolution: 'nodenext', strict: true, noEmit: true, skipLibCheck: opts.skipLibCheck ?? false, lib: ['es2022', 'dom'] }, files: ['example.mts'] }, null, 2));
  const tsc = path.join(ROOT, 'node_modules/typescript/bin/tsc');
  const t = await c.exec(process.execPath, [tsc, '-p', 'tsconfig.json'], 300_000);
  const e = await c.exec(process.execPath, ['example.mjs'], 300_000);
  const j = await c.exec(process.execPath, ['example.cjs'], 300_000);
  return { esm: parseExampleOutput(e.stdout), cjs: parseExampleOutput(j.stdout), seconds: { tsc: t.seconds, esm: e.seconds, cjs: j.seconds } };
}

export interface PluginFootprint {
  packages: [string, string][];
  totalBytes: number;
  mixerBytes: number;
  coreBytes: number;
  summary: string;
}

/** What installing one mixer plugin (plus core and tfjs-core, its peers) puts in node_modules. */
export async function pluginFootprint(c: Consumer, plugin: string): Promise<PluginFootprint> {
  await c.install([plugin, '@deconattn/core', '@tensorflow/tfjs-core']);
  const packages = [...c.installed()].sort(([a], [b]) => a.localeCompare(b));
  const totalBytes = c.size();
  const mixerBytes = c.size(plugin);
  const coreBytes = c.size('@deconattn/core');
  const summary = `${plugin}: ${formatBytes(mixerBytes)} itself; with @deconattn/core (${formatBytes(coreBytes)}) and @tensorflow/tfjs-core, node_modules holds ${packages.length} packages, ${formatBytes(totalBytes)}: ${packages.map(([n, v]) => `${n}@${v}`).join(', ')}`;
  fs.writeFileSync(path.join(c.dir, 'footprint.txt'), summary + '\n');
  return { packages, totalBytes, mixerBytes, coreBytes, summary };
}
