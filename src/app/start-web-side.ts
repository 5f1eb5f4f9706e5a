import type { Redis } from 'ioredis';
import type { Course } from '../course/course.js';
import { log } from '../core/log.js';
import { loadPredictor } from '../model/predictor.js';
import { enqueue, type Queues } from '../queue/queues.js';
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
): Promise<Listening> {
  // a web-only process still reports whether the model it would use loads
  const modelReady =
    modelLoaded ??
    loadPredictor(course.model).then(
      () => true,
      () => false,
    );
  const app = createWebApp({
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
  log('web-started', { port: l.port });
  return l;
}
