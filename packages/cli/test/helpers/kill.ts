import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { SeededRandom } from '@deconattn/core';
import { decodeSafetensors } from '@deconattn/hybrid/node';

/** The built CLI (`npm test` builds before testing) and the preload that numbers its writes. */
export const bin = fileURLToPath(new URL('../../dist/bin.js', import.meta.url));
const ioHook = pathToFileURL(fileURLToPath(new URL('./io-hook.mjs', import.meta.url))).href;

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The child outlived its time limit and was killed by the harness (a hang). */
  timedOut: boolean;
}

export interface RunCliOptions {
  /** Number the child's file writes under this directory (see io-hook.mjs). */
  ioRoot?: string;
  /** Record the numbered writes here. */
  trace?: string;
  /** SIGKILL the child just before its write number `killAt`. */
  killAt?: number;
  /** …or in the middle of it: half its bytes written (writes, writeFile, appendFile). */
  torn?: boolean;
  /** SIGKILL the child `delayMs` after the `count`-th stdout line matching `line`. */
  killAfterLine?: { line: RegExp; count: number; delayMs: number };
  /** Hard limit: a child still running after this is killed and reported as timed out. */
  timeoutMs?: number;
  cwd?: string;
}

/** Runs `deconattn <args>` as a user would (own process, no pnpm NODE_PATH), with a time limit. */
export function runCli(args: string[], o: RunCliOptions = {}): Promise<ChildResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, DECONATTN_DEBUG: '', NODE_PATH: '' };
  delete env.DECONATTN_IO_ROOT;
  delete env.DECONATTN_IO_TRACE;
  delete env.DECONATTN_KILL_AT;
  delete env.DECONATTN_KILL_TORN;
  const nodeArgs: string[] = [];
  if (o.ioRoot) {
    nodeArgs.push('--import', ioHook);
    env.DECONATTN_IO_ROOT = o.ioRoot;
    if (o.trace) env.DECONATTN_IO_TRACE = o.trace;
    if (o.killAt) env.DECONATTN_KILL_AT = String(o.killAt);
    if (o.torn) env.DECONATTN_KILL_TORN = '1';
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, bin, ...args], { env, cwd: o.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let seen = 0;
    let timedOut = false;
    let armed = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, o.timeoutMs ?? 180_000);
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      stdout += s;
      const k = o.killAfterLine;
      if (!k || armed) return;
      // Count complete lines only, so a line split across chunks is counted once.
      const lines = stdout.split('\n').slice(0, -1);
      seen = lines.filter((l) => k.line.test(l)).length;
      if (seen >= k.count) {
        armed = true;
        setTimeout(() => child.kill('SIGKILL'), k.delayMs);
      }
    });
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut });
    });
  });
}

export interface IoOp {
  i: number;
  op: string;
  path: string;
}

export function readTrace(file: string): IoOp[] {
  return fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as IoOp);
}

/** The first write matching `op` and a path pattern (the kill points are chosen from a real run's writes). */
export function findOp(trace: IoOp[], op: string, pathPattern: RegExp, nth = 1): IoOp {
  const hits = trace.filter((t) => t.op === op && pathPattern.test(t.path));
  const hit = hits[nth - 1];
  if (!hit) throw new Error(`The reference run made no ${op} #${nth} on a path like ${pathPattern} (its writes changed: update the kill points).`);
  return hit;
}

/**
 * Largest difference between two safetensors files' tensors, relative to each tensor's largest
 * magnitude; Infinity when names or shapes differ. Float32 round-off is ~6e-8 relative.
 */
export function safetensorsDiff(a: string, b: string): { maxRel: number; worst: string } {
  const ta = decodeSafetensors(fs.readFileSync(a), a).tensors;
  const tb = decodeSafetensors(fs.readFileSync(b), b).tensors;
  if ([...ta.keys()].sort().join() !== [...tb.keys()].sort().join()) return { maxRel: Infinity, worst: 'tensor names differ' };
  let maxRel = 0;
  let worst = '';
  for (const [name, x] of ta) {
    const y = tb.get(name)!;
    if (x.shape.join() !== y.shape.join()) return { maxRel: Infinity, worst: `${name} shape` };
    let scale = 0;
    let diff = 0;
    for (let i = 0; i < x.data.length; i++) {
      scale = Math.max(scale, Math.abs(y.data[i]!));
      const d = Math.abs(x.data[i]! - y.data[i]!);
      diff = Number.isNaN(d) ? Infinity : Math.max(diff, d);
    }
    const rel = diff / Math.max(scale, 1e-30);
    if (rel > maxRel) {
      maxRel = rel;
      worst = name;
    }
  }
  return { maxRel, worst };
}

