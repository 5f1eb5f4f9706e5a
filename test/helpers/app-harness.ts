import { createHmac, generateKeyPairSync, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { startApp, type AppHandle, type StartOptions } from '../../src/app/start-app.js';
import { fixturesDir } from '../../src/core/paths.js';
import { FakeGitHub, type FakeGitHubOptions } from './fake-github.js';

const require = createRequire(import.meta.url);
export const APP_ID = 4242;
export const SECRET = 'test-webhook-secret';
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export const keys = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
});

export function sha(seed: string): string {
  return createHmac('sha1', 'commit').update(seed).digest('hex');
}

/** A course.yml in a temporary folder, grading the fixture assignments. */
export function courseFile(extra = ''): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fixsense-course-'));
  const file = path.join(dir, 'course.yml');
  fs.writeFileSync(
    file,
    `assignments:
  - name: median
    folder: ${path.join(fixturesDir, 'assignments/median')}
    repositories: ["median-*"]
    source: median.c
  - name: smallest
    folder: ${path.join(fixturesDir, 'assignments/smallest')}
    repositories: ["smallest-*"]
    source: src/smallest.c
${extra}`,
  );
  return file;
}

export function env(fake: FakeGitHub, overrides: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    APP_ID: String(APP_ID),
    PRIVATE_KEY: keys.privateKey,
    WEBHOOK_SECRET: SECRET,
    REDIS_URL,
    PORT: '0',
    GITHUB_API_URL: fake.url,
    COURSE_FILE: courseFile(),
    QUEUE_PREFIX: `fxtest-${randomBytes(4).toString('hex')}`,
    // each App under test records into its own embedded store
    DATABASE_URL: path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'fixsense-store-')), 'fixsense.db'),
    WORKER_CONCURRENCY: '2',
    FIXSENSE_QUIET: '1',
    ...overrides,
  };
}

const examples: { name: string; examples: Record<string, any>[] }[] = require('@octokit/webhooks-examples');

/** A real example payload from @octokit/webhooks-examples, adjusted to our repository and commit. */
export function payload(
  event: string,
  action: string | null,
  adjust: (p: Record<string, any>) => void,
): Record<string, any> {
  const group = examples.find((e) => e.name === event)!;
  const base = group.examples.find((x) => action === null || x.action === action) ?? group.examples[0]!;
  const p = structuredClone(base);
  adjust(p);
  return p;
}

export function pushPayload(o: { owner: string; repo: string; sha: string; installation: number; branch?: string }) {
  return payload('push', null, (p) => {
    p.ref = `refs/heads/${o.branch ?? 'main'}`;
    p.after = o.sha;
    p.deleted = false;
    p.created = false;
    p.head_commit = { ...(p.head_commit ?? {}), id: o.sha, message: 'my solution' };
    p.repository = {
      ...p.repository,
      name: o.repo,
      full_name: `${o.owner}/${o.repo}`,
      default_branch: 'main',
      owner: { ...p.repository.owner, login: o.owner, name: o.owner },
    };
    p.installation = { id: o.installation, node_id: 'x' };
    p.sender = { ...p.sender, login: 'student', type: 'User' };
    p.pusher = { name: 'student', email: 's@example.com' };
  });
}

export function pullRequestPayload(o: {
  owner: string;
  repo: string;
  sha: string;
  installation: number;
  number: number;
  action?: string;
}) {
  return payload('pull_request', o.action ?? 'opened', (p) => {
    p.action = o.action ?? 'opened';
    p.number = o.number;
    p.pull_request = {
      ...p.pull_request,
      number: o.number,
      head: { ...p.pull_request.head, sha: o.sha },
      base: { ...p.pull_request.base, ref: 'main' },
      user: { ...p.pull_request.user, login: 'student', type: 'User' },
    };
    p.repository = {
      ...p.repository,
      name: o.repo,
      full_name: `${o.owner}/${o.repo}`,
      default_branch: 'main',
      owner: { ...p.repository.owner, login: o.owner },
    };
    p.installation = { id: o.installation, node_id: 'x' };
    p.sender = { ...p.sender, login: 'student', type: 'User' };
  });
}

export function sign(body: string, secret = SECRET): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export async function sendWebhook(
  port: number,
  event: string,
  body: Record<string, unknown>,
  opts: { delivery?: string; signature?: string | null } = {},
): Promise<{ status: number; json: any }> {
  const text = JSON.stringify(body);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-github-event': event,
    'x-github-delivery': opts.delivery ?? randomBytes(8).toString('hex'),
  };
  if (opts.signature !== null) headers['x-hub-signature-256'] = opts.signature ?? sign(text);
  const res = await fetch(`http://127.0.0.1:${port}/api/github/webhooks`, { method: 'POST', headers, body: text });
  return { status: res.status, json: await res.json() };
}

export async function waitFor<T>(
  f: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 30_000,
  what = 'condition',
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface Harness {
  fake: FakeGitHub;
  app: AppHandle;
  env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

export async function startHarness(
  o: { env?: Record<string, string>; fake?: Partial<FakeGitHubOptions>; start?: Partial<StartOptions> } = {},
): Promise<Harness> {
  const fake = new FakeGitHub({ appId: APP_ID, publicKey: keys.publicKey, ...o.fake });
  await fake.start();
  const e = env(fake, o.env);
  const app = await startApp({ web: true, worker: true, env: e, retryAfterBaseValue: 0.05, ...o.start });
  return {
    fake,
    app,
    env: e,
    async stop() {
      await app.close();
      await fake.stop();
    },
  };
}
