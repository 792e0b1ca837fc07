import { Redis } from 'ioredis';
import { DeconattnError } from '@deconattn/core';
import { QUEUE_FORMAT } from './format.js';
import { redactText, type RedisTarget } from './redis-url.js';

/**
 * A connection for BullMQ: ioredis built from the URL (user, password, database; `rediss://`
 * turns TLS on), retrying for ever once it is up (a restarted Redis is waited for, not fatal).
 * Before any of that `reachRedis` checks, with a deadline, that the server answers at all.
 */
export function redisConnection(target: RedisTarget): Redis {
  const client = new Redis(target.url, { maxRetriesPerRequest: null, enableReadyCheck: true, retryStrategy: (times) => Math.min(200 * times, 2000) });
  // ioredis reports lost connections as 'error' events; without a listener Node would print them
  // with their stack. Reconnection is automatic; the reason goes to the caller's log, redacted.
  client.on('error', () => {});
  return client;
}

/** Connects once (no retries) and pings, so that a wrong URL or password fails in one line instead of hanging. */
export async function reachRedis(target: RedisTarget, timeoutMs = 10_000): Promise<void> {
  const probe = new Redis(target.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: timeoutMs, enableOfflineQueue: false });
  let lastError = '';
  probe.on('error', (e: Error) => (lastError = e.message));
  try {
    await probe.connect();
    await probe.ping();
  } catch (e) {
    // A refused login closes the connection: the server's own words come as an 'error' event.
    const first = (e as Error).message;
    const why = (lastError && (!first || /connection is closed/i.test(first)) ? lastError : first || lastError || 'no answer').replace(/\.+$/, '');
    throw new DeconattnError(`Cannot use Redis at ${target.redacted}: ${redactText(why, target)}. Check queue option 'queue' (host, port, password, rediss:// for TLS) and that the server is running.`);
  } finally {
    probe.disconnect();
  }
}

/** Where the queue's study format is recorded: beside BullMQ's own keys for the queue. */
export const formatKey = (queueName: string, prefix = 'bull') => `${prefix}:${queueName}:deconattn-format`;

/**
 * Records this program's study format on the queue, or refuses a queue that holds another
 * (a worker or coordinator of another version would misread its jobs).
 */
export async function claimQueueFormat(client: Redis, queueName: string, role: 'coordinator' | 'worker'): Promise<void> {
  const key = formatKey(queueName);
  if (role === 'coordinator') await client.setnx(key, QUEUE_FORMAT);
  const existing = await client.get(key);
  if (existing !== null && existing !== QUEUE_FORMAT) {
    throw new DeconattnError(`Queue '${queueName}' holds studies of format '${existing}', and this ${role} understands '${QUEUE_FORMAT}' only: use the same deconattn version everywhere, or another queue (queue option 'queueName').`);
  }
}
