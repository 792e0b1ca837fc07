import type { Command } from 'commander';

/** Commands contributed by other modules (eval, finetune, analyze, study) register here. */
export const extraCommands: ((program: Command) => void)[] = [];
