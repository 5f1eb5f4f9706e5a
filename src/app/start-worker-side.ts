import type { Course } from '../course/course.js';
import { log } from '../core/log.js';
import { GitHubClients } from '../github/installation-octokit.js';
import { WriteLimiter } from '../github/write-limiter.js';
import { createPipelineDeps, watchServingModel } from '../pipeline/create-deps.js';
import { SERVING_ALIAS } from '../model/registry.js';
import type { PipelineDeps } from '../pipeline/pipeline.js';
import { createQueues } from '../queue/queues.js';
import { RedisReportCache } from '../queue/redis-report-cache.js';
import { startWorkers, type Workers } from '../queue/workers.js';
import { sandboxFromEnv, type WorkerEnv } from './config.js';
import type { LazyStore } from '../store/lazy-store.js';
import { listen, type Listening } from './http-server.js';
import { connectWorker } from './redis-connections.js';

export interface WorkerSideOptions {
  /** Tests: shorter job locks (stalled-job recovery) and retry delays. */
  lockDurationMs?: number;
  retryAfterBaseValue?: number;
  /** Answer GET /healthz on WORKER_HEALTH_PORT (a process without the web side). */
  health: boolean;
}

export interface WorkerSide {
  workers: Workers;
  pipeline: PipelineDeps;
  healthPort?: number;
  close(): Promise<void>;
}

/** The grading side: the pipeline, GitHub clients sharing one write budget, the workers. */
const HOUR = 3_600_000;

/** Sources past the course's keep_sources_days are purged once an hour, as are expired sessions and claims. */
function startRetention(store: LazyStore, course: Course): NodeJS.Timeout {
  const purge = () =>
    void store
      .use(async (s) => {
        await s.purgeExpired();
        if (course.keepSourcesDays === null) return;
        const r = await s.purgeSources({ before: Date.now() - course.keepSourcesDays * 24 * HOUR });
        log('sources-purged', { ...r });
      })
      .catch((err: Error) => log('purge-failed', { error: err.message }));
  const timer = setInterval(purge, HOUR);
  timer.unref();
  setTimeout(purge, 1000).unref();
  return timer;
}

export async function startWorkerSide(
  env: WorkerEnv,
  course: Course,
  store: LazyStore,
  o: WorkerSideOptions,
): Promise<WorkerSide> {
  const pipeline = await createPipelineDeps({
    sandbox: sandboxFromEnv(),
    ...(course.model ? { modelDir: course.model } : {}),
    ...(course.templates ? { templatesDir: course.templates } : {}),
    ...(course.taxonomy ? { taxonomyFile: course.taxonomy } : {}),
    config: course.feedback,
  });
  // a model registry: the store's serving alias says which version grades, and a promotion
  // reaches this worker within a poll, without a restart
  const models = await watchServingModel(pipeline, {
    modelDir: course.model,
    ...(course.taxonomy ? { taxonomyFile: course.taxonomy } : {}),
    readServing: () => store.use(async (s) => (await s.getAlias(SERVING_ALIAS))?.version ?? null),
    onEvent: (e) =>
      e.kind === 'loaded'
        ? log('model-loaded', { version: e.version, previous: e.previous })
        : log('model-load-failed', { version: e.version, error: e.error }),
  });
  const connection = connectWorker(env.REDIS_URL);
  pipeline.reports = new RedisReportCache(connection, env.QUEUE_PREFIX);
  const limiter = new WriteLimiter(connection, env.WRITE_LIMITS, env.QUEUE_PREFIX);
  const github = new GitHubClients({
    appId: env.APP_ID,
    privateKey: env.privateKey,
    baseUrl: env.GITHUB_API_URL,
    limiter,
    ...(o.retryAfterBaseValue !== undefined ? { retryAfterBaseValue: o.retryAfterBaseValue } : {}),
  });
  const queues = createQueues(connection, env.QUEUE_PREFIX);
  const workers = startWorkers({
    connection,
    prefix: env.QUEUE_PREFIX,
    queues,
    course,
    pipeline,
    github,
    gradeConcurrency: env.WORKER_CONCURRENCY,
    ackConcurrency: env.ACK_CONCURRENCY,
    lockDurationMs: o.lockDurationMs ?? env.WORKER_LOCK_MS,
    store,
    policy: { holdBelow: env.PUBLISH_HOLD_BELOW, holdMs: env.PUBLISH_HOLD_MS },
  });
  const retention = startRetention(store, course);
  // a supervisor's liveness probe: answered by the same event loop that grades, so a frozen
  // loop (a checker gone wild, say) shows as a probe that times out
  let health: Listening | undefined;
  if (o.health && env.WORKER_HEALTH_PORT !== undefined) {
    health = await listen((req, res) => {
      const ok = req.url === '/healthz';
      res.writeHead(ok ? 200 : 404, { 'content-type': 'application/json' });
      res.end(JSON.stringify(ok ? { ok: true, running: workers.grade.isRunning() } : { error: 'not found' }));
    }, env.WORKER_HEALTH_PORT);
  }
  log('worker-started', {
    concurrency: env.WORKER_CONCURRENCY,
    assignments: course.assignments.map((a) => a.name),
    model: pipeline.predictor ? pipeline.predictor.version : null,
    ...(health ? { healthPort: health.port } : {}),
  });
  return {
    workers,
    pipeline,
    ...(health ? { healthPort: health.port } : {}),
    async close() {
      clearInterval(retention);
      models?.stop();
      await health?.close();
      // close() lets active jobs finish: a graceful stop loses nothing
      await workers.close();
      await queues.close();
      connection.disconnect();
    },
  };
}
