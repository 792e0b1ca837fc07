import { format } from 'node:util';
import { main } from '../../src/program.js';

/**
 * Runs `deconattn <args>` inside this process through the CLI's own entry (`main`, what bin.ts
 * calls), so a thousand invocations cost milliseconds each instead of a Node start-up and a tfjs
 * import each. stdout, stderr and console are captured; process.exit (commander's way out) is
 * turned into an exception carrying the code; an error escaping `main` is what the real binary
 * would print as a stack trace. A run still going after `timeoutMs` is reported as a hang.
 */
export interface InProcessResult {
  code: number;
  stdout: string;
  stderr: string;
  /** An error that escaped main(): the binary prints it with its stack trace. */
  crash?: unknown;
  timedOut: boolean;
}

class ExitCalled extends Error {
  constructor(readonly code: number) {
    super(`process.exit(${code})`);
  }
}

export async function runInProcess(args: string[], timeoutMs = 60_000): Promise<InProcessResult> {
  const out: string[] = [];
  const err: string[] = [];
  const saved = {
    exit: process.exit,
    exitCode: process.exitCode,
    log: console.log,
    info: console.info,
    warn: console.warn,
    error: console.error,
    stdoutWrite: process.stdout.write,
    stderrWrite: process.stderr.write,
  };
  process.exitCode = undefined;
  process.exit = ((code?: number) => {
    throw new ExitCalled(code ?? 0);
  }) as typeof process.exit;
  console.log = console.info = (...a: unknown[]) => void out.push(format(...a) + '\n');
  console.warn = console.error = (...a: unknown[]) => void err.push(format(...a) + '\n');
  process.stdout.write = ((chunk: unknown) => (out.push(String(chunk)), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: unknown) => (err.push(String(chunk)), true)) as typeof process.stderr.write;
  let code = 0;
  let crash: unknown;
  let timer: NodeJS.Timeout | undefined;
  try {
    const outcome = await Promise.race([
      main(['node', 'deconattn', ...args]).then(() => 'done' as const),
      new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs))),
    ]);
    if (outcome === 'timeout') return { code: -1, stdout: out.join(''), stderr: err.join(''), timedOut: true };
    code = typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof ExitCalled) code = e.code;
    else {
      crash = e;
      code = 1;
    }
  } finally {
    clearTimeout(timer);
    process.exit = saved.exit;
    process.exitCode = saved.exitCode;
    console.log = saved.log;
    console.info = saved.info;
    console.warn = saved.warn;
    console.error = saved.error;
    process.stdout.write = saved.stdoutWrite;
    process.stderr.write = saved.stderrWrite;
  }
  return { code, stdout: out.join(''), stderr: err.join(''), crash, timedOut: false };
}

/** What the bad-input promise asks of one invocation; empty when it holds. */
export function badInputProblems(r: { code: number | null; stderr: string; timedOut: boolean; crash?: unknown }, culprit?: string): string[] {
  const problems: string[] = [];
  if (r.timedOut) return ['it did not end (hang)'];
  if (r.crash !== undefined) problems.push(`an error escaped with a stack trace: ${String((r.crash as Error)?.stack ?? r.crash).split('\n').slice(0, 3).join(' | ')}`);
  if (r.code === 0) problems.push('it exited 0');
  const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
  if (r.crash === undefined && lines.length !== 1) problems.push(`stderr has ${lines.length} lines: ${JSON.stringify(r.stderr.slice(0, 300))}`);
  if (/^\s+at .+:\d+:\d+\)?$/m.test(r.stderr)) problems.push('stderr holds a stack trace');
  if (lines.length === 1 && !lines[0]!.startsWith('deconattn: ')) problems.push(`the message does not start with 'deconattn: ': ${lines[0]}`);
  if (culprit !== undefined && lines.length === 1 && !lines[0]!.includes(culprit)) problems.push(`the message does not name ${JSON.stringify(culprit)}: ${lines[0]}`);
  return problems;
}
