import { DeconattnError, isVersionBefore } from '@deconattn/core';

/**
 * `paper` (default): Eq. 14–17 of the paper's Appendix I, three separately normalised terms.
 * `based`: Based's Taylor kernel `1 + s + s²/2` under one normalisation (the default before 0.2.0,
 * then called `full`). `diag`: an earlier reading with elementwise squares under one normalisation;
 * it matches neither the paper nor Based and is no longer offered, but checkpoints saved with it
 * still load (`loadOptions`).
 */
export type ApproximateKernel = 'paper' | 'based' | 'diag';

export interface ApproximateAttentionOptions {
  kernel: ApproximateKernel;
}

export const DEFAULTS: ApproximateAttentionOptions = { kernel: 'paper' };

/** Defaults of the releases before 0.2.0: checkpoints they wrote that lack an option meant these. */
const DEFAULTS_BEFORE_0_2_0 = { kernel: 'full' };

/** Names a checkpoint may hold for a kernel, mapped to today's (0.1.x called Based's form `full`). */
const RECORDED_KERNELS: Record<string, ApproximateKernel> = { paper: 'paper', based: 'based', full: 'based', diag: 'diag' };

function checkObject(raw: unknown): Record<string, unknown> {
  if (raw !== undefined && raw !== null && (typeof raw !== 'object' || Array.isArray(raw))) {
    throw new DeconattnError(`approximate: options must be an object like {"kernel": "paper"}, got ${JSON.stringify(raw)}.`);
  }
  const o = (raw ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!(key in DEFAULTS)) throw new DeconattnError(`approximate: unknown option '${key}'. Options: ${Object.keys(DEFAULTS).join(', ')}.`);
  }
  return o;
}

/** Options as a user gives them: `paper` or `based`. */
export function parseApproximateOptions(raw: unknown): ApproximateAttentionOptions {
  const kernel: unknown = { ...DEFAULTS, ...checkObject(raw) }.kernel;
  if (kernel === 'paper' || kernel === 'based') return { kernel };
  const why =
    kernel === 'full'
      ? ` ('full' is now called 'based')`
      : kernel === 'diag'
        ? ` ('diag' matches neither the paper nor Based; it is kept only so that checkpoints saved with it load)`
        : '';
  throw new DeconattnError(`approximate: option 'kernel' must be 'paper' (Eq. 14–17 of the paper, the default) or 'based' (1 + s + s²/2, Based's form), got ${JSON.stringify(kernel)}${why}.`);
}

/**
 * Options as a checkpoint recorded them: a missing kernel takes the default of the version that
 * wrote it, `full` is read as `based`, and `diag` is accepted.
 */
export function loadApproximateOptions(recorded: unknown, recordedVersion: string): ApproximateAttentionOptions {
  const old = isVersionBefore(recordedVersion, '0.2.0') ? DEFAULTS_BEFORE_0_2_0 : DEFAULTS;
  const o = { ...old, ...checkObject(recorded) };
  const kernel = typeof o.kernel === 'string' ? RECORDED_KERNELS[o.kernel] : undefined;
  if (!kernel) throw new DeconattnError(`approximate: the checkpoint records kernel ${JSON.stringify(o.kernel)}, which no version of this mixer had (paper, based, or the older full and diag).`);
  return { kernel };
}
