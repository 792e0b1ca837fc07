#!/usr/bin/env node
// The micro study of test/queued-study.test.ts through Redis on 1 and then 2 local workers:
// wall time of the coordinator from enqueue to results.json, each on a fresh queue and store.
// Not in CI (it measures; tests never time). Needs Debian's redis-server and a built CLI.
//   pnpm --filter @deconattn/study-queue bench:workers [-- --steps 100 --repeats 1]
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const arg = (name, d) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : d;
};
const steps = arg('steps', '100');
const repeats = Number(arg('repeats', '1'));
const repo = fileURLToPath(new URL('../../../', import.meta.url));
const bin = path.join(repo, 'packages/cli/dist/bin.js');
if (!fs.existsSync(bin)) throw new Error(`${bin} is missing: run the build first.`);
if (spawnSync('redis-server', ['--version']).status !== 0) throw new Error('redis-server is not installed (sh scripts/system-deps.sh installs it).');
const STUDY = ['study', '--suite', 'lm', '--preset', 'tiny', '--steps', steps, '--mixers', 'mlp,approximate', '--configs', 'hybrid,skip', '--skip-modes', 'mixer', '--tasks', 'copa', '--limit', '4', '--wikitext-docs', '0', '--analysis-sequences', '1', '--backend', 'wasm', '--quiet'];

const port = await new Promise((res) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => {
    const p = s.address().port;
    s.close(() => res(p));
  });
});
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'deconattn-bench-workers-'));
const children = new Set();
const start = (cmd, args) => {
  const c = spawn(cmd, args, { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(c);
  c.on('close', () => children.delete(c));
  return c;
};
const cleanup = () => {
  for (const c of children) c.kill('SIGKILL');
  fs.rmSync(root, { recursive: true, force: true });
};
process.on('exit', cleanup);
const deadline = setTimeout(() => {
  console.error('bench:workers: gave up after 30 minutes');
  process.exit(1);
}, 30 * 60_000);

const redis = start('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', root, '--save', '', '--appendonly', 'no']);
await new Promise((res) => redis.stdout.on('data', (d) => String(d).includes('Ready to accept') && res()));
const url = `redis://127.0.0.1:${port}/0`;

const exit = (c) => new Promise((res) => c.on('close', (code) => res(code)));
async function once(workers, k) {
  const name = `bench-${workers}-${k}`;
  const store = path.join(root, name);
  const ws = Array.from({ length: workers }, () => start(process.execPath, [bin, 'worker', '--queue', url, '--queue-name', name, '--store', store]));
  // Workers ready (backend loaded lazily at the first job, as in real use).
  await Promise.all(ws.map((w) => new Promise((res) => w.stdout.on('data', (d) => String(d).includes('waiting for jobs') && res()))));
  const t0 = performance.now();
  const c = start(process.execPath, [bin, ...STUDY, '--queue', url, '--queue-name', name, '--out', path.join(root, `${name}-out`)]);
  let err = '';
  c.stderr.on('data', (d) => (err += d));
  const code = await exit(c);
  const sec = (performance.now() - t0) / 1000;
  for (const w of ws) w.kill('SIGTERM');
  await Promise.all(ws.map(exit));
  if (code !== 0) throw new Error(`the queued study failed (${code}): ${err}`);
  return sec;
}

const rows = [];
for (let k = 0; k < repeats; k++) for (const n of [1, 2]) rows.push({ workers: n, seconds: await once(n, k) });
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const t1 = median(rows.filter((r) => r.workers === 1).map((r) => r.seconds));
const t2 = median(rows.filter((r) => r.workers === 2).map((r) => r.seconds));
console.log(`micro study (tiny, ${steps} steps; standard, hybrid mlp, hybrid approximate + 2 skip evaluations; 9 jobs), ${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(1)}:`);
const all = (n) => rows.filter((r) => r.workers === n).map((r) => r.seconds.toFixed(1)).join(', ');
console.log(`  1 worker : median ${t1.toFixed(1)} s (${all(1)})`);
console.log(`  2 workers: median ${t2.toFixed(1)} s (${all(2)}): ${(t1 / t2).toFixed(2)}× faster`);
console.log(JSON.stringify({ steps: Number(steps), repeats, runs: rows, medianSec: { 1: t1, 2: t2 } }));
clearTimeout(deadline);
redis.kill('SIGTERM');
await exit(redis);
