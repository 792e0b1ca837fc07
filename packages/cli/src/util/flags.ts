import { DeconattnError, UnknownMixerError } from '@deconattn/core';

/**
 * Library errors name options (`option 'seqLen'`); people at the command line set flags. This
 * maps the one to the other in an error's message: camelCase → --kebab-case, except where the
 * flag is named differently from the option.
 */
const RENAMED: Record<string, string> = {
  outDir: '--out',
  accumSteps: '--accum',
  dataDir: '--data-dir',
  plugin: '--plugin',
  plugins: '--plugin',
  suites: '--suite',
  synthetic: 'the --synthetic-* flags',
};

export function flagFor(option: string): string {
  return RENAMED[option] ?? `--${option.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** An error's message for the command line: options become flags, plugins become --plugin. */
export function cliMessage(e: DeconattnError): string {
  let message = withFlagNames(e.message);
  if (e instanceof UnknownMixerError) {
    if (e.providedBy) message = message.replace('(or load it as a plugin)', `(or pass --plugin ${e.providedBy})`);
    else message += ` A mixer from a plugin loads with --plugin <package-or-path>; an installed package is found without it when its package.json declares the mixer ("deconattn": {"mixers": ["${e.id}"]}). \`deconattn mixers\` lists what is found.`;
  }
  return message;
}

/**
 * `… training option 'seqLen' …` → `… --seq-len …`. Only options qualified as the study's, a
 * training run's or an evaluation's are flags; a mixer's `option 'seed'` stays as it is.
 */
export function withFlagNames(message: string): string {
  return message.replace(/\b(?:[Ss]tudy|[Tt]raining|[Ee]valuation|[Qq]ueue|[Ww]orker) option '([a-z][A-Za-z0-9]*)'/g, (_, name: string) => flagFor(name));
}
