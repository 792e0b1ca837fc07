import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built CLI: these tests run real processes (a SIGKILL must kill a real worker). */
export const bin = fileURLToPath(new URL('../../../cli/dist/bin.js', import.meta.url));
/** The repository root: every process runs there, so all record the same git hash. */
export const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));

export const hasRedis = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
if (!hasRedis) console.warn('packages/study-queue: the Redis tests are SKIPPED: redis-server is not installed (sh scripts/system-deps.sh installs it; CI does).');

export function ensureBuilt(): void {
  if (!fs.existsSync(bin)) throw new Error(`${bin} is missing: build first (npm test does).`);
}

export const tmpDir = (name: string) => fs.mkdtempSync(path.join(os.tmpdir(), `deconattn-queue-${name}-`));

/** Everything a test spawned, killed at the end whatever happened. */
const spawned = new Set<ChildProcess>();
export function killAll(): void {
  for (const p of spawned) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  spawned.clear();
}

export interface Proc {
  readonly child: ChildProcess;
  /** stdout and stderr together, as lines so far. */
  readonly lines: string[];
  text(): string;
  /** Resolves with the first line (from line `from` on) matching `re`; rejects after `timeoutMs` or when the process ends first. */
  waitFor(re: RegExp, timeoutMs: number, from?: number): Promise<RegExpMatchArray>;
  /** Resolves at exit (the process is SIGKILLed at its own deadline: never a hang). */
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; timedOut: boolean }>;
}

/** `node <bin> …args` with a deadline, in the repository root. */
export function runCli(args: string[], timeoutMs: number, env: Record<string, string> = {}): Proc {
  return runProcess(process.execPath, [bin, ...args], timeoutMs, env);
}

export function runProcess(cmd: string, args: string[], timeoutMs: number, env: Record<string, string> = {}): Proc {
  const child = spawn(cmd, args, { cwd: repoRoot, env: { ...process.env, ...env, FORCE_COLOR: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
  spawned.add(child);
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  let partial = { out: '', err: '' };
  const feed = (which: 'out' | 'err') => (chunk: Buffer) => {
    const parts = (partial[which] + chunk.toString('utf8')).split('\n');
    partial[which] = parts.pop()!;
    lines.push(...parts);
    for (const w of waiters) w();
  };
  child.stdout!.on('data', feed('out'));
  child.stderr!.on('data', feed('err'));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, timeoutMs);
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; timedOut: boolean }>((resolve) =>
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (partial.out) lines.push(partial.out);
      if (partial.err) lines.push(partial.err);
      partial = { out: '', err: '' };
      for (const w of waiters) w();
      resolve({ code, signal, timedOut });
    }),
  );
  let ended = false;
  void exit.then(() => (ended = true));
  return {
    child,
    lines,
    text: () => lines.join('\n'),
    exit,
    waitFor(re, ms, from = 0) {
      return new Promise((resolve, reject) => {
        const check = () => {
          for (let i = from; i < lines.length; i++) {
            const m = lines[i]!.match(re);
            if (m) return done(() => resolve(m));
          }
          if (ended || child.exitCode !== null || child.signalCode !== null) done(() => reject(new Error(`the process ended before printing ${re}:\n${lines.slice(-15).join('\n')}`)));
        };
        const t = setTimeout(() => done(() => reject(new Error(`no line matching ${re} within ${ms} ms:\n${lines.slice(-15).join('\n')}`))), ms);
        const done = (f: () => void) => {
          clearTimeout(t);
          waiters.delete(check);
          f();
        };
        waiters.add(check);
        check();
      });
    },
  };
}

/** A port nothing listens on now (on 127.0.0.1). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** Debian's redis-server on 127.0.0.1, persisting to an append-only file in `dir` (so a restart keeps the queue). */
export class RedisServer {
  private proc: Proc | null = null;
  constructor(
    readonly port: number,
    readonly dir: string,
    private readonly extra: string[] = [],
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}/0`;
  }

  async start(): Promise<void> {
    const p = runProcess('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--appendonly', 'yes', '--save', '', '--protected-mode', 'yes', ...this.extra], 600_000);
    this.proc = p;
    await p.waitFor(/Ready to accept connections/, 15_000);
  }

  /** A clean shutdown (SIGTERM: Redis writes its append-only file and exits), awaited. */
  async stop(): Promise<void> {
    if (!this.proc) return;
    this.proc.child.kill('SIGTERM');
    const r = await Promise.race([this.proc.exit, new Promise<null>((res) => setTimeout(() => res(null), 15_000))]);
    if (!r) this.proc.child.kill('SIGKILL');
    this.proc = null;
  }

  /** redis-cli against this server (for a test's own look at the queue). */
  cli(args: string[], password?: string): string {
    const r = spawnSync('redis-cli', ['-p', String(this.port), ...(password ? ['--no-auth-warning', '-a', password] : []), ...args], { encoding: 'utf8', timeout: 10_000 });
    return r.stdout.trim();
  }
}
