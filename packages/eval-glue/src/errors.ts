import { DeconattnError } from '@deconattn/core';

/** A data file that is missing or does not have the expected format: names the file, the line and what was expected. */
export class DataFileError extends DeconattnError {
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    readonly problem: string,
    readonly expected: string,
  ) {
    super(`${file}${line !== undefined ? `, line ${line}` : ''}: ${problem}. Expected ${expected}.`);
    this.name = 'DataFileError';
  }
}

/** A task definition (tasks/*.json) that the interpreter cannot run. */
export class TaskSpecError extends DeconattnError {
  constructor(
    readonly task: string,
    problem: string,
  ) {
    super(`Task '${task}': ${problem}`);
    this.name = 'TaskSpecError';
  }
}
