import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { GitHubClients } from '../github/installation-octokit.js';
import { WriteLimiter } from '../github/write-limiter.js';
import { loadPredictor } from '../model/predictor.js';
import { createPipelineDeps } from '../pipeline/create-deps.js';
import type { PipelineDeps } from '../pipeline/pipeline.js';
import { createQueues, enqueue, type Queues } from '../queue/queues.js';
import { startWorkers, type Workers } from '../queue/workers.js';
import { createWebApp } from '../web/web-app.js';
import { webEnv, workerEnv } from './config.js';
import { loadCourse, type Course } from '../course/course.js';
import { log } from '../core/log.js';

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
  course: Course;
  queues: Queues;
  workers?: Workers;
  pipeline?: PipelineDeps;
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
  const pipeline = worker
    ? await createPipelineDeps({
        ...(course.model ? { modelDir: course.model } : {}),
        ...(course.templates ? { templatesDir: course.templates } : {}),
        ...(course.taxonomy ? { taxonomyFile: course.taxonomy } : {}),
        config: course.feedback,
      })
    : undefined;

  // the producer fails fast when Redis is down (the webhook gets a 503, GitHub can redeliver);
  // workers wait for it to come back
  const producer = new Redis(base.REDIS_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: true });
  let lastRedisError = '';
  producer.on('error', (err: Error) => {
    if (err.message !== lastRedisError) log('redis-error', { error: err.message });
    lastRedisError = err.message;
  });
  producer.on('ready', () => (lastRedisError = ''));
  await producer.connect().catch((err: Error) => log('redis-unavailable', { error: err.message }));
  const queues = createQueues(producer, base.QUEUE_PREFIX, web ? { ackAfterMs: web.ACK_AFTER_MS } : {});

  let workers: Workers | undefined;
  let workerConnection: Redis | undefined;
  if (worker) {
    workerConnection = new Redis(worker.REDIS_URL, { maxRetriesPerRequest: null });
    let lastWorkerError = '';
    workerConnection.on('error', (err) => {
      if (err.message !== lastWorkerError) log('redis-error', { error: err.message, connection: 'worker' });
      lastWorkerError = err.message;
    });
    const limiter = new WriteLimiter(workerConnection, worker.WRITE_LIMITS, worker.QUEUE_PREFIX);
    const github = new GitHubClients({
      appId: worker.APP_ID,
      privateKey: worker.privateKey,
      baseUrl: worker.GITHUB_API_URL,
      limiter,
      ...(o.retryAfterBaseValue !== undefined ? { retryAfterBaseValue: o.retryAfterBaseValue } : {}),
    });
    const workerQueues = createQueues(workerConnection, worker.QUEUE_PREFIX);
    workers = startWorkers({
      connection: workerConnection,
      prefix: worker.QUEUE_PREFIX,
      queues: workerQueues,
      course,
      pipeline: pipeline!,
      github,
      gradeConcurrency: worker.WORKER_CONCURRENCY,
      ackConcurrency: worker.ACK_CONCURRENCY,
      lockDurationMs: o.lockDurationMs ?? worker.WORKER_LOCK_MS,
    });
    const close = workers.close;
    workers.close = async () => {
      await close();
      await workerQueues.close();
    };
    log('worker-started', {
      concurrency: worker.WORKER_CONCURRENCY,
      assignments: course.assignments.map((a) => a.name),
      model: pipeline!.predictor ? pipeline!.predictor.manifest.model.sha256.slice(0, 12) : null,
    });
  }

  let server: http.Server | undefined;
  let port: number | undefined;
  if (web) {
    // a web-only process still reports whether the model it would use loads
    const modelReady = pipeline
      ? Promise.resolve(pipeline.predictor !== null)
      : loadPredictor(course.model).then(
          () => true,
          () => false,
        );
    const app = createWebApp({
      secret: web.WEBHOOK_SECRET,
      course,
      ...(web.APP_ID ? { appId: web.APP_ID } : {}),
      enqueue: (jobs) => enqueue(queues, jobs, producer),
      readiness: async () => {
        const redis = await Promise.race([
          producer.ping().then(() => ({ ok: true })),
          new Promise<{ ok: boolean; detail: string }>((r) =>
            setTimeout(() => r({ ok: false, detail: 'no answer within 1 s' }), 1000),
          ),
        ]).catch((err: Error) => ({ ok: false, detail: err.message }));
        return {
          redis,
          model: (await modelReady) ? { ok: true } : { ok: false, detail: 'the student model did not load' },
        };
      },
    });
    server = http.createServer(app);
    await new Promise<void>((resolve, reject) => {
      server!.once('error', reject);
      server!.listen(web.PORT, () => resolve());
    });
    port = (server.address() as AddressInfo).port;
    log('web-started', { port });
  }

  return {
    ...(port !== undefined ? { port } : {}),
    course,
    queues,
    ...(workers ? { workers } : {}),
    ...(pipeline ? { pipeline } : {}),
    async close() {
      // stop taking webhooks, finish the requests in flight, then the jobs in flight
      if (server) {
        const closed = new Promise<void>((r) => server!.close(() => r()));
        // keep-alive connections become idle once their request is answered: close them as they do
        const sweep = setInterval(() => server!.closeIdleConnections(), 50);
        server.closeIdleConnections();
        await closed;
        clearInterval(sweep);
      }
      if (workers) await workers.close();
      await queues.close();
      producer.disconnect();
      workerConnection?.disconnect();
      log('stopped');
    },
  };
}
