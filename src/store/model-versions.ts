import type { Kysely } from 'kysely';
import { NotFoundError } from './errors.js';
import { MODES, type Mode } from './grading-record.js';
import { StoreInputError } from './errors.js';
import type { DB } from './schema.js';

export interface ModelVersion {
  version: string;
  registeredAt: number;
  registeredBy: string;
  sha256: string | null;
  manifest: unknown;
  notes: string;
}

/**
 * Adds a model version, or completes one first seen in a grading (which knew only its name).
 * A version is immutable: its sha256 and manifest, once set, are kept.
 */
export async function registerModelVersion(
  db: Kysely<DB>,
  v: { version: string; by: string; now: number; sha256?: string | null; manifest?: unknown; notes?: string },
): Promise<void> {
  const manifest = v.manifest === undefined ? null : JSON.stringify(v.manifest);
  await db
    .insertInto('model_versions')
    .values({
      version: v.version,
      registered_at: v.now,
      registered_by: v.by,
      sha256: v.sha256 ?? null,
      manifest,
      notes: v.notes ?? '',
    })
    .onConflict((oc) =>
      oc.column('version').doUpdateSet((eb) => ({
        sha256: eb.fn.coalesce('model_versions.sha256', eb.ref('excluded.sha256')),
        manifest: eb.fn.coalesce('model_versions.manifest', eb.ref('excluded.manifest')),
        notes: eb
          .case()
          .when('model_versions.notes', '=', '')
          .then(eb.ref('excluded.notes'))
          .else(eb.ref('model_versions.notes'))
          .end(),
      })),
    )
    .execute();
}

export async function listModelVersions(db: Kysely<DB>): Promise<ModelVersion[]> {
  const rows = await db.selectFrom('model_versions').selectAll().orderBy('registered_at').orderBy('version').execute();
  return rows.map((r) => ({
    version: r.version,
    registeredAt: r.registered_at,
    registeredBy: r.registered_by,
    sha256: r.sha256,
    manifest: r.manifest === null ? null : (JSON.parse(r.manifest) as unknown),
    notes: r.notes,
  }));
}

export interface AliasMove {
  alias: string;
  from: string | null;
  to: string;
  movedAt: number;
  movedBy: string;
  reason: string;
}

/** Points an alias (e.g. "serving") at a version, and logs who moved it from what, when and why. */
export async function moveAlias(
  trx: Kysely<DB>,
  m: { alias: string; version: string; by: string; now: number; reason?: string },
): Promise<AliasMove> {
  const v = await trx
    .selectFrom('model_versions')
    .select('version')
    .where('version', '=', m.version)
    .executeTakeFirst();
  if (!v) throw new NotFoundError(`no model version ${m.version} (register it first)`);
  const before = await trx
    .selectFrom('model_aliases')
    .select('version')
    .where('alias', '=', m.alias)
    .executeTakeFirst();
  await trx
    .insertInto('model_aliases')
    .values({ alias: m.alias, version: m.version, moved_at: m.now, moved_by: m.by })
    .onConflict((oc) => oc.column('alias').doUpdateSet({ version: m.version, moved_at: m.now, moved_by: m.by }))
    .execute();
  const move = {
    alias: m.alias,
    from: before?.version ?? null,
    to: m.version,
    movedAt: m.now,
    movedBy: m.by,
    reason: m.reason ?? '',
  };
  await trx
    .insertInto('model_alias_log')
    .values({
      alias: move.alias,
      from_version: move.from,
      to_version: move.to,
      moved_at: move.movedAt,
      moved_by: move.movedBy,
      reason: move.reason,
    })
    .execute();
  return move;
}

export async function getAlias(
  db: Kysely<DB>,
  alias: string,
): Promise<{ version: string; movedAt: number; movedBy: string } | null> {
  const r = await db.selectFrom('model_aliases').selectAll().where('alias', '=', alias).executeTakeFirst();
  return r ? { version: r.version, movedAt: r.moved_at, movedBy: r.moved_by } : null;
}

export async function aliasLog(db: Kysely<DB>, alias?: string): Promise<AliasMove[]> {
  const rows = await db
    .selectFrom('model_alias_log')
    .selectAll()
    .$if(alias !== undefined, (q) => q.where('alias', '=', alias!))
    .orderBy('moved_at')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    alias: r.alias,
    from: r.from_version,
    to: r.to_version,
    movedAt: r.moved_at,
    movedBy: r.moved_by,
    reason: r.reason,
  }));
}

/** Per assignment: 'shadow' grades and records without showing the model's hint, 'live' shows it. */
export async function setAssignmentMode(
  db: Kysely<DB>,
  m: { assignment: string; mode: Mode; by: string; now: number },
): Promise<void> {
  if (!MODES.includes(m.mode)) throw new StoreInputError(`mode must be ${MODES.join(' or ')}, got "${m.mode}"`);
  await db
    .insertInto('assignment_modes')
    .values({ assignment: m.assignment, mode: m.mode, updated_at: m.now, updated_by: m.by })
    .onConflict((oc) => oc.column('assignment').doUpdateSet({ mode: m.mode, updated_at: m.now, updated_by: m.by }))
    .execute();
}

/** Takes a mode set by hand back: the assignment's mode is decided again from its reviews. */
export async function clearAssignmentMode(db: Kysely<DB>, assignment: string): Promise<void> {
  await db.deleteFrom('assignment_modes').where('assignment', '=', assignment).execute();
}

export async function assignmentModes(
  db: Kysely<DB>,
): Promise<Record<string, { mode: Mode; updatedAt: number; updatedBy: string }>> {
  const rows = await db.selectFrom('assignment_modes').selectAll().orderBy('assignment').execute();
  return Object.fromEntries(
    rows.map((r) => [r.assignment, { mode: r.mode as Mode, updatedAt: r.updated_at, updatedBy: r.updated_by }]),
  );
}
