/**
 * `fixsense dashboard`: the dashboard on the embedded store, for one TA on this machine. It
 * listens on loopback only, prints a one-time sign-in link, and every page carries the
 * strict CSP; a form without its CSRF token and a filter that is not valid are refused.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/core/paths.js';
import { isLoopback } from '../../src/commands/dashboard.js';
import { runCli } from '../helpers/run-cli.js';

let child: ChildProcess;
let login: string;
let dir: string;
let stdout = '';

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fx-dash-local-'));
  child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/cli.ts', 'dashboard', '--db', path.join(dir, 's.db'), '--seed', '--port', '0'],
    { cwd: projectRoot, env: { ...process.env, FIXSENSE_QUIET: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout!.on('data', (b: Buffer) => (stdout += b.toString()));
  const end = Date.now() + 110_000;
  while (!/^login: /m.test(stdout)) {
    if (Date.now() > end || child.exitCode !== null) throw new Error(`no login line: ${stdout}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  login = /^login: (\S+)$/m.exec(stdout)![1]!;
}, 120_000);

afterAll(async () => {
  child?.kill('SIGTERM');
  if (child && child.exitCode === null) await new Promise((r) => child.once('exit', r));
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('fixsense dashboard (local mode)', () => {
  it('prints a one-time link on 127.0.0.1 that signs in once, with a strict CSP on every page', async () => {
    expect(login).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/dashboard\/login\/[\w-]{20,}$/);
    const first = await fetch(login, { redirect: 'manual' });
    expect(first.status).toBe(303);
    const cookie = first.headers.get('set-cookie')!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect((await fetch(login, { redirect: 'manual' })).status).toBe(403);

    const session = cookie.split(';')[0]!;
    const base = new URL(login).origin;
    const queue = await fetch(`${base}/dashboard`, { headers: { cookie: session } });
    expect(queue.status).toBe(200);
    const csp = queue.headers.get('content-security-policy')!;
    for (const d of [
      "default-src 'none'",
      "script-src 'self'",
      "style-src 'self'",
      "frame-ancestors 'none'",
      "form-action 'self'",
    ])
      expect(csp).toContain(d);
    const html = await queue.text();
    expect(html).toMatch(/\d+ left/);
    expect(html).toContain('no student is told');
    // no inline script or style anywhere: the CSP would block them
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/\sstyle=/);

    // without the session's CSRF token, a form is refused and nothing is recorded
    const next = await fetch(`${base}/dashboard/next`, { headers: { cookie: session }, redirect: 'manual' });
    const item = /\/dashboard\/s\/(\d+)/.exec(next.headers.get('location')!)![1];
    const refused = await fetch(`${base}/dashboard/s/${item}/review`, {
      method: 'POST',
      headers: { cookie: session, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'action=accept',
      redirect: 'manual',
    });
    expect(refused.status).toBe(403);
    const page = await (await fetch(`${base}/dashboard/s/${item}`, { headers: { cookie: session } })).text();
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page)![1]!;
    const accepted = await fetch(`${base}/dashboard/s/${item}/review`, {
      method: 'POST',
      headers: { cookie: session, 'content-type': 'application/x-www-form-urlencoded' },
      body: `action=accept&_csrf=${encodeURIComponent(csrf)}&started=${Date.now() - 5000}`,
      redirect: 'manual',
    });
    expect(accepted.status).toBe(303);
    expect(accepted.headers.get('location')).toMatch(/^\/dashboard\/next\?from=\d+&done=\d+$/);
    const left = async () =>
      Number(/(\d+) left/.exec(await (await fetch(`${base}/dashboard`, { headers: { cookie: session } })).text())![1]);
    const afterReview = await left();
    // undo takes the label back (a POST with the token, like every form): one more left, and the item opens again
    const undone = await fetch(`${base}/dashboard/s/${item}/undo`, {
      method: 'POST',
      headers: { cookie: session, 'content-type': 'application/x-www-form-urlencoded' },
      body: `_csrf=${encodeURIComponent(csrf)}`,
      redirect: 'manual',
    });
    expect(undone.status).toBe(303);
    expect(undone.headers.get('location')).toBe(`/dashboard/s/${item}?undo=1`);
    expect(await left()).toBe(afterReview + 1);
    const reopened = await (
      await fetch(`${base}${undone.headers.get('location')}`, { headers: { cookie: session } })
    ).text();
    expect(reopened).toContain('is taken back');
    // a second undo has nothing of this TA's to take back
    const again = await fetch(`${base}/dashboard/s/${item}/undo`, {
      method: 'POST',
      headers: { cookie: session, 'content-type': 'application/x-www-form-urlencoded' },
      body: `_csrf=${encodeURIComponent(csrf)}`,
      redirect: 'manual',
    });
    expect(again.headers.get('location')).toBe(`/dashboard/s/${item}?undo=none`);

    // a filter that is not valid says which
    const bad = await fetch(`${base}/dashboard?min=140`, { headers: { cookie: session } });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toMatch(/min/);
    // without a session: to the sign-in page, and a POST is refused
    expect((await fetch(`${base}/dashboard`, { redirect: 'manual' })).headers.get('location')).toBe('/dashboard/login');
  });

  it('refuses to listen on any address but loopback', () => {
    const r = runCli(['dashboard', '--host', '0.0.0.0', '--db', path.join(dir, 's.db')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--host 0\.0\.0\.0: the local dashboard listens on this machine only/);
    for (const h of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost']) expect(isLoopback(h)).toBe(true);
    for (const h of ['0.0.0.0', '::', '10.0.0.1', 'example.com', '::ffff:10.0.0.1']) expect(isLoopback(h)).toBe(false);
  });
});
