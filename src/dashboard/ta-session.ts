import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import type { Store } from '../store/store.js';

export const SESSION_COOKIE = 'fixsense_session';
export const STATE_COOKIE = 'fixsense_oauth_state';
const COOKIE_PATH = '/dashboard';

/** Who is signed in: the TA's login, and the token that every form of the session must carry. */
export interface Ta {
  login: string;
  userId: number | null;
  csrf: string;
}

export const newToken = (): string => randomBytes(32).toString('base64url');

/** The request's cookies (only ours are read; a malformed header reads as none). */
export function cookie(req: Request, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}

/** Served over https: directly, or behind a proxy when the App's public address is https (res.locals.https). */
const secure = (req: Request, res: Response) => req.secure || res.locals.https === true;

/** httpOnly (no script reads it), SameSite=Lax (no other site's form sends it), Secure when served over https. */
export function setCookie(res: Response, req: Request, name: string, value: string, maxAgeMs: number): void {
  res.cookie(name, value, {
    httpOnly: true,
    sameSite: 'lax',
    secure: secure(req, res),
    path: COOKIE_PATH,
    maxAge: maxAgeMs,
  });
}

export function clearCookie(res: Response, req: Request, name: string): void {
  res.clearCookie(name, { httpOnly: true, sameSite: 'lax', secure: secure(req, res), path: COOKIE_PATH });
}

/** A sign-in: the session is stored server-side (only its token's hash), the browser holds the token. */
export async function startSession(
  store: Store,
  req: Request,
  res: Response,
  who: { login: string; userId: number | null },
  o: { ttlMs: number; now: number },
): Promise<void> {
  const token = newToken();
  await store.createSession(token, {
    login: who.login,
    userId: who.userId,
    expiresAt: o.now + o.ttlMs,
    data: { csrf: newToken() },
  });
  setCookie(res, req, SESSION_COOKIE, token, o.ttlMs);
}

/** How often a session's expiry slides forward: not a database write on every page. */
const TOUCH_EVERY_MS = 60_000;

/** The signed-in TA, or null. A session in use slides its expiry forward. */
export async function currentTa(store: Store, req: Request, o: { ttlMs: number; now: number }): Promise<Ta | null> {
  const token = cookie(req, SESSION_COOKIE);
  if (!token || !/^[\w-]{20,100}$/.test(token)) return null;
  const s = await store.getSession(token);
  if (!s || typeof s.data.csrf !== 'string') return null;
  if (o.now - s.lastSeenAt > TOUCH_EVERY_MS) await store.touchSession(token, { expiresAt: o.now + o.ttlMs });
  return { login: s.login, userId: s.userId, csrf: s.data.csrf };
}

export async function endSession(store: Store, req: Request, res: Response): Promise<void> {
  const token = cookie(req, SESSION_COOKIE);
  if (token) await store.deleteSession(token);
  clearCookie(res, req, SESSION_COOKIE);
}

/** The form's (or the fetch's header's) CSRF token is the session's: compared in constant time. */
export function csrfHolds(req: Request, ta: Ta): boolean {
  const body = req.body as Record<string, unknown> | undefined;
  const given = typeof body?._csrf === 'string' ? body._csrf : req.header('x-csrf-token');
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(ta.csrf);
  return a.length === b.length && timingSafeEqual(a, b);
}
