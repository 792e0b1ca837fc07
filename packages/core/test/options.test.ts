import { describe, expect, it } from 'vitest';
import { defineMixerOptions, optionChecks } from '../src/index.js';

describe('defineMixerOptions', () => {
  const { defaultOptions, parseOptions } = defineMixerOptions(
    'toy',
    { width: 4, kernel: 'full' as 'full' | 'diag', ids: null as number[] | null, frozen: false },
    { width: optionChecks.integer(1), kernel: optionChecks.oneOf(['full', 'diag']), ids: optionChecks.orNull(optionChecks.tokenIds(), 'for none'), frozen: optionChecks.boolean() },
  );

  it('merges over the defaults and copies arrays (no aliasing of the caller\'s input)', () => {
    expect(parseOptions(undefined)).toEqual(defaultOptions);
    expect(parseOptions(null)).toEqual({ width: 4, kernel: 'full', ids: null, frozen: false });
    const ids = [1, 2];
    const o = parseOptions({ width: 8, ids });
    expect(o).toEqual({ width: 8, kernel: 'full', ids: [1, 2], frozen: false });
    ids.push(3);
    expect(o.ids).toEqual([1, 2]);
    expect(parseOptions(JSON.parse(JSON.stringify(o)))).toEqual(o);
  });

  it('names the bad option, what is right, and what was given', () => {
    expect(() => parseOptions(3)).toThrow(/^toy: options must be an object such as \{"width": 4, "kernel": "full", "ids": null, "frozen": false\}, got 3\.$/);
    expect(() => parseOptions([1])).toThrow(/options must be an object/);
    expect(() => parseOptions({ widht: 8 })).toThrow(/^toy: unknown option 'widht'\. Options: width, kernel, ids, frozen\.$/);
    expect(() => parseOptions({ width: 0 })).toThrow(/^toy: option 'width' must be a positive integer, got 0\.$/);
    expect(() => parseOptions({ width: 2.5 })).toThrow(/option 'width' must be a positive integer, got 2\.5/);
    expect(() => parseOptions({ kernel: 'cubic' })).toThrow(/option 'kernel' must be 'full' or 'diag', got "cubic"/);
    expect(() => parseOptions({ ids: [1, -1] })).toThrow(/option 'ids' must be a non-empty list of non-negative integer token ids, or null for none, got \[1,-1\]/);
    expect(() => parseOptions({ frozen: 'yes' })).toThrow(/option 'frozen' must be true or false, got "yes"/);
  });

  it('a mixer without options says so', () => {
    const none = defineMixerOptions('plain', {}, {});
    expect(none.parseOptions({})).toEqual({});
    expect(() => none.parseOptions({ rope: false })).toThrow(/^plain: unknown option 'rope'\. This mixer has no options\.$/);
    expect(() => none.parseOptions('x')).toThrow(/options must be an object \(it has none: \{\}\)/);
  });

  it('integer ranges', () => {
    const seed = optionChecks.integer(0, 2 ** 32);
    expect(seed(0)).toBeUndefined();
    expect(seed(2 ** 32)).toBe('an integer in [0, 2³²)');
    expect(optionChecks.integer(0)(-1)).toBe('a non-negative integer');
    expect(optionChecks.positiveNumber()(Number.NaN)).toBe('a positive number');
  });
});
