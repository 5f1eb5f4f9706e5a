import { Redis } from 'ioredis';
import { log } from '../core/log.js';

/** One log line per change of error, not one per reconnection attempt. */
function logErrors(conn: Redis, connection: string): void {
  let last = '';
  conn.on('error', (err: Error) => {
    if (err.message !== last) log('redis-error', { error: err.message, connection });
    last = err.message;
  });
  conn.on('ready', () => (last = ''));
}

/**
 * The producer (the web side's connection) fails fast when Redis is down: the webhook gets
 * a 503 and GitHub can redeliver it. It does not wait for Redis at start-up either.
 */
export async function connectProducer(url: string): Promise<Redis> {
  const conn = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: true });
  logErrors(conn, 'producer');
  await conn.connect().catch((err: Error) => log('redis-unavailable', { error: err.message }));
  return conn;
}

/** Workers wait for Redis to come back, as BullMQ requires (no per-request retry limit). */
export function connectWorker(url: string): Redis {
  const conn = new Redis(url, { maxRetriesPerRequest: null });
  logErrors(conn, 'worker');
  return conn;
}
