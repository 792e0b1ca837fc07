import fc from 'fast-check';
import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { intArg, nonNegativeArg, positiveArg } from '../src/program-options.js';

/**
 * Option parsing (fast-check): every numeric parser either returns a value inside its domain or
 * refuses with commander's InvalidArgumentError naming the option and the text given — never NaN,
 * Infinity, a fraction where an integer is asked, or an unsafe integer.
 */
const SEED = 20251012;
const text = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.integer().map(String),
  fc.double().map(String),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String),
  fc.constantFrom('', ' ', '1e3', '0x10', '0b11', '1_0', ' 7 ', '+5', '-0', 'Infinity', 'NaN', '9007199254740992', '9007199254740991'),
);

function outcome<T>(parse: (v: string) => T, v: string): { value: T } | { error: InvalidArgumentError } {
  try {
    return { value: parse(v) };
  } catch (e) {
    if (!(e instanceof InvalidArgumentError)) throw e;
    return { error: e };
  }
}

describe('numeric option parsers (properties)', () => {
  for (const min of [0, 1, 4]) {
    it(`intArg(min ${min}): a safe integer ≥ ${min} equal to the text's number, or a refusal naming --opt and the text`, () => {
      fc.assert(
        fc.property(text, (v) => {
          const r = outcome(intArg('--opt', min), v);
          if ('value' in r) {
            expect(Number.isSafeInteger(r.value) && r.value >= min).toBe(true);
            expect(r.value).toBe(Number(v));
            expect(v.trim()).not.toBe('');
          } else {
            expect(r.error.message).toContain('--opt');
            expect(r.error.message).toContain(`'${v}'`);
          }
        }),
        { seed: SEED, numRuns: 2000 },
      );
      fc.assert(
        fc.property(fc.integer({ min, max: Number.MAX_SAFE_INTEGER }), (n) => {
          expect(intArg('--opt', min)(String(n))).toBe(n);
        }),
        { seed: SEED, numRuns: 500 },
      );
    });
  }

  it('positiveArg: a finite number > 0, or a refusal; nonNegativeArg: a finite number ≥ 0, or a refusal', () => {
    fc.assert(
      fc.property(text, (v) => {
        const p = outcome(positiveArg('--x'), v);
        if ('value' in p) expect(Number.isFinite(p.value) && p.value > 0).toBe(true);
        else expect(p.error.message).toMatch(/--x must be a positive number/);
        const n = outcome(nonNegativeArg('--y'), v);
        if ('value' in n) expect(Number.isFinite(n.value) && n.value >= 0).toBe(true);
        else expect(n.error.message).toMatch(/--y must be a number ≥ 0/);
      }),
      { seed: SEED, numRuns: 2000 },
    );
  });
});
