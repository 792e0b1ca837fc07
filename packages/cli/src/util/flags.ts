import { DeconattnError, UnknownMixerError } from '@deconattn/core';

/**
 * Library errors name options (`option 'seqLen'`); people at the command line set flags. This
 * maps the one to the other in an error's message: camelCase → --kebab-case, except where the
 * flag is named differently from the option.
 */
const RENAMED: Record<string, string> = {
  outDir: '--out',
  dataDir: '--data-dir',
  plugin: '--plugin',
  plugins: '--plugin',
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
 * `… option 'seqLen' …` → `… --seq-len …` (also "study option", "training option"). A mixer's
 * own options (`sliding-window: option 'window' …`, `x: unknown option 'y'`, from
 * defineMixerOptions) are set in a JSON plan, not by flags, and keep their names.
 */
export function withFlagNames(message: string): string {
  return message.replace(/(?<![a-z0-9._%-]: (?:unknown )?)\b(?:(?:[Ss]tudy|[Tt]raining|[Ee]valuation) )?option '([a-z][A-Za-z0-9]*)'/g, (_, name: string) => flagFor(name));
}
