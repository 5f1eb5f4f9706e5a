import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, webEnv, workerEnv } from '../../src/app/config.js';
import { loadCourse } from '../../src/course/course.js';
import { startApp } from '../../src/app/start-app.js';
import { courseFile, keys, pushPayload, REDIS_URL, SECRET, sendWebhook, sha } from '../helpers/app-harness.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

const webOnlyEnv = (over: Record<string, string> = {}) => ({
  WEBHOOK_SECRET: SECRET,
  REDIS_URL,
  PORT: '0',
  COURSE_FILE: courseFile(),
  QUEUE_PREFIX: `fxweb-${Date.now()}`,
  FIXSENSE_QUIET: '1',
  ...over,
});

describe('the web process', () => {
  it('starts and queues webhooks without any GitHub configuration or connection', async () => {
    const app = await startApp({ web: true, worker: false, env: webOnlyEnv() });
    cleanups.push(() => app.close());
    const r = await sendWebhook(
      app.port!,
      'push',
      pushPayload({ owner: 'o', repo: 'median-w', sha: sha('w'), installation: 1 }),
    );
    expect(r.status).toBe(202);
    const waiting = await app.queues.grade.getWaiting();
    expect(waiting).toHaveLength(1);
    expect(waiting[0]!.data).toMatchObject({
      owner: 'o',
      repo: 'median-w',
      assignment: 'median',
      trigger: 'push',
      installationId: 1,
    });
    const health = await fetch(`http://127.0.0.1:${app.port}/healthz`);
    expect(await health.json()).toEqual({ ok: true });
    const ready = await fetch(`http://127.0.0.1:${app.port}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ok: true, checks: { redis: { ok: true }, model: { ok: true } } });
  });

  it('with Redis down: /readyz says so, and a webhook gets 503 at once (GitHub can redeliver it)', async () => {
    const app = await startApp({ web: true, worker: false, env: webOnlyEnv({ REDIS_URL: 'redis://127.0.0.1:1' }) });
    cleanups.push(() => app.close());
    const ready = await fetch(`http://127.0.0.1:${app.port}/readyz`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { checks: { redis: { ok: boolean } } }).checks.redis.ok).toBe(false);
    const start = Date.now();
    const r = await sendWebhook(
      app.port!,
      'push',
      pushPayload({ owner: 'o', repo: 'median-w', sha: sha('down'), installation: 1 }),
    );
    expect(r.status).toBe(503);
    expect(r.json.error).toMatch(/queue is unavailable.*redeliver/);
    expect(Date.now() - start).toBeLessThan(5000);
  });

  it('a graceful stop finishes the request in flight before closing', async () => {
    const app = await startApp({ web: true, worker: false, env: webOnlyEnv() });
    const text = JSON.stringify(pushPayload({ owner: 'o', repo: 'median-w', sha: sha('graceful'), installation: 1 }));
    const { sign } = await import('../helpers/app-harness.js');
    // a request whose body is still arriving when the stop begins
    const req = http.request({
      host: '127.0.0.1',
      port: app.port,
      path: '/api/github/webhooks',
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(text),
        'x-github-event': 'push',
        'x-github-delivery': 'g1',
        'x-hub-signature-256': sign(text),
      },
    });
    const response = new Promise<number>((resolve, reject) => {
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', reject);
    });
    req.write(text.slice(0, 100));
    await new Promise((r) => setTimeout(r, 100));
    const stopping = app.close();
    await new Promise((r) => setTimeout(r, 100));
    req.end(text.slice(100));
    expect(await response).toBe(202);
    await stopping;
    await expect(fetch(`http://127.0.0.1:${app.port}/healthz`)).rejects.toThrow();
  });
});

describe('configuration', () => {
  it('names the variable at fault', () => {
    expect(() => webEnv({})).toThrow(/WEBHOOK_SECRET: .*see \.env\.example/);
    expect(() => webEnv({ WEBHOOK_SECRET: 'short' })).toThrow(/WEBHOOK_SECRET: must be at least 8 characters/);
    expect(() => webEnv({ WEBHOOK_SECRET: SECRET, PORT: 'http' })).toThrow(/PORT/);
    expect(() => workerEnv({ APP_ID: '1' })).toThrow(
      /PRIVATE_KEY: set PRIVATE_KEY \(the PEM text\) or PRIVATE_KEY_PATH/,
    );
    expect(() => workerEnv({ APP_ID: 'abc', PRIVATE_KEY: keys.privateKey })).toThrow(/APP_ID/);
    expect(() => workerEnv({ APP_ID: '1', PRIVATE_KEY: 'not a key' })).toThrow(/PRIVATE_KEY: not a PEM private key/);
    expect(() => workerEnv({ APP_ID: '1', PRIVATE_KEY_PATH: '/nonexistent.pem' })).toThrow(
      /cannot read \/nonexistent\.pem/,
    );
    expect(() => workerEnv({ APP_ID: '1', PRIVATE_KEY: keys.privateKey, WRITE_LIMITS: 'lots' })).toThrow(
      /WRITE_LIMITS: must look like 80\/60s,500\/3600s/,
    );
    expect(workerEnv({ APP_ID: '1', PRIVATE_KEY: keys.privateKey.replace(/\n/g, '\\n') }).WRITE_LIMITS).toEqual([
      { limit: 80, windowMs: 60_000 },
      { limit: 500, windowMs: 3_600_000 },
    ]);
  });

  it('a bad course file stops start-up, naming the file and the problem', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fixsense-badcourse-'));
    const file = (text: string) => {
      const f = path.join(dir, `${Math.random()}.yml`);
      fs.writeFileSync(f, text);
      return f;
    };
    await expect(loadCourse(file('assignments: []\n'))).rejects.toThrow(/assignments: .*1/);
    await expect(
      loadCourse(file('assignments:\n  - name: x\n    folder: /nonexistent\n    repositories: ["x-*"]\n')),
    ).rejects.toThrow(/assignment x: .*is not an assignment folder/);
    await expect(loadCourse(file('assignments:\n  - {name: a, folder: ., repositories: []}\n'))).rejects.toThrow(
      /assignments\.0\.repositories/,
    );
    await expect(loadCourse(file('assignment: typo\n'))).rejects.toThrow(ConfigError);
    await expect(
      startApp({
        web: true,
        worker: false,
        env: webOnlyEnv({ COURSE_FILE: file('push_feedback: sometimes\nassignments: []\n') }),
      }),
    ).rejects.toThrow(/push_feedback/);
  });

  it('matches repositories by pattern and branches by the course or the default branch', async () => {
    const course = await loadCourse(courseFile());
    expect(course.match('org/median-alice', 'main', 'main').map((a) => a.name)).toEqual(['median']);
    expect(course.match('org/median-alice', 'feature', 'main')).toEqual([]);
    expect(course.match('org/smallest-bob', 'trunk', 'trunk').map((a) => a.name)).toEqual(['smallest']);
    expect(course.match('org/other', 'main', 'main')).toEqual([]);
  });
});
