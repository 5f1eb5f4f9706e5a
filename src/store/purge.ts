import type { Kysely } from 'kysely';
import type { DB } from './schema.js';

/**
 * Retention: deletes the sources of gradings graded before `before` (epoch ms). The grading's
 * row, report, prediction and reviews stay (the term's figures do not change); the source's
 * size and hash stay too, so a purged row still says what it was.
 */
export async function purgeSources(
  trx: Kysely<DB>,
  o: { before: number; dryRun?: boolean },
): Promise<{ sources: number }> {
  const old = (db: Kysely<DB>) =>
    db.selectFrom('submissions').select('id').where('graded_at', '<', o.before).where('source_state', '=', 'kept');
  if (o.dryRun) {
    const r = await old(trx)
      .clearSelect()
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return { sources: r.n };
  }
  await trx.deleteFrom('submission_sources').where('submission_id', 'in', old(trx)).execute();
  const r = await trx
    .updateTable('submissions')
    .set({ source_state: 'purged' })
    .where('graded_at', '<', o.before)
    .where('source_state', '=', 'kept')
    .executeTakeFirst();
  return { sources: Number(r.numUpdatedRows) };
}

/** Drops expired sessions and lapsed claims (they are ignored anyway; this keeps the tables small). */
export async function purgeExpired(db: Kysely<DB>, now: number): Promise<{ sessions: number; claims: number }> {
  const s = await db.deleteFrom('sessions').where('expires_at', '<=', now).executeTakeFirst();
  const c = await db.deleteFrom('claims').where('expires_at', '<=', now).executeTakeFirst();
  return { sessions: Number(s.numDeletedRows), claims: Number(c.numDeletedRows) };
}
