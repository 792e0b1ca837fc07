import { DeconattnError } from '@deconattn/core';

/** How one generator parameter is checked. */
export interface ParamRule {
  /** Smallest allowed value (inclusive). */
  min: number;
  /** Largest allowed value (inclusive); defaults to no bound. */
  max?: number;
  /** Whole numbers only (default true). */
  integer?: boolean;
  /** Used when the rung leaves the parameter out. */
  default?: number;
}

/**
 * Reads a rung's parameters against the generator's rules: unknown names, missing values,
 * non-numbers and out-of-range values are one-line errors that list what is accepted.
 */
export function readParams<P extends Record<string, number>>(task: string, raw: Record<string, unknown>, rules: Record<keyof P & string, ParamRule>): P {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new DeconattnError(`Task '${task}': parameters must be an object like {"seqLen": 32}, got ${JSON.stringify(raw)}.`);
  const names = Object.keys(rules);
  for (const k of Object.keys(raw)) {
    if (!names.includes(k)) throw new DeconattnError(`Task '${task}': unknown parameter '${k}'. Parameters: ${names.join(', ')}.`);
  }
  const out: Record<string, number> = {};
  for (const name of names) {
    const rule = rules[name as keyof P & string];
    const v = raw[name] ?? rule.default;
    if (v === undefined) throw new DeconattnError(`Task '${task}': parameter '${name}' is missing. Parameters: ${names.join(', ')}.`);
    const integer = rule.integer ?? true;
    const range = `${integer ? 'an integer' : 'a number'} ≥ ${rule.min}${rule.max !== undefined ? ` and ≤ ${rule.max}` : ''}`;
    if (typeof v !== 'number' || !Number.isFinite(v) || (integer && !Number.isInteger(v)) || v < rule.min || (rule.max !== undefined && v > rule.max)) {
      throw new DeconattnError(`Task '${task}': parameter '${name}' must be ${range}, got ${JSON.stringify(v)}.`);
    }
    out[name] = v;
  }
  return out as P;
}

/** Throws the task's one-line error unless `ok`. */
export function ensure(task: string, ok: boolean, message: string): void {
  if (!ok) throw new DeconattnError(`Task '${task}': ${message}`);
}
