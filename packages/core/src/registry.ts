import picomatch from 'picomatch';
import { MIXER_ROLES, type TokenMixerDefinition } from './spec.js';
import { upgradeMixerDefinition, type AnyTokenMixerDefinition } from './spec-versions.js';
import { DeconattnError, UnknownMixerError, didYouMean } from './errors.js';

/**
 * The mixer registry: string ids, kept on the global object (like tfjs-core's kernel registry)
 * so that two copies of @deconattn/core in one process share it. Registering the same definition
 * twice is harmless; a different definition under a taken id is an error unless overridden.
 */
type Loader = () => Promise<unknown>;

interface RegistryState {
  mixers: Map<string, TokenMixerDefinition>;
  loaders: Map<string, { packageName: string; load: Loader }>;
  /** Known providers: id → npm package, for helpful errors before a plugin is installed. */
  providers: Map<string, string>;
}

const GLOBAL_KEY = Symbol.for('@deconattn/core/registry@1');

function state(): RegistryState {
  const g = globalThis as unknown as Record<symbol, RegistryState | undefined>;
  let s = g[GLOBAL_KEY];
  if (!s) {
    s = { mixers: new Map(), loaders: new Map(), providers: new Map() };
    g[GLOBAL_KEY] = s;
  }
  return s;
}

export interface RegisterOptions {
  /** Replace a different mixer already registered under the same id. */
  override?: boolean;
}

const ID_PATTERN = /^[a-z0-9][a-z0-9._%-]*$/;

/** Same mixer = same id, package and version (two copies of one plugin are the same mixer). */
function sameMixer(a: TokenMixerDefinition, b: TokenMixerDefinition): boolean {
  return a === b || (a.id === b.id && a.packageName === b.packageName && a.packageVersion === b.packageVersion);
}

export function registerMixer(definition: AnyTokenMixerDefinition, opts: RegisterOptions = {}): void {
  if (!definition || typeof definition !== 'object') throw new DeconattnError('registerMixer expects a TokenMixerDefinition object.');
  const def = upgradeMixerDefinition(definition);
  if (typeof def.id !== 'string' || !ID_PATTERN.test(def.id)) {
    throw new DeconattnError(`Invalid mixer id '${String(def.id)}': use lower-case letters, digits, '.', '_', '%' and '-', starting with a letter or digit.`);
  }
  if (!MIXER_ROLES.includes(def.role)) {
    throw new DeconattnError(`Mixer '${def.id}' has role ${JSON.stringify(def.role)}: a definition's role is 'baseline' (the reference mixer, e.g. standard attention) or 'relaxed'.`);
  }
  const s = state();
  const existing = s.mixers.get(def.id);
  if (existing && !sameMixer(existing, def) && !opts.override) {
    throw new DeconattnError(
      `A different mixer is already registered as '${def.id}' (from ${existing.packageName}@${existing.packageVersion}); ` +
        `${def.packageName}@${def.packageVersion} cannot take its id. Pick another id, or pass { override: true } to replace it.`,
    );
  }
  if (!existing || opts.override) s.mixers.set(def.id, def);
  s.providers.set(def.id, def.packageName);
}

/** Register a mixer lazily: `load` (e.g. a dynamic import of its package) runs on first use. */
export function registerMixerLoader(id: string, packageName: string, load: Loader): void {
  const s = state();
  if (!s.mixers.has(id)) s.loaders.set(id, { packageName, load });
  s.providers.set(id, packageName);
}

/**
 * Records which package provides `id` without loading it, so that using the id before the package
 * is imported says what to install (a package listing a family of mixers registers them all).
 */
export function registerMixerProvider(id: string, packageName: string): void {
  const s = state();
  if (!s.mixers.has(id)) s.providers.set(id, packageName);
}

export function unregisterMixer(id: string): boolean {
  const s = state();
  s.loaders.delete(id);
  return s.mixers.delete(id);
}

export function hasMixer(id: string): boolean {
  return state().mixers.has(id);
}

function unknown(id: string): UnknownMixerError {
  const s = state();
  const registered = [...s.mixers.keys()].sort();
  const all = [...new Set([...registered, ...s.loaders.keys(), ...s.providers.keys()])];
  const providedBy = s.mixers.has(id) ? undefined : s.providers.get(id);
  return new UnknownMixerError(id, registered, providedBy ? undefined : didYouMean(id, all), providedBy);
}

/** The definition registered under `id`; throws UnknownMixerError (listing ids, closest match, provider). */
export function getMixer(id: string): TokenMixerDefinition {
  const def = state().mixers.get(id);
  if (!def) throw unknown(id);
  return def;
}

/** As getMixer, but first runs a lazy loader registered for `id`. */
export async function resolveMixer(id: string): Promise<TokenMixerDefinition> {
  const s = state();
  if (!s.mixers.has(id)) {
    const loader = s.loaders.get(id);
    if (loader) {
      await loader.load();
      s.loaders.delete(id);
    }
  }
  return getMixer(id);
}

/** Registered mixers whose id matches any `include` glob and no `exclude` glob (timm-style). */
export function listMixers(include: string | string[] = '*', exclude: string | string[] = []): TokenMixerDefinition[] {
  const inc = picomatch(include);
  const exc = [exclude].flat().length ? picomatch(exclude) : () => false;
  return [...state().mixers.values()].filter((d) => inc(d.id) && !exc(d.id)).sort((a, b) => a.id.localeCompare(b.id));
}

/** The package known to provide `id` (registered, lazily registered, or announced by registerMixerProvider). */
export function mixerProvider(id: string): string | undefined {
  return state().providers.get(id);
}
