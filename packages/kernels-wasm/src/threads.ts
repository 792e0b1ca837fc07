/**
 * A pool of worker threads running the kernel module on the same shared memory as the main
 * thread, for the kernels worth splitting (large matrix products, attention over many heads).
 *
 * tfjs kernels are synchronous, so the main thread hands out a job through a small shared
 * control block (Atomics.notify), computes its own share, then blocks in Atomics.wait until every
 * worker has reported — Node allows blocking the main thread. Workers never return to their
 * event loop; they are unref'd so they never keep the process alive.
 */
import type { Worker } from 'node:worker_threads';

// Control block layout (Int32 indices) and the job's numeric arguments (Float64, exact for
// pointers up to 2^53 and any float32 value).
const SEQ = 0; // job counter: a worker runs a job when it changes
const DONE = 1; // workers finished with the current job
const FN = 2; // index into the function table; −1 = exit
const NARGS = 3;
const NTH = 4; // threads taking part (main thread included)
const ERROR = 5; // set by a worker whose kernel threw
const MAX_ARGS = 32;
/** After the arguments: each thread's scratch offset (the main thread may grow them between jobs). */
const MAX_THREADS = 64;
/** A worker that has not answered after this long is considered lost (a bug, not a slow kernel). */
const TIMEOUT_MS = 120_000;

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { module, memory, control, args, tid, fnNames } = workerData;
const ctl = new Int32Array(control);
const arg = new Float64Array(args);
const inst = new WebAssembly.Instance(module, { env: { memory } });
const fns = fnNames.map((n) => inst.exports[n]);
parentPort.postMessage('ready');
let seen = 0;
for (;;) {
  Atomics.wait(ctl, ${SEQ}, seen);
  seen = Atomics.load(ctl, ${SEQ});
  const fn = ctl[${FN}];
  if (fn < 0) break;
  const nth = ctl[${NTH}];
  if (tid < nth) {
    try {
      const a = [];
      for (let i = 0; i < ctl[${NARGS}]; i++) a.push(arg[i]);
      fns[fn](...a, arg[${MAX_ARGS} + tid], tid, nth);
    } catch (e) {
      Atomics.store(ctl, ${ERROR}, 1);
    }
    Atomics.add(ctl, ${DONE}, 1);
    Atomics.notify(ctl, ${DONE});
  }
}
`;

export class ThreadPool {
  private readonly control = new Int32Array(new SharedArrayBuffer(64));
  private readonly args = new Float64Array(new SharedArrayBuffer(8 * (MAX_ARGS + MAX_THREADS)));
  private readonly index: Map<string, number>;
  private workers: Worker[] = [];

  private constructor(readonly fnNames: string[]) {
    this.index = new Map(fnNames.map((n, i) => [n, i]));
  }

  /** Starts `count` workers on `memory` (shared); they run the functions `fnNames` of `module`. */
  static async start(count: number, module: WebAssembly.Module, memory: WebAssembly.Memory, fnNames: string[]): Promise<ThreadPool> {
    if (count + 1 > MAX_THREADS) throw new Error(`at most ${MAX_THREADS - 1} worker threads`);
    const { Worker } = await import('node:worker_threads');
    const pool = new ThreadPool(fnNames);
    const ready: Promise<void>[] = [];
    for (let i = 0; i < count; i++) {
      const w = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { module, memory, control: pool.control.buffer, args: pool.args.buffer, tid: i + 1, fnNames },
      });
      ready.push(
        new Promise((resolve, reject) => {
          w.once('message', () => resolve());
          w.once('error', reject);
        }),
      );
      pool.workers.push(w);
    }
    try {
      await Promise.all(ready);
    } catch (e) {
      pool.terminate();
      throw e;
    }
    // Only now: an unref'd worker does not keep the event loop alive while we await its start.
    for (const w of pool.workers) w.unref();
    return pool;
  }

  /** Threads available, the main thread included. */
  get size(): number {
    return this.workers.length + 1;
  }

  /**
   * Runs `fn(...args, scratch[tid], tid, nth)` on `nth` threads: workers take tids 1…nth−1 while
   * the caller runs tid 0 through `self`; returns when all are done.
   */
  run(fn: string, args: number[], scratch: number[], nth: number, self: (tid: number, nth: number) => void): void {
    const c = this.control;
    const n = Math.min(nth, this.size);
    if (n <= 1) return self(0, 1);
    if (args.length > MAX_ARGS) throw new Error(`deconattn kernels: '${fn}' has more than ${MAX_ARGS} arguments`);
    for (let i = 0; i < args.length; i++) this.args[i] = args[i]!;
    for (let t = 1; t < n; t++) this.args[MAX_ARGS + t] = scratch[t]!;
    c[FN] = this.index.get(fn)!;
    c[NARGS] = args.length;
    c[NTH] = n;
    c[ERROR] = 0;
    Atomics.store(c, DONE, 0);
    Atomics.add(c, SEQ, 1);
    Atomics.notify(c, SEQ);
    self(0, n);
    const start = performance.now();
    for (let spins = 0; ; spins++) {
      const done = Atomics.load(c, DONE);
      if (done >= n - 1) break;
      if (spins > 200) Atomics.wait(c, DONE, done, 50);
      if (performance.now() - start > TIMEOUT_MS) throw new Error(`deconattn kernels: a worker thread did not finish '${fn}' within ${TIMEOUT_MS / 1000} s`);
    }
    if (c[ERROR]) throw new Error(`deconattn kernels: '${fn}' failed in a worker thread`);
  }

  terminate(): void {
    this.control[FN] = -1;
    Atomics.add(this.control, SEQ, 1);
    Atomics.notify(this.control, SEQ);
    for (const w of this.workers) void w.terminate();
    this.workers = [];
  }
}
