import { describe, expect, it } from 'vitest';
import { DeconattnError } from '@deconattn/core';
import { loadStudyQueue } from '../src/util/study-queue.js';

/** Node's own error for a package that is not installed, as `import()` throws it. */
function notFound(pkg: string, importer = '/app/node_modules/@deconattn/cli/dist/bin.js'): Error {
  return Object.assign(new Error(`Cannot find package '${pkg}' imported from ${importer}`), { code: 'ERR_MODULE_NOT_FOUND' });
}

describe('the optional @deconattn/study-queue peer', () => {
  it('missing: one line naming the option and how to install it', async () => {
    const err = await loadStudyQueue('--queue', () => Promise.reject(notFound('@deconattn/study-queue'))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeconattnError);
    const msg = (err as Error).message;
    expect(msg.split('\n')).toHaveLength(1);
    expect(msg).toMatch(/^--queue needs the package @deconattn\/study-queue .*npm install @deconattn\/study-queue/);
  });

  it('a missing dependency of it, or any other failure, is not disguised as a missing install', async () => {
    const bull = notFound('bullmq', '/app/node_modules/@deconattn/study-queue/dist/index.js');
    await expect(loadStudyQueue('worker', () => Promise.reject(bull))).rejects.toBe(bull);
    const other = new SyntaxError('Unexpected token');
    await expect(loadStudyQueue('worker', () => Promise.reject(other))).rejects.toBe(other);
  });

  it('installed (this workspace): the real module with its entry points', async () => {
    const q = await loadStudyQueue('--queue');
    expect(typeof q.runQueuedStudy).toBe('function');
    expect(typeof q.startStudyWorker).toBe('function');
  });
});
