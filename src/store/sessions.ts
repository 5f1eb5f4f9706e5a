import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from './schema.js';

/** A dashboard sign-in, server-side: the browser holds only the token. */
export interface Session {
  login: string;
  userId: number | null;
  createdAt: number;
  expiresAt: number;
  lastSeenAt: number;
  data: Record<string, unknown>;
}

/** Only the token's hash is stored: whoever reads the database cannot sign in with it. */
const hashOf = (token: string) => createHash('sha256').update(token).digest('hex');

export async function createSession(
  db: Kysely<DB>,
  token: string,
  s: { login: string; userId?: number | null; now: number; expiresAt: number; data?: Record<string, unknown> },
): Promise<void> {
  await db
    .insertInto('sessions')
    .values({
      token_hash: hashOf(token),
      login: s.login,
      user_id: s.userId ?? null,
      created_at: s.now,
      expires_at: s.expiresAt,
      last_seen_at: s.now,
      data: JSON.stringify(s.data ?? {}),
    })
    .execute();
}

/** The session for a token, or null when there is none or it has expired. */
export async function getSession(db: Kysely<DB>, token: string, now: number): Promise<Session | null> {
  const r = await db
    .selectFrom('sessions')
    .selectAll()
    .where('token_hash', '=', hashOf(token))
    .where('expires_at', '>', now)
    .executeTakeFirst();
  if (!r) return null;
  return {
    login: r.login,
    userId: r.user_id,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    lastSeenAt: r.last_seen_at,
    data: JSON.parse(r.data) as Record<string, unknown>,
  };
}

/** Marks a session seen, and moves its expiry when given (sliding sessions). */
export async function touchSession(
  db: Kysely<DB>,
  token: string,
  o: { now: number; expiresAt?: number },
): Promise<boolean> {
  const r = await db
    .updateTable('sessions')
    .set({ last_seen_at: o.now, ...(o.expiresAt !== undefined ? { expires_at: o.expiresAt } : {}) })
    .where('token_hash', '=', hashOf(token))
    .where('expires_at', '>', o.now)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function deleteSession(db: Kysely<DB>, token: string): Promise<void> {
  await db.deleteFrom('sessions').where('token_hash', '=', hashOf(token)).execute();
}
