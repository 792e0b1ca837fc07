import validate from 'validate-npm-package-name';

/** The names one scaffold uses, all derived from the package name unless given. */
export interface MixerNames {
  /** npm package name, e.g. `deconattn-mixer-decayed-mean` or `@me/decayed-mean`. */
  packageName: string;
  /** Mixer id for plans and checkpoints, e.g. `decayed-mean`. */
  id: string;
  /** PascalCase stem for classes and types, e.g. `DecayedMean` (→ `DecayedMeanMixer`). */
  pascal: string;
  /** camelCase stem for values, e.g. `decayedMean` (→ `decayedMeanMixer`). */
  camel: string;
}

/** The rule @deconattn/core's registry applies to ids. */
export const MIXER_ID_PATTERN = /^[a-z0-9][a-z0-9._%-]*$/;

/** Thrown for bad input: the message says what was wrong and what would be right. */
export class ScaffoldError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScaffoldError';
  }
}

export function checkPackageName(name: string): void {
  const r = validate(name);
  if (!r.validForNewPackages) {
    const why = [...(r.errors ?? []), ...(r.warnings ?? [])].join('; ');
    throw new ScaffoldError(`'${name}' is not a valid name for a new npm package (${why}). Use lower-case letters, digits and '-', e.g. deconattn-mixer-my-idea or @you/my-idea.`);
  }
}

/** `@me/deconattn-mixer-decayed-mean` → `decayed-mean`: the scope and a `deconattn-mixer-` / `deconattn-` prefix go. */
export function mixerIdFromPackage(packageName: string): string {
  const bare = packageName.replace(/^@[^/]+\//, '');
  const id = bare.replace(/^deconattn-mixer-/, '').replace(/^deconattn-/, '').replace(/^mixer-/, '');
  return id === '' ? bare : id;
}

export function checkMixerId(id: string): void {
  if (!MIXER_ID_PATTERN.test(id)) {
    throw new ScaffoldError(`'${id}' is not a valid mixer id: use lower-case letters, digits, '.', '_', '%' and '-', starting with a letter or digit (pass one with --id).`);
  }
  if (id === 'standard') throw new ScaffoldError(`'standard' is the id of standard attention, which every deconattn model has: pick another id (--id).`);
}

function words(id: string): string[] {
  return id.split(/[^a-z0-9]+/).filter(Boolean);
}

export function mixerNames(packageName: string, id = mixerIdFromPackage(packageName)): MixerNames {
  checkPackageName(packageName);
  checkMixerId(id);
  const parts = words(id);
  let pascal = parts.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
  if (!/^[A-Za-z]/.test(pascal)) pascal = `Mixer${pascal}`; // identifiers cannot start with a digit
  const camel = pascal[0]!.toLowerCase() + pascal.slice(1);
  return { packageName, id, pascal, camel };
}
