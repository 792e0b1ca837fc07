import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic as writeAtomic } from '@deconattn/hybrid/node';
import { renderStudyReport, renderTable1 } from '../report/index.js';
import type { StudyResults } from './types.js';

/**
 * The study's outputs in one directory: results.json (every number, every run's config, seeds,
 * durations, backend), table.md (the paper's Table 1 shape) and report.html (self-contained).
 */
export async function writeStudyOutputs(out: string, results: StudyResults): Promise<{ json: string; table: string; report: string }> {
  fs.mkdirSync(out, { recursive: true });
  const json = path.join(out, 'results.json');
  const table = path.join(out, 'table.md');
  const report = path.join(out, 'report.html');
  writeAtomic(json, JSON.stringify(results, null, 1) + '\n');
  writeAtomic(table, renderTable1(results) + '\n');
  writeAtomic(report, await renderStudyReport(results));
  return { json, table, report };
}
