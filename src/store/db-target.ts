import path from 'node:path';
import { projectRoot } from '../core/paths.js';
import { StoreConfigError } from './errors.js';

/** Which database a store opens: an SQLite file (the embedded default) or a PostgreSQL URL. */
export type DbTarget = { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string };

/** The embedded default: one file under data/ (git-ignored) that the web and worker processes share. */
export const defaultSqliteFile = path.join(projectRoot, 'data', 'fixsense.db');

/**
 * `--db` wins, then DATABASE_URL, then the embedded default. A postgres:// or postgresql://
 * URL is PostgreSQL; any other URL scheme is refused (a typo must not become a file named
 * "mysql:"); anything else is an SQLite file path (or :memory:).
 */
export function resolveDbTarget(db: string | undefined, env: NodeJS.ProcessEnv = process.env): DbTarget {
  const given = db?.trim() || env.DATABASE_URL?.trim() || '';
  if (!given) return { kind: 'sqlite', file: defaultSqliteFile };
  if (/^postgres(ql)?:\/\//i.test(given)) {
    try {
      new URL(given);
    } catch {
      throw new StoreConfigError(`database URL ${redact(given)} is not a valid URL`);
    }
    return { kind: 'postgres', url: given };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(given))
    throw new StoreConfigError(
      `database ${redact(given)}: only postgres:// (or postgresql://) URLs and SQLite file paths are supported`,
    );
  if (given === ':memory:') return { kind: 'sqlite', file: given };
  return { kind: 'sqlite', file: path.resolve(given.replace(/^(sqlite|file):/i, '')) };
}

/** A URL without its password, for messages and logs. */
export function redact(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*):[^@/]*@/i, '$1:***@');
}

export function describeTarget(t: DbTarget): string {
  return t.kind === 'sqlite' ? `SQLite ${t.file}` : `PostgreSQL ${redact(t.url)}`;
}
