import { loadCourse, type Course } from '../course/course.js';
import { log } from '../core/log.js';
import type { PipelineDeps } from '../pipeline/pipeline.js';
import { createQueues, type Queues } from '../queue/queues.js';
import type { Workers } from '../queue/workers.js';
import { LazyStore } from '../store/lazy-store.js';
import { webEnv, workerEnv } from './config.js';
import { connectProducer } from './redis-connections.js';
import { startWebSide } from './start-web-side.js';
import { startWorkerSide } from './start-worker-side.js';

export interface StartOptions {
  web: boolean;
  worker: boolean;
  env?: NodeJS.ProcessEnv;
  /** Tests: shorter job locks (stalled-job recovery) and retry delays. */
  lockDurationMs?: number;
  retryAfterBaseValue?: number;
}

export interface AppHandle {
  port?: number;
  /** A worker-only process's health port, when WORKER_HEALTH_PORT is set. */
  healthPort?: number;
  course: Course;
  queues: Queues;
  workers?: Workers;
  pipeline?: PipelineDeps;
  store: LazyStore;
  close(): Promise<void>;
}

/**
 * Starts the web side, the worker side, or both in one process. Everything is validated
 * before anything listens: a bad environment, course file, assignment or template stops
 * start-up with a message that names it.
 */
export async function startApp(o: StartOptions): Promise<AppHandle> {
  const env = o.env ?? process.env;
  const web = o.web ? webEnv(env) : undefined;
  const worker = o.worker ? workerEnv(env) : undefined;
  const base = (web ?? worker)!;
  const course = await loadCourse(base.COURSE_FILE);

  const store = new LazyStore({ env: base.DATABASE_URL ? { DATABASE_URL: base.DATABASE_URL } : {} });
  const producer = await connectProducer(base.REDIS_URL);
  const queues = createQueues(producer, base.QUEUE_PREFIX, web ? { ackAfterMs: web.ACK_AFTER_MS } : {});
  const workerSide = worker
    ? await startWorkerSide(worker, course, store, {
        health: !web,
        ...(o.lockDurationMs !== undefined ? { lockDurationMs: o.lockDurationMs } : {}),
        ...(o.retryAfterBaseValue !== undefined ? { retryAfterBaseValue: o.retryAfterBaseValue } : {}),
      })
    : undefined;
  const webSide = web
    ? await startWebSide(
        web,
        course,
        queues,
        producer,
        workerSide ? Promise.resolve(workerSide.pipeline.predictor !== null) : undefined,
        store,
      )
    : undefined;

  return {
    ...(webSide ? { port: webSide.port } : {}),
    ...(workerSide?.healthPort !== undefined ? { healthPort: workerSide.healthPort } : {}),
    course,
    queues,
    store,
    ...(workerSide ? { workers: workerSide.workers, pipeline: workerSide.pipeline } : {}),
    async close() {
      // stop taking webhooks, finish the requests in flight, then the jobs in flight
      await webSide?.close();
      await workerSide?.close();
      await queues.close();
      producer.disconnect();
      await store.close();
      log('stopped');
    },
  };
}
