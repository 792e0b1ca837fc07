import { afterEach, describe, expect, it } from 'vitest';
import {
  TOKEN_MIXER_SPEC_VERSION,
  UnknownMixerError,
  getMixer,
  hasMixer,
  listMixers,
  registerMixer,
  registerMixerLoader,
  registerMixerProvider,
  resolveMixer,
  unregisterMixer,
  type TokenMixerDefinition,
} from '../src/index.js';

function def(id: string, pkg = '@test/pkg', version = '1.0.0'): TokenMixerDefinition {
  return {
    specificationVersion: TOKEN_MIXER_SPEC_VERSION,
    id,
    role: 'relaxed',
    packageName: pkg,
    packageVersion: version,
    principle: 'test',
    description: 'test mixer',
    decoding: 'none',
    hasAttentionMap: false,
    defaultOptions: {},
    parseOptions: (o) => o ?? {},
    needs: () => ({}),
    create: () => {
      throw new Error('not used');
    },
  };
}

const ids = ['t-alpha', 't-beta', 't-gamma', 'lazy-one'];
afterEach(() => ids.forEach(unregisterMixer));

describe('mixer registry', () => {
  it('registers and returns a mixer by id', () => {
    const d = def('t-alpha');
    registerMixer(d);
    expect(getMixer('t-alpha')).toBe(d);
    expect(hasMixer('t-alpha')).toBe(true);
  });

  it('registering the same mixer twice is harmless, including a duplicate copy of the package', () => {
    registerMixer(def('t-alpha'));
    expect(() => registerMixer(def('t-alpha'))).not.toThrow();
    expect(() => registerMixer(getMixer('t-alpha'))).not.toThrow();
  });

  it('a different mixer under a taken id is an error unless overridden', () => {
    registerMixer(def('t-alpha', '@a/one'));
    expect(() => registerMixer(def('t-alpha', '@b/two'))).toThrow(/already registered as 't-alpha'.*@a\/one.*override/);
    const replacement = def('t-alpha', '@b/two');
    registerMixer(replacement, { override: true });
    expect(getMixer('t-alpha')).toBe(replacement);
  });

  it('is kept on the global object, shared by every copy of the package', () => {
    registerMixer(def('t-beta'));
    const key = Symbol.for('@deconattn/core/registry@1');
    const state = (globalThis as any)[key];
    expect(state.mixers.get('t-beta').id).toBe('t-beta');
  });

  it('rejects a plugin written for another spec version and invalid ids', () => {
    expect(() => registerMixer({ ...def('t-gamma'), specificationVersion: 'v0' as any })).toThrow(/spec 'v0'.*supports 'v1'/);
    expect(() => registerMixer(def('Bad Id'))).toThrow(/Invalid mixer id/);
  });

  it('unknown ids list the registered ids and the closest match', () => {
    registerMixer(def('t-alpha'));
    registerMixer(def('t-beta'));
    let err: unknown;
    try {
      getMixer('t-alpah');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UnknownMixerError);
    expect((err as Error).message).toMatch(/Unknown token mixer 't-alpah'/);
    expect((err as Error).message).toMatch(/Did you mean 't-alpha'/);
    expect((err as Error).message).toMatch(/Registered mixers: .*t-alpha.*t-beta/);
  });

  it('unknown ids name the package that provides them when known, and core knows no mixer by name', () => {
    expect(() => getMixer('approximate-not-installed-here')).toThrow(UnknownMixerError);
    expect(() => getMixer('t-gamma')).not.toThrow(/provided by/);
    registerMixerProvider('t-gamma', '@test/gamma-family');
    expect(() => getMixer('t-gamma')).toThrow(/'t-gamma'\. It is provided by the package '@test\/gamma-family': install it and import it \(or load it as a plugin\)/);
  });

  it('rejects a definition without a valid role', () => {
    expect(() => registerMixer({ ...def('t-gamma'), role: 'other' as any })).toThrow(/role "other".*'baseline'.*'relaxed'/);
    expect(() => registerMixer({ ...def('t-gamma'), role: undefined as any })).toThrow(/role undefined/);
  });

  it('lazy loaders run on first resolve', async () => {
    let loaded = 0;
    registerMixerLoader('lazy-one', '@test/lazy', async () => {
      loaded++;
      registerMixer(def('lazy-one', '@test/lazy'));
    });
    expect(hasMixer('lazy-one')).toBe(false);
    expect(() => getMixer('lazy-one')).toThrow(/@test\/lazy/);
    expect((await resolveMixer('lazy-one')).packageName).toBe('@test/lazy');
    await resolveMixer('lazy-one');
    expect(loaded).toBe(1);
  });

  it('lists mixers with include and exclude globs', () => {
    registerMixer(def('t-alpha'));
    registerMixer(def('t-beta'));
    registerMixer(def('t-gamma'));
    expect(listMixers('t-*').map((d) => d.id)).toEqual(['t-alpha', 't-beta', 't-gamma']);
    expect(listMixers('t-*', '*beta').map((d) => d.id)).toEqual(['t-alpha', 't-gamma']);
    expect(listMixers(['t-a*', 't-g*']).map((d) => d.id)).toEqual(['t-alpha', 't-gamma']);
  });
});

describe('DeconattnError', () => {
  it('is recognised across copies of the package, and subclasses stay distinct', async () => {
    const { DeconattnError, ShapeError } = await import('../src/errors.js');
    const foreign = Object.assign(new Error('from another copy'), { [Symbol.for('@deconattn/core/error')]: true });
    expect(foreign instanceof DeconattnError).toBe(true);
    expect(new ShapeError('x') instanceof DeconattnError).toBe(true);
    expect(new DeconattnError('x') instanceof ShapeError).toBe(false);
    expect(new Error('plain') instanceof DeconattnError).toBe(false);
  });
});
