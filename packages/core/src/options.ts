import { DeconattnError } from './errors.js';

/**
 * Checks one option's value: `undefined` when it is valid, otherwise what a valid value is, as
 * the end of "option 'x' must be …" (e.g. `'a positive integer'`).
 */
export type OptionCheck = (value: unknown) => string | undefined;

/** What a definition needs for its options: spread it into the `TokenMixerDefinition`. */
export interface MixerOptionsParser<Options> {
  defaultOptions: Options;
  /** Merges `raw` over the defaults; an unknown option or a bad value is a DeconattnError naming it. */
  parseOptions(raw: unknown): Options;
}

/**
 * The options-parsing every mixer needs, written once: `raw` must be an object (or absent), every
 * key must be one of the defaults' keys, every value passes its check; the result is a fresh
 * object (arrays copied), so options round-trip through JSON and never alias the caller's input.
 *
 * ```ts
 * export const myMixer: TokenMixerDefinition<MyOptions> = {
 *   ...defineMixerOptions('my-mixer', { window: 16 }, { window: optionChecks.integer(1) }),
 *   // id, role, create, …
 * };
 * ```
 */
export function defineMixerOptions<Options extends object>(
  id: string,
  defaults: Options,
  checks: { readonly [K in keyof Options]-?: OptionCheck },
): MixerOptionsParser<Options> {
  const keys = Object.keys(defaults) as (keyof Options & string)[];
  const frozen = Object.freeze({ ...defaults });
  return {
    defaultOptions: frozen,
    parseOptions(raw: unknown): Options {
      if (raw !== undefined && raw !== null && (typeof raw !== 'object' || Array.isArray(raw))) {
        throw new DeconattnError(`${id}: options must be an object ${keys.length ? `such as {${keys.map((k) => `"${k}": ${JSON.stringify(defaults[k])}`).join(', ')}}` : '(it has none: {})'}, got ${JSON.stringify(raw)}.`);
      }
      const merged = { ...defaults, ...((raw as object | null | undefined) ?? {}) } as Record<string, unknown>;
      for (const key of Object.keys(merged)) {
        if (!keys.includes(key as keyof Options & string)) {
          throw new DeconattnError(`${id}: unknown option '${key}'. ${keys.length ? `Options: ${keys.join(', ')}.` : 'This mixer has no options.'}`);
        }
      }
      const out: Record<string, unknown> = {};
      for (const key of keys) {
        const value = merged[key];
        const expected = checks[key](value);
        if (expected !== undefined) throw new DeconattnError(`${id}: option '${key}' must be ${expected}, got ${JSON.stringify(value)?.slice(0, 80)}.`);
        out[key] = Array.isArray(value) ? [...value] : value;
      }
      return out as Options;
    },
  };
}

const isInteger = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

/** Ready-made checks for `defineMixerOptions`; `note` adds a word on what the value means. */
export const optionChecks = {
  boolean: (note = ''): OptionCheck => (v) => (typeof v === 'boolean' ? undefined : `true or false${note}`),
  /** An integer in [min, max). */
  integer: (min = -Infinity, max = Infinity, note = ''): OptionCheck => (v) =>
    isInteger(v) && v >= min && v < max
      ? undefined
      : `${min === 1 && max === Infinity ? 'a positive integer' : min === 0 && max === Infinity ? 'a non-negative integer' : `an integer in [${min}, ${max === 2 ** 32 ? '2³²' : max})`}${note}`,
  positiveNumber: (note = ''): OptionCheck => (v) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? undefined : `a positive number${note}`),
  oneOf: <T>(values: readonly T[], note = ''): OptionCheck => (v) => (values.includes(v as T) ? undefined : `${values.map((x) => JSON.stringify(x).replace(/"/g, "'")).join(' or ')}${note}`),
  nonEmptyString: (note = ''): OptionCheck => (v) => (typeof v === 'string' && v !== '' ? undefined : `a non-empty string${note}`),
  /** A non-empty list of integers ≥ 0 (token ids). */
  tokenIds: (note = ''): OptionCheck => (v) => (Array.isArray(v) && v.length > 0 && v.every((x) => isInteger(x) && x >= 0) ? undefined : `a non-empty list of non-negative integer token ids${note}`),
  /** `check`, or null with the meaning given. */
  orNull: (check: OptionCheck, meaningOfNull: string): OptionCheck => (v) => {
    if (v === null) return undefined;
    const expected = check(v);
    return expected === undefined ? undefined : `${expected}, or null ${meaningOfNull}`;
  },
} as const;
