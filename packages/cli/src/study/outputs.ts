import * as fs from 'node:fs';
import * as path from 'node:path';
import type { StudyResults } from './types.js';

/** results.json (every number) next to the per-run directories; returns the files written. */
export function writeStudyOutputs(out: string, results: StudyResults): string[] {
  fs.mkdirSync(out, { recursive: true });
  const file = path.join(out, 'results.json');
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, JSON.stringify(results, null, 1) + '\n');
  fs.renameSync(tmp, file);
  return [file];
}
