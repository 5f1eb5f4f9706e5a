import type { Kysely } from 'kysely';
import { NotFoundError } from './errors.js';
import type { DB } from './schema.js';

/** How long an opened item stays a TA's own when they do nothing (the dashboard renews it while open). */
export const DEFAULT_CLAIM_MS = 5 * 60_000;

export type ClaimResult =
  | { ok: true; submissionId: number; reviewer: string; expiresAt: number }
  | { ok: false; submissionId: number; heldBy: string; expiresAt: number };

/**
 * Claims a submission for a TA, atomically: one statement that takes a free or expired
 * claim, or renews the TA's own, and does nothing to another TA's live claim. Two TAs
 * opening the same item at once: exactly one gets it.
 */
export async function claim(
  db: Kysely<DB>,
  submissionId: number,
  reviewer: string,
  o: { now: number; ttlMs: number },
): Promise<ClaimResult> {
  const expiresAt = o.now + o.ttlMs;
  const exists = await db.selectFrom('submissions').select('id').where('id', '=', submissionId).executeTakeFirst();
  if (!exists) throw new NotFoundError(`no submission ${submissionId}`);
  const won = await db
    .insertInto('claims')
    .values({ submission_id: submissionId, reviewer, claimed_at: o.now, expires_at: expiresAt })
    .onConflict((oc) =>
      oc
        .column('submission_id')
        .doUpdateSet((eb) => ({
          reviewer: eb.ref('excluded.reviewer'),
          claimed_at: eb.ref('excluded.claimed_at'),
          expires_at: eb.ref('excluded.expires_at'),
        }))
        .where((eb) => eb.or([eb('claims.expires_at', '<=', o.now), eb('claims.reviewer', '=', reviewer)])),
    )
    .returning(['reviewer', 'expires_at'])
    .executeTakeFirst();
  if (won) return { ok: true, submissionId, reviewer, expiresAt: won.expires_at };
  const held = await db
    .selectFrom('claims')
    .select(['reviewer', 'expires_at'])
    .where('submission_id', '=', submissionId)
    .executeTakeFirst();
  // the holder's claim can lapse and be released between the two statements: then it is free, try once more
  if (!held || held.expires_at <= o.now) return claim(db, submissionId, reviewer, o);
  return { ok: false, submissionId, heldBy: held.reviewer, expiresAt: held.expires_at };
}

/** Gives up a TA's claim (closing the item without a review). Another TA's claim is left alone. */
export async function releaseClaim(db: Kysely<DB>, submissionId: number, reviewer: string): Promise<boolean> {
  const r = await db
    .deleteFrom('claims')
    .where('submission_id', '=', submissionId)
    .where('reviewer', '=', reviewer)
    .executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}