/** Keys whose values are measurements of time or of the process, not results. */
const VOLATILE = new Set(['durations', 'durationSec', 'date', 'seconds', 'tokensPerSec', 'msPerStep', 'elapsedSec', 'tensors', 'total_evaluation_time_seconds', 'start_time', 'end_time']);

/**
 * Paths where two JSON values differ, ignoring volatile keys; numbers compare to a relative
 * tolerance (results computed again after a resume may batch differently: float32 round-off).
 */
export function jsonDifferences(a: unknown, b: unknown, relTol = 1e-5, at = '$'): string[] {
  if (typeof a === 'number' && typeof b === 'number') {
    if (Number.isNaN(a) && Number.isNaN(b)) return [];
    if (a === b) return [];
    return Math.abs(a - b) <= relTol * Math.max(Math.abs(a), Math.abs(b)) ? [] : [`${at}: ${a} ≠ ${b}`];
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return [`${at}: ${a.length} items ≠ ${b.length}`];
    return a.flatMap((x, i) => jsonDifferences(x, b[i], relTol, `${at}[${i}]`));
  }
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)].filter((k) => !VOLATILE.has(k)));
    return [...keys].flatMap((k) => jsonDifferences((a as any)[k], (b as any)[k], relTol, `${at}.${k}`));
  }
  return a === b ? [] : [`${at}: ${JSON.stringify(a)?.slice(0, 80)} ≠ ${JSON.stringify(b)?.slice(0, 80)}`];
}

export function ensureBuilt(): void {
  if (!fs.existsSync(bin)) throw new Error(`${bin} is missing: build first (npm test does).`);
}

/** One kill: at a numbered write (before it, or torn in the middle), or timed from a log line. */
export type Kill = Pick<RunCliOptions, 'killAt' | 'torn' | 'killAfterLine'>;

export interface KillPoint {
  what: string;
  /** Successive invocations, each killed; a last one without a kill must then finish the job. */
  kills: Kill[];
  /** Run by `pnpm test:kill` only: CI keeps a smaller set (each point costs two or three CLI runs). */
  scriptOnly?: boolean;
}

export const describeOp = (op: IoOp) => `${op.op} ${op.path.replace(/\.tmp-[A-Za-z0-9]+/, '.tmp-*')} (write #${op.i})`;

/**
 * Runs the fixed points, all of them and then `random.count` random ones under `pnpm test:kill`
 * (count > 0), or only those not marked scriptOnly in CI; prints how many were lossless and
 * returns the losses.
 */
export async function runKillPoints(
  label: string,
  fixed: () => KillPoint[],
  random: { count: number; seed: number; point: (rand: () => number) => KillPoint },
  tryPoint: (p: KillPoint) => Promise<{ killed: boolean; problem: string | null }>,
): Promise<{ what: string; problem: string | null }[]> {
  const rng = new SeededRandom(random.seed); // seeded: a failing random point can be replayed
  const rand = () => rng.next();
  const points = random.count ? fixed() : fixed().filter((p) => !p.scriptOnly);
  const results: { what: string; problem: string | null }[] = [];
  let missed = 0;
  while (results.length < points.length + random.count) {
    const isFixed = results.length < points.length;
    const p = isFixed ? points[results.length]! : random.point(rand);
    const r = await tryPoint(p);
    if (!r.killed) {
      // A timed kill that came after the process had finished: not a kill point; draw another.
      if (isFixed) throw new Error(`${p.what}: the process was not killed`);
      if (++missed >= 20) throw new Error('timed kills keep landing after the process finished');
      continue;
    }
    results.push({ what: p.what, problem: r.problem });
  }
  const lossless = results.filter((r) => r.problem === null).length;
  console.log(
    `kill -9 of ${label}: ${lossless} of ${results.length} kill points lossless${random.count ? ` (${points.length} fixed, ${random.count} random; seed ${random.seed}; replay with DECONATTN_KILL_SEED=${random.seed})` : ''}\n` +
      results.map((r) => `  ${r.problem ? 'LOST' : 'ok  '} ${r.what}${r.problem ? `\n       ${r.problem}` : ''}`).join('\n'),
  );
  return results.filter((r) => r.problem !== null);
}
