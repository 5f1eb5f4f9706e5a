import { Webhooks } from '@octokit/webhooks';
import express, { type Request, type Response } from 'express';
import type { Course } from '../course/course.js';
import { jobsForEvent } from '../github/webhook-events.js';
import type { GradeJob } from '../course/grade-job.js';
import { log } from '../core/log.js';

export interface WebDeps {
  secret: string;
  course: Course;
  appId?: number;
  /** Puts jobs on the queue; rejects when Redis cannot be reached. */
  enqueue(jobs: GradeJob[]): Promise<{ queued: number; duplicates: number }>;
  /** What /readyz reports: each dependency's state. */
  readiness(): Promise<Record<string, { ok: boolean; detail?: string }>>;
}

/**
 * The App's HTTP side: verifies each webhook's signature (octokit's webhooks support),
 * turns it into grading jobs and answers 202 at once. It never talks to GitHub.
 */
export function createWebApp(d: WebDeps): express.Express {
  const webhooks = new Webhooks({ secret: d.secret });
  const app = express();
  app.disable('x-powered-by');

  app.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });

  app.get('/readyz', async (_req, res) => {
    const checks = await d.readiness();
    const ok = Object.values(checks).every((c) => c.ok);
    res.status(ok ? 200 : 503).json({ ok, checks });
  });

  app.post(
    '/api/github/webhooks',
    express.raw({ type: () => true, limit: '25mb' }),
    async (req: Request, res: Response) => {
      const event = req.header('x-github-event');
      const delivery = req.header('x-github-delivery') ?? '';
      const signature = req.header('x-hub-signature-256');
      const body = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
      if (!signature)
        return void res
          .status(401)
          .json({ error: 'missing X-Hub-Signature-256: is the webhook secret set in the GitHub App?' });
      let valid: boolean;
      try {
        valid = await webhooks.verify(body, signature);
      } catch {
        valid = false;
      }
      if (!valid) {
        log('webhook-rejected', { delivery, event, reason: 'bad signature' });
        return void res.status(401).json({ error: 'signature does not match the webhook secret' });
      }
      if (!event) return void res.status(400).json({ error: 'missing X-GitHub-Event' });
      let payload: Record<string, unknown>;
      try {
        payload = JSON.parse(body);
      } catch {
        return void res.status(400).json({ error: 'the body is not JSON' });
      }
      const outcome = jobsForEvent(event, payload, d.course, d.appId);
      const receivedAt = Date.now();
      const jobs: GradeJob[] = outcome.jobs.map((j) => ({ ...j, deliveryId: delivery, receivedAt }));
      try {
        const r = await d.enqueue(jobs);
        log('webhook', {
          delivery,
          event,
          action: payload.action,
          queued: r.queued,
          duplicates: r.duplicates,
          note: outcome.note,
        });
        res.status(202).json({ ...r, note: outcome.note });
      } catch (err) {
        // nothing is lost: GitHub marks the delivery failed and it can be redelivered
        log('webhook-queue-down', { delivery, event, error: (err as Error).message });
        res
          .status(503)
          .json({ error: `the queue is unavailable (${(err as Error).message}); redeliver this webhook later` });
      }
    },
  );

  app.use((_req, res) => {
    res.status(404).json({ error: 'not found' });
  });
  return app;
}
