#!/usr/bin/env node
// From nothing to a trained model with a new mixer, the way an outside author goes, timed:
// pack the deconattn packages (what npm would publish), scaffold with the packed
// create-deconattn-mixer into a temporary directory outside the workspace, point the scaffold's
// @deconattn/* dependencies at the tarballs (pnpm overrides), install, then run the scaffold's
// own scripts: typecheck, test, build, train; score the checkpoint. Prints a JSON report.
//
//   node packages/create-deconattn-mixer/scripts/scaffold-e2e.mjs [--steps 200] [--keep] [--dir <tmp-parent>] [--name <npm-name>]
//
// Needs a built workspace (pnpm build). test/scaffold-e2e.test.ts runs it with a few steps.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const { values } = parseArgs({ options: { steps: { type: 'string', default: '200' }, keep: { type: 'boolean' }, dir: { type: 'string' }, name: { type: 'string', default: 'deconattn-mixer-decayed-mean' } } });
const steps = Number(values.steps);
if (!Number.isInteger(steps) || steps < 1) throw new Error(`--steps must be a positive integer, got '${values.steps}'.`);

// The scaffold must not see the workspace: no NODE_PATH into its node_modules, no npm/pnpm
// settings inherited from a script that started this one.
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(npm_|pnpm_|NODE_PATH$|INIT_CWD$|VITEST|TURBO_)/i.test(k)));
env.DECONATTN_DEBUG = '';

const timings = {};
function step(name, cmd, args, cwd, timeoutSec) {
  const t0 = Date.now();
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', timeout: timeoutSec * 1000, maxBuffer: 64 * 2 ** 20 });
  timings[name] = (Date.now() - t0) / 1000;
  if (r.status !== 0) {
    const why = r.error ? `${r.error.message}${r.error.code === 'ETIMEDOUT' ? ` (limit ${timeoutSec} s)` : ''}` : `exit ${r.status}${r.signal ? `, ${r.signal}` : ''}`;
    throw new Error(`${name} failed (${why}): ${cmd} ${args.join(' ')} in ${cwd}\n${(r.stdout ?? '').slice(-4000)}\n${(r.stderr ?? '').slice(-4000)}`);
  }
  return r.stdout;
}

const pnpm = ['sh', [path.join(root, 'scripts/pnpm.sh')]];
const tmp = fs.mkdtempSync(path.join(values.dir ?? os.tmpdir(), 'deconattn-scaffold-'));
const packs = path.join(tmp, 'packs');
const dir = path.join(tmp, values.name.replace(/^@[^/]+\//, ''));
const report = { dir, steps, timings };
try {
  const started = Date.now();
  step('pack', pnpm[0], [...pnpm[1], '-r', '--filter', '@deconattn/*', '--filter', 'create-deconattn-mixer', 'pack', '--pack-destination', packs], root, 240);
  const tarballs = fs.readdirSync(packs);
  const creator = tarballs.find((f) => f.startsWith('create-deconattn-mixer-'));
  if (!creator) throw new Error(`pnpm pack wrote no create-deconattn-mixer tarball into ${packs}: ${tarballs.join(', ')}`);

  // `npm create deconattn-mixer <dir>` is `npm exec create-deconattn-mixer <dir>`; here from the tarball.
  const t0 = Date.now();
  step('scaffold', 'npm', ['exec', '--offline', '--yes', `--package=file:${path.join(packs, creator)}`, '--', 'create-deconattn-mixer', dir, '--name', values.name], tmp, 120);

  // Unpublished deconattn: every @deconattn/* dependency, direct or not, from its tarball.
  const overrides = tarballs
    .filter((f) => f.startsWith('deconattn-'))
    .map((f) => `  "@deconattn/${f.replace(/^deconattn-/, '').replace(/-\d+\.\d+\.\d+(-[\w.]+)?\.tgz$/, '')}": "file:${path.join(packs, f)}"`);
  fs.writeFileSync(path.join(dir, 'pnpm-workspace.yaml'), `# Written by scaffold-e2e.mjs: deconattn from local tarballs.\nallowBuilds:\n  esbuild: true\noverrides:\n${overrides.join('\n')}\n`);
  step('install', pnpm[0], [...pnpm[1], 'install', '--prefer-offline'], dir, 300);
  step('typecheck', 'npm', ['run', 'typecheck'], dir, 180);
  const testOut = step('test', 'npm', ['test'], dir, 300);
  // The README's `npm run train` (it builds first), with fewer steps when asked (a later --steps wins).
  step('build and train', 'npm', ['run', 'train', '--', '--steps', String(steps), '--json'], dir, 600);
  report.toTrainedModel = (Date.now() - t0) / 1000;
  const text = path.join(tmp, 'text.txt');
  fs.writeFileSync(text, 'ROMEO:\nBut soft, what light through yonder window breaks?\n');
  report.score = JSON.parse(step('score', 'npx', ['deconattn', 'score', '--model', 'runs/try', '--text-file', text, '--json'], dir, 180));
  report.checkpoint = JSON.parse(fs.readFileSync(path.join(dir, 'runs/try/checkpoints', fs.readdirSync(path.join(dir, 'runs/try/checkpoints')).sort().at(-1), 'config.json'), 'utf8')).deconattn;
  report.tests = /Tests\s+(\d+) passed/.exec(testOut.replace(/\x1b\[[0-9;]*m/g, ''))?.[1];
  report.total = (Date.now() - started) / 1000;
  console.log(JSON.stringify(report, null, 2));
} catch (e) {
  console.error(e.message);
  console.log(JSON.stringify({ ...report, error: e.message.split('\n')[0] }, null, 2));
  process.exitCode = 1;
} finally {
  if (!values.keep) fs.rmSync(tmp, { recursive: true, force: true });
}
