import { DeconattnError } from './errors.js';

/** `major.minor.patch` of a semver string (a pre-release or build suffix is ignored). */
function parts(version: string): [number, number, number] {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(version.trim());
  if (!m) throw new DeconattnError(`'${version}' is not a package version (expected major.minor.patch, e.g. 0.2.0).`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

/**
 * Whether `version` comes before `than` (`major.minor.patch`, pre-releases ignored): mixers use it
 * in `loadOptions` to give a checkpoint the defaults of the release that wrote it.
 */
export function isVersionBefore(version: string, than: string): boolean {
  const a = parts(version);
  const b = parts(than);
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i]! < b[i]!;
  return false;
}
