// create-deconattn-mixer: scaffolds a deconattn token-mixer plugin package (see README.md).
export { scaffold, fillTemplate, placeholders, RENAMED, TEMPLATE_DIR, type ScaffoldOptions, type ScaffoldResult } from './scaffold.js';
export { mixerNames, mixerIdFromPackage, checkMixerId, checkPackageName, MIXER_ID_PATTERN, ScaffoldError, type MixerNames } from './names.js';
export { DECONATTN_RANGES } from './versions.js';
export { main, USAGE } from './main.js';
