import { spawn } from 'node:child_process';

/**
 * Runs a command with a time limit and an environment free of the workspace's: pnpm and npm
 * scripts export npm_config_* (registry, store, user config) and NODE_PATH, which would let a
 * "fresh" install or a publish see the monorepo. Output is captured; a failure or timeout throws
 * with the command, its exit and the tail of its output.
 */
export interface RunOptions {
  cwd: string;
  env?: Record<string, string>;
  timeoutMs?: number;
  /** Print output as it comes (long steps). */
  echo?: boolean;
}

export interface RunResult {
  stdout: string;
  stderr: string;
  seconds: number;
}

export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || /^(npm_|pnpm_|PNPM_|NODE_PATH$|NODE_OPTIONS$|INIT_CWD$|VITEST|TURBO_)/i.test(k)) continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

export async function run(cmd: string, args: string[], opts: RunOptions): Promise<RunResult> {
  const t0 = performance.now();
  const limit = opts.timeoutMs ?? 300_000;
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: cleanEnv(opts.env), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
      if (opts.echo) process.stdout.write(d);
    });
    child.stderr.on('data', (d) => {
      stderr += d;
      if (opts.echo) process.stderr.write(d);
    });
    // The whole process group: npx and npm start children of their own.
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {}
    }, limit);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const seconds = (performance.now() - t0) / 1000;
      if (code === 0) return resolve({ stdout, stderr, seconds });
      const why = signal ? `was killed (${signal}${signal === 'SIGKILL' ? `, over ${limit / 1000} s` : ''})` : `exited ${code}`;
      reject(new Error(`\`${cmd} ${args.join(' ')}\` in ${opts.cwd} ${why} after ${seconds.toFixed(1)} s:\n${(stdout + stderr).slice(-3000)}`));
    });
  });
}
