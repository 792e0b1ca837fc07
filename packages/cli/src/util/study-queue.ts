import { DeconattnError } from '@deconattn/core';

type StudyQueue = typeof import('@deconattn/study-queue');

/**
 * `@deconattn/study-queue` (BullMQ, ioredis) is an optional peer: most users never queue a
 * study, and its native helper (msgpackr-extract) is one more install-time build for them.
 * `deconattn worker` and `study --queue` load it here and say how to get it when it is missing.
 * Only the package itself missing is an install problem; a dependency missing inside it (whose
 * message names @deconattn/study-queue as the importer) is a broken install and is rethrown.
 */
export async function loadStudyQueue(flag: string, load: () => Promise<StudyQueue> = () => import('@deconattn/study-queue')): Promise<StudyQueue> {
  try {
    return await load();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if ((code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && /(?:package|module) '@deconattn\/study-queue'/.test(String((e as Error).message))) {
      throw new DeconattnError(`${flag} needs the package @deconattn/study-queue (BullMQ on Redis), which is not installed: npm install @deconattn/study-queue (with pnpm, also allow or skip the build of its optional msgpackr-extract).`);
    }
    throw e;
  }
}
