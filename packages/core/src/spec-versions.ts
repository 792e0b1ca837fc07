import { DeconattnError } from './errors.js';
import { TOKEN_MIXER_SPEC_VERSION, type TokenMixerDefinition, type TokenMixerDefinitionV1 } from './spec.js';

/**
 * The spec versions this core accepts, oldest first, and the union of their definitions. When a
 * `v2` arrives: add `TokenMixerDefinitionV2` to spec.ts, point the unversioned aliases at it, add
 * it here, and give `upgradeMixerDefinition` a case that wraps a v1 definition (and the
 * `TokenMixerV1` it creates) in the v2 interface. Plugins built for v1 keep registering.
 */
export const SUPPORTED_SPEC_VERSIONS = ['v1'] as const;
export type AnyTokenMixerDefinition<Options = any> = TokenMixerDefinitionV1<Options>;

/** A definition of any supported version, as the current version. */
export function upgradeMixerDefinition<Options>(def: AnyTokenMixerDefinition<Options>): TokenMixerDefinition<Options> {
  switch (def.specificationVersion) {
    case 'v1':
      return def;
    default:
      throw new DeconattnError(
        `Mixer '${(def as { id?: unknown }).id}' implements TokenMixer spec '${String((def as { specificationVersion?: unknown }).specificationVersion)}', but this @deconattn/core supports ${SUPPORTED_SPEC_VERSIONS.map((v) => `'${v}'`).join(', ')} (current '${TOKEN_MIXER_SPEC_VERSION}'). Upgrade the plugin or @deconattn/core so they agree.`,
      );
  }
}
