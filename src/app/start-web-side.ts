import type { Redis } from 'ioredis';
import type { Course } from '../course/course.js';
import { log } from '../core/log.js';
import { modelsDir } from '../core/paths.js';
import { createDashboard, type Dashboard } from '../dashboard/dashboard.js';
import { servingManifest } from '../model/manifest.js';
import { loadPredictor } from '../model/predictor.js';
import { defaultTaxonomyPath, loadTaxonomy } from '../model/taxonomy.js';
import { enqueue, type Queues } from '../queue/queues.js';
import { enqueueReview } from '../queue/review-stage.js';
import { LazyStore } from '../store/lazy-store.js';
import { createWebApp } from '../web/web-app.js';
import type { WebEnv } from './config.js';
import { listen, type Listening } from './http-server.js';

/** Whether Redis answers within a second: a readiness probe must not hang. */
async function redisReady(producer: Redis): Promise<{ ok: boolean; detail?: string }> {
  return Promise.race([
    producer.ping().then(() => ({ ok: true })),
    new Promise<{ ok: boolean; detail: string }>((r) =>
      setTimeout(() => r({ ok: false, detail: 'no answer within 1 s' }), 1000),
    ),
  ]).catch((err: Error) => ({ ok: false, detail: err.message }));
}

/** The webhook side: verifies, enqueues, answers 202; never talks to GitHub. */
export async function startWebSide(
  env: WebEnv,
  course: Course,
  queues: Queues,
  producer: Redis,
  modelLoaded: Promise<boolean> | undefined,
  /** The store both sides share; a web side started without one opens its own. */
  sharedStore?: LazyStore,
): Promise<Listening> {
  // a web-only process still reports whether the model it would use loads
  const modelReady =
    modelLoaded ??
    loadPredictor(course.model).then(
      () => true,
      () => false,
    );
  // the TA dashboard: on when the App's OAuth client is set; it never talks to GitHub's App API,
  // it queues a job for the worker to tell the student
  let dashboard: Dashboard | undefined;
  const ownStore = sharedStore
    ? undefined
    : new LazyStore({ env: env.DATABASE_URL ? { DATABASE_URL: env.DATABASE_URL } : {} });
  if (env.GITHUB_CLIENT_ID && env.GITHUB_CLIENT_SECRET)
    dashboard = createDashboard({
      store: sharedStore ?? ownStore!,
      taxonomy: loadTaxonomy(course.taxonomy ?? defaultTaxonomyPath),
      course,
      signIn: {
        kind: 'github',
        client: {
          clientId: env.GITHUB_CLIENT_ID,
          clientSecret: env.GITHUB_CLIENT_SECRET,
          oauthUrl: env.GITHUB_OAUTH_URL,
          apiUrl: env.GITHUB_API_URL,
        },
        ...(env.DASHBOARD_URL ? { publicUrl: env.DASHBOARD_URL } : {}),
      },
      tellStudent: (id) => enqueueReview(queues, id),
      manifest: servingManifest(course.model ?? modelsDir),
    });
  const app = createWebApp({
    dashboard: dashboard?.router ?? {
      off: "set GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET (the GitHub App's OAuth client) to turn it on, or run `fixsense dashboard` for a local one",
    },
    secret: env.WEBHOOK_SECRET,
    course,
    ...(env.APP_ID ? { appId: env.APP_ID } : {}),
    maxBodyBytes: env.WEBHOOK_MAX_BYTES,
    enqueue: (jobs) => enqueue(queues, jobs, producer),
    readiness: async () => ({
      redis: await redisReady(producer),
      model: (await modelReady) ? { ok: true } : { ok: false, detail: 'the student model did not load' },
    }),
  });
  const l = await listen(app, env.PORT);
  log('web-started', { port: l.port, dashboard: !!dashboard });
  return {
    ...l,
    close: async () => {
      await l.close();
      await dashboard?.close();
      await ownStore?.close();
    },
  };
}
