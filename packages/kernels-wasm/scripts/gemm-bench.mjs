#!/usr/bin/env node
/**
 * GEMM micro-benchmark: the matrix products of one reference training step (d 256, SwiGLU 704,
 * vocabulary 512, 4 × 128 tokens: forward and both gradients, with the transposes training uses)
 * through our wasm kernel on 1 and on all threads, and through OpenBLAS (PyTorch on Debian's
 * /usr/bin/python3) with 1 and 2 BLAS threads, alternating in one run so machine load hits all
 * alike. Prints GFLOP/s per shape and for the whole step's products (best of `--reps` per shape,
 * median over `--rounds`). Needs a build (`pnpm --filter @deconattn/kernels-wasm build`).
 *
 *   node packages/kernels-wasm/scripts/gemm-bench.mjs [--rounds 3] [--reps 15] [--json]
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { KernelRuntime, kernelThreads } from '../dist/index.js';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? dflt : Number(process.argv[i + 1]);
};
const rounds = arg('rounds', 3);
const reps = arg('reps', 15);
const json = process.argv.includes('--json');

/** [count per step, m, n, k, transposeA, transposeB]: one reference step's products. */
const CALLS = [
  [8, 512, 256, 256, 0, 0], [8, 512, 256, 256, 0, 1], [8, 256, 256, 512, 1, 0], // q/k/v/o: forward, dX, dW
  [4, 512, 704, 256, 0, 0], [2, 512, 704, 256, 0, 1], [4, 256, 704, 512, 1, 0], // FFN gate/up
  [2, 512, 256, 704, 0, 0], [4, 512, 256, 704, 0, 1], [2, 704, 256, 512, 1, 0], // FFN down
  [1, 512, 512, 256, 0, 0], [1, 512, 256, 512, 0, 1], [1, 256, 512, 512, 1, 0], // tied output layer
];
const label = ([, m, n, k, ta, tb]) => `${m}×${n}×${k} ${ta ? 'T' : 'N'}${tb ? 'T' : 'N'}`;
const stepFlops = CALLS.reduce((s, [c, m, n, k]) => s + 2 * c * m * n * k, 0);

function oursRound(threads) {
  const rt = KernelRuntime.of(tf.backend());
  const saved = rt.threads;
  rt.threads = threads;
  try {
    return CALLS.map(([, m, n, k, ta, tb]) => {
      const a = tf.randomNormal(ta ? [k, m] : [m, k]);
      const b = tf.randomNormal(tb ? [n, k] : [k, n]);
      for (let w = 0; w < 3; w++) tf.matMul(a, b, !!ta, !!tb).dispose();
      let best = Infinity;
      for (let r = 0; r < reps; r++) {
        const t0 = performance.now();
        const c = tf.matMul(a, b, !!ta, !!tb);
        best = Math.min(best, performance.now() - t0);
        c.dispose();
      }
      tf.dispose([a, b]);
      return best;
    });
  } finally {
    rt.threads = saved;
  }
}

const PYTHON = ['/usr/bin/python3', 'python3'].find((p) => p === 'python3' || existsSync(p));
function blasRound(threads) {
  const r = spawnSync(PYTHON, [new URL('./gemm_bench_blas.py', import.meta.url).pathname], {
    input: JSON.stringify({ calls: CALLS, reps }),
    env: { ...process.env, OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: '1' },
    encoding: 'utf8',
    timeout: 300_000,
  });
  if (r.status !== 0) return { error: (r.stderr || r.error?.message || 'failed').trim().split('\n').pop() };
  return JSON.parse(r.stdout);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[(xs.length - 1) >> 1];
await tf.setBackend('wasm');
await tf.ready();
const maxThreads = kernelThreads();
const systems = [['ours, 1 thread', () => oursRound(1)]];
if (maxThreads > 1) systems.push([`ours, ${maxThreads} threads`, () => oursRound(maxThreads)]);
let blasNote = '';
for (const t of [1, 2]) systems.push([`OpenBLAS, ${t} thread${t > 1 ? 's' : ''}`, () => {
  const r = blasRound(t);
  if (r.error) { blasNote = r.error; return null; }
  blasNote = `torch ${r.torch}`;
  return r.ms;
}]);
const results = new Map(systems.map(([name]) => [name, []]));
for (let round = 0; round < rounds; round++)
  for (const [name, f] of systems) {
    if (!json) process.stderr.write(`round ${round + 1}/${rounds}: ${name}…\n`);
    const ms = f();
    if (ms) results.get(name).push(ms);
  }
const os = await import('node:os');
const summary = {};
for (const [name, rs] of results) {
  if (!rs.length) continue;
  const perShape = CALLS.map((c, i) => median(rs.map((r) => r[i])));
  const stepMs = median(rs.map((r) => r.reduce((s, ms, i) => s + CALLS[i][0] * ms, 0)));
  summary[name] = { stepMs, stepGflops: stepFlops / stepMs / 1e6, perShapeGflops: perShape.map((ms, i) => (2 * CALLS[i][1] * CALLS[i][2] * CALLS[i][3]) / ms / 1e6) };
}
const load = os.loadavg().map((x) => x.toFixed(1)).join(' ');
if (json) {
  console.log(JSON.stringify({ calls: CALLS, rounds, reps, loadavg: os.loadavg(), blas: blasNote, results: summary }, null, 2));
} else {
  const names = Object.keys(summary);
  console.log(`GEMM GFLOP/s on one reference step's products (${(stepFlops / 1e9).toFixed(2)} GFLOP; best of ${reps} per shape, median of ${rounds} rounds; load average ${load}; ${blasNote})\n`);
  console.log(`| product | ${names.join(' | ')} |`);
  console.log(`|---|${names.map(() => '---:').join('|')}|`);
  CALLS.forEach((c, i) => console.log(`| ${label(c)} (×${c[0]}) | ${names.map((n) => summary[n].perShapeGflops[i].toFixed(1)).join(' | ')} |`));
  console.log(`| **step's products** | ${names.map((n) => `**${summary[n].stepGflops.toFixed(1)}** (${summary[n].stepMs.toFixed(1)} ms)`).join(' | ')} |`);
}
process.exit(0);
