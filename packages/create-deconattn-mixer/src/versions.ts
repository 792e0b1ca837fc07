// The deconattn packages a scaffold depends on, at the versions published with this one (read at
// build time: tsup inlines these files, so the published scaffolder needs no workspace).
import core from '../../core/package.json';
import testkit from '../../testkit/package.json';
import cli from '../../cli/package.json';

export const DECONATTN_RANGES = {
  core: `^${core.version}`,
  testkit: `^${testkit.version}`,
  cli: `^${cli.version}`,
} as const;
