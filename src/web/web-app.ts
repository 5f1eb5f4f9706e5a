import { Webhooks } from '@octokit/webhooks';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { Course } from '../course/course.js';
import type { GradeJob } from '../course/grade-job.js';
import { log } from '../core/log.js';
import { jobsForEvent, MalformedPayloadError } from '../github/webhook-events.js';

/** Real webhook payloads are tens of kilobytes (a push lists at most 20 commits). */
export const DEFAULT_MAX_WEBHOOK_BYTES = 1024 * 1024;

export interface WebDeps {
  secret: string;
  course: Course;
  appId?: number;
  /** The largest webhook body read; a longer one is refused before it is read. */
  maxBodyBytes?: number;
  /** Puts jobs on the queue; rejects when Redis cannot be reached. */
  enqueue(jobs: GradeJob[]): Promise<{ queued: number; duplicates: number }>;
  /** What /readyz reports: each dependency's state. */
  readiness(): Promise<Record<string, { ok: boolean; detail?: string }>>;
  /** The TA dashboard (src/dashboard/), or why it is off: /dashboard then answers 404 saying so. */
  dashboard?: Router | { off: string };
}

/**
 * An answer other than success: its status and a message meant for the caller. `close`
 * ends the connection after the answer, so a body the App will not read is not read.
 */
class HttpProblem extends Error {
  override name = 'HttpProblem';
  constructor(
    readonly status: number,
    message: string,
    readonly close = false,
  ) {
    super(message);
  }
}

const SIGNATURE = /^sha256=[0-9a-f]{64}$/;
const EVENT_NAME = /^[a-z_]{1,64}$/;

/** Header values go into log lines before anything vouches for them: short, and only printable ASCII. */
const headerForLog = (v: string | undefined) =>
  v === undefined ? undefined : v.replace(/[^\x20-\x7e]/g, '?').slice(0, 100);

/** What can be refused from the headers alone, before a byte of the body is read. */
function refuseByHeaders(req: Request, maxBytes: number): void {
  const encoding = req.header('content-encoding');
  if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity')
    throw new HttpProblem(415, 'compressed bodies are not accepted (GitHub does not compress webhooks)', true);
  const signature = req.header('x-hub-signature-256');
  if (signature === undefined)
    throw new HttpProblem(401, 'missing X-Hub-Signature-256: is the webhook secret set in the GitHub App?', true);
  if (!SIGNATURE.test(signature))
    throw new HttpProblem(401, 'X-Hub-Signature-256 is not of the form sha256=<64 hex digits>', true);
  const length = req.header('content-length');
  if (length !== undefined && Number(length) > maxBytes)
    throw new HttpProblem(413, `the body is larger than the ${maxBytes} bytes a webhook may have`, true);
}

/** The body, as it arrives (never inflated), refused once it passes `maxBytes`. */
function readBody(req: Request, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (err: HttpProblem | null) => {
      if (settled) return;
      settled = true;
      req.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
      if (err) {
        req.pause();
        reject(err);
      } else resolve(Buffer.concat(chunks));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes)
        settle(new HttpProblem(413, `the body is larger than the ${maxBytes} bytes a webhook may have`, true));
      else chunks.push(chunk);
    };
    const onEnd = () => settle(null);
    const onError = () => settle(new HttpProblem(400, 'the request body could not be read', true));
    const onClose = () => settle(new HttpProblem(400, 'the request ended before its body', true));
    req.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
  });
}

/**
 * Every failure answers JSON with a message for the caller, never a stack or a path: a
 * problem raised on purpose says what it is; anything else is logged and is an internal error.
 */
