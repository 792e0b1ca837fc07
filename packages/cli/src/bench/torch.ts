import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** PyTorch's figure for one model: the best thread split and every split tried. */
export interface TorchResult {
  tokensPerSec: number;
  msPerStep: number;
  blasThreads: number;
  torchThreads: number;
  /** Trainable parameters of PyTorch's model: equal to ours when it is the same model. */
  params: number;
  torchVersion: string;
  python: string;
  splits: { blasThreads: number; torchThreads: number; tokensPerSec: number }[];
}

/** Where bench_torch.py lives: `scripts/` beside `dist/` in the installed package. */
export function torchScriptPath(): string {
  return fileURLToPath(new URL('../scripts/bench_torch.py', import.meta.url));
}

/**
 * A python that imports torch: the one asked for, else Debian's own /usr/bin/python3 (where
 * python3-torch installs; the first python3 on PATH may be another), else python3 on PATH.
 */
export function findTorchPython(requested?: string): { python?: string; why: string } {
  const candidates = requested ? [requested] : ['/usr/bin/python3', 'python3'];
  for (const py of candidates) {
    const r = spawnSync(py, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8', timeout: 60_000 });
    if (r.status === 0) return { python: py, why: `torch ${r.stdout.trim()}` };
  }
  return {
    why: requested
      ? `${requested} cannot import torch`
      : 'no python3 with torch found (Debian: apt-get install python3-torch libopenblas0-pthread, which install into /usr/bin/python3)',
  };
}

export interface TorchRunOptions {
  python: string;
  /** A deconattn config.json (Qwen2 names + the `deconattn` section). */
  config: Record<string, unknown>;
  batchSize: number;
  seqLen: number;
  steps: number;
  lr: number;
  weightDecay: number;
  splits: string;
  timeoutMs: number;
}

/** Runs bench_torch.py on the same config.json; null with the reason when the mixer has no PyTorch version. */
export function runTorchBench(o: TorchRunOptions): { result?: TorchResult; error?: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deconattn-bench-'));
  try {
    const file = path.join(dir, 'config.json');
    fs.writeFileSync(file, JSON.stringify(o.config, null, 2) + '\n');
    const args = [torchScriptPath(), '--config', file, '--batch', String(o.batchSize), '--seq', String(o.seqLen), '--steps', String(o.steps), '--lr', String(o.lr), '--weight-decay', String(o.weightDecay), '--splits', o.splits];
    const r = spawnSync(o.python, args, { encoding: 'utf8', timeout: o.timeoutMs, maxBuffer: 1 << 24 });
    if (r.error) return { error: `bench_torch.py did not finish: ${r.error.message}` };
    if (r.status !== 0) return { error: (r.stderr.trim().split('\n').pop() ?? `exit ${r.status}`).replace(/^bench_torch: /, '') };
    const j = JSON.parse(r.stdout.trim().split('\n').pop()!);
    return { result: { ...j.best, torchVersion: j.torchVersion, python: j.python, splits: j.splits } };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
