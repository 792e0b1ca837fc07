import { describe, expect, it } from 'vitest';
import { isVersionBefore } from '../src/index.js';

describe('isVersionBefore', () => {
  it('orders major.minor.patch numerically, not as text', () => {
    expect(isVersionBefore('0.1.0', '0.2.0')).toBe(true);
    expect(isVersionBefore('0.1.9', '0.1.10')).toBe(true);
    expect(isVersionBefore('0.10.0', '0.2.0')).toBe(false);
    expect(isVersionBefore('0.2.0', '0.2.0')).toBe(false);
    expect(isVersionBefore('1.0.0', '0.9.9')).toBe(false);
    expect(isVersionBefore('0.2.0-next.1', '0.2.0')).toBe(false); // pre-releases count as their release
  });

  it('names a malformed version', () => {
    expect(() => isVersionBefore('latest', '0.2.0')).toThrow(/'latest' is not a package version/);
  });
});
