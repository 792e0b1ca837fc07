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

/** `… option 'seqLen' …` → `… --seq-len …` (also "study option", "training option"). */
export function withFlagNames(message: string): string {
  return message.replace(/\b(?:(?:[Ss]tudy|[Tt]raining|[Ee]valuation) )?option '([a-z][A-Za-z0-9]*)'/g, (_, name: string) => flagFor(name));
}