function answerErrors(err: unknown, req: Request, res: Response, next: NextFunction): void {
  if (res.headersSent) return next(err);
  let problem: HttpProblem;
  if (err instanceof HttpProblem) problem = err;
  else {
    const status = (err as { status?: unknown }).status;
    // Express's own 4xx errors (an undecodable URL, …) say nothing of the App's insides
    if (typeof status === 'number' && status >= 400 && status < 500)
      problem = new HttpProblem(status, status === 404 ? 'not found' : 'bad request');
    else {
      log('web-error', {
        method: req.method,
        path: headerForLog(req.path),
        error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
      });
      problem = new HttpProblem(500, 'internal error');
    }
  }
  if (problem.close) res.set('Connection', 'close');
  res.status(problem.status).json({ error: problem.message });
}

/**
 * The App's HTTP side: verifies each webhook's signature (octokit's webhooks support),
 * turns it into grading jobs and answers 202 at once. It never talks to GitHub.
 */
export function createWebApp(d: WebDeps): express.Express {
  const webhooks = new Webhooks({ secret: d.secret });
  const maxBytes = d.maxBodyBytes ?? DEFAULT_MAX_WEBHOOK_BYTES;
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

  app.post('/api/github/webhooks', async (req: Request, res: Response) => {
    const delivery = headerForLog(req.header('x-github-delivery')) ?? '';
    const event = req.header('x-github-event');
    const githubEvent = headerForLog(event);
    refuseByHeaders(req, maxBytes);
    const body = (await readBody(req, maxBytes)).toString('utf8');
    let valid: boolean;
    try {
      valid = await webhooks.verify(body, req.header('x-hub-signature-256')!);
    } catch {
      valid = false;
    }
    if (!valid) {
      log('webhook-rejected', { delivery, github_event: githubEvent, reason: 'bad signature' });
      throw new HttpProblem(401, 'signature does not match the webhook secret');
    }
    if (!event) throw new HttpProblem(400, 'missing X-GitHub-Event');
    if (!EVENT_NAME.test(event)) throw new HttpProblem(400, 'X-GitHub-Event is not an event name');
    let payload: unknown;
    try {
      payload = JSON.parse(body);
    } catch {
      log('webhook-malformed', { delivery, github_event: githubEvent, problem: 'the body is not JSON' });
      throw new HttpProblem(400, 'the body is not JSON (the webhook content type must be application/json)');
    }
    let outcome: ReturnType<typeof jobsForEvent>;
    try {
      outcome = jobsForEvent(event, payload, d.course, d.appId);
    } catch (err) {
      if (!(err instanceof MalformedPayloadError)) throw err;
      log('webhook-malformed', { delivery, github_event: githubEvent, problem: err.problems });
      throw new HttpProblem(400, err.message);
    }
    const receivedAt = Date.now();
    const jobs: GradeJob[] = outcome.jobs.map((j) => ({ ...j, deliveryId: delivery, receivedAt }));
    const action = (payload as { action?: unknown }).action;
    try {
      const r = await d.enqueue(jobs);
      log('webhook', {
        delivery,
        github_event: githubEvent,
        action: typeof action === 'string' ? action : undefined,
        queued: r.queued,
        duplicates: r.duplicates,
        note: outcome.note,
      });
      res.status(202).json({ ...r, note: outcome.note });
    } catch (err) {
      // nothing is lost: GitHub marks the delivery failed and it can be redelivered
      log('webhook-queue-down', { delivery, github_event: githubEvent, error: (err as Error).message });
      res.status(503).json({ error: 'the queue is unavailable; redeliver this webhook later' });
    }
  });

  if (d.dashboard && 'off' in d.dashboard) {
    const why = d.dashboard.off;
    app.use('/dashboard', (req: Request, res: Response) => {
      if (req.accepts(['json', 'html']) === 'html')
        res.status(404).type('text/plain').send(`The TA dashboard is off: ${why}\n`);
      else res.status(404).json({ error: `the TA dashboard is off: ${why}` });
    });
  } else if (d.dashboard) app.use('/dashboard', d.dashboard);

  app.use(() => {
    throw new HttpProblem(404, 'not found');
  });
  app.use(answerErrors);
  return app;
}
