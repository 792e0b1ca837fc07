// A study spread over machines: BullMQ on Redis carries the jobs, a shared store the files.
export { runQueuedStudy, studyFlow, type QueuedStudyOptions, type QueuedStudyEvent } from './coordinator.js';
export { startStudyWorker, type StudyWorker, type StudyWorkerOptions } from './worker.js';
export { jobContext, jobRunner, defaultWorkerId, type JobProgress, type TrainOutcome } from './jobs.js';
export { DirStore, checkStoreKey, type Store } from './store.js';
export { QUEUE_FORMAT, DEFAULT_QUEUE_NAME, jobIds, jobPayloadSchema, studyKey, studySettings, studySettingsSchema, type JobPayload, type JobKind, type StudySettings } from './format.js';
export { parseRedisUrl, redactRedisUrl, redactText, type RedisTarget } from './redis-url.js';
export { reachRedis, claimQueueFormat, formatKey } from './connection.js';
