import { InvalidArgumentError, Option } from 'commander';
import { BACKENDS, defaultBackend } from '@deconattn/hybrid';

export const collect = (v: string, prev: string[] = []) => [...prev, v];

export const backendOption = () => new Option('--backend <name>', 'tfjs backend').choices([...BACKENDS]).default(defaultBackend());
export const pluginOption = () => new Option('--plugin <package-or-path>', 'load a mixer plugin: a package name or a path (repeatable); installed packages whose package.json declares mixers are found without it').argParser(collect);

/**
 * Numeric option parsers: a bad value stops the command before any work, naming the option,
 * what was given and what is allowed (rather than NaN silently flowing into a long run).
 */
export const intArg = (name: string, min = 0) => (v: string) => {
  const n = Number(v);
  if (v.trim() === '' || !Number.isInteger(n) || n < min) {
    throw new InvalidArgumentError(`${name} must be ${min === 0 ? 'a non-negative integer' : min === 1 ? 'a positive integer' : `an integer ≥ ${min}`}, got '${v}'.`);
  }
  return n;
};

export const positiveArg = (name: string) => (v: string) => {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive number, got '${v}'.`);
  return n;
};

export const numberArg = (name: string) => (v: string) => {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`${name} must be a number, got '${v}'.`);
  return n;
};
