/**
 * The store's named errors. Callers branch on them: the worker lets the queue retry a
 * `StoreUnavailableError` (the grading is recorded when the database is back), and the CLI
 * prints the others as a message without a stack.
 */
export class StoreError extends Error {
  override name = 'StoreError';
}

/** The database cannot be reached or is busy right now: try again later, nothing was written. */
export class StoreUnavailableError extends StoreError {
  override name = 'StoreUnavailableError';
}

/** The database named by --db or DATABASE_URL is wrong: a bad URL, a missing file, a refused login. */
export class StoreConfigError extends StoreError {
  override name = 'StoreConfigError';
}

/** The database's schema is not the one this version knows (migrated by a newer fixsense, or broken). */
export class StoreSchemaError extends StoreError {
  override name = 'StoreSchemaError';
}

/** A value given to the store is not valid (a malformed grading record, an unknown mode): nothing was written. */
export class StoreInputError extends StoreError {
  override name = 'StoreInputError';
}

/** The database belongs to another course: students' data stays in its own course's database. */
export class CourseMismatchError extends StoreError {
  override name = 'CourseMismatchError';
}

/** No row with that id (a submission, a job, a model version). */
export class NotFoundError extends StoreError {
  override name = 'NotFoundError';
}

const TRANSIENT_NODE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
const PG_LOST = /Connection terminated|timeout exceeded when trying to connect|not queryable|connection error/i;

/**
 * What a driver error means for the caller, as one of the named errors: the database is away
 * or busy (retry), the settings are wrong, the schema is missing. Any other error (a bug, a
 * constraint this code should have prevented) is returned unchanged.
 */
export function classifyError(err: unknown, where: string): unknown {
  if (err instanceof StoreError || !(err instanceof Error)) return err;
  const code = String((err as { code?: unknown }).code ?? '');
  const as = (E: new (m: string, o: ErrorOptions) => StoreError) =>
    new E(`${where}${E === StoreUnavailableError ? ' is unavailable' : ''}: ${err.message}`, { cause: err });
  if (code.startsWith('SQLITE_')) {
    if (/^SQLITE_(BUSY|LOCKED|IOERR|FULL|PROTOCOL)/.test(code)) return as(StoreUnavailableError);
    if (/^SQLITE_(CANTOPEN|READONLY|NOTADB|CORRUPT|PERM|AUTH)/.test(code)) return as(StoreConfigError);
    if (/no such (table|column)/.test(err.message)) return as(StoreSchemaError);
    return err;
  }
  if (TRANSIENT_NODE.has(code) || PG_LOST.test(err.message)) return as(StoreUnavailableError);
  if (/^[0-9A-Z]{5}$/.test(code)) {
    // SQLSTATE: connection exception, operator intervention, insufficient resources, serialization
    if (/^(08|57P|53|40001|40P01|55P03)/.test(code)) return as(StoreUnavailableError);
    if (/^(28|3D000)/.test(code)) return as(StoreConfigError);
    if (/^(42P01|42703)$/.test(code)) return as(StoreSchemaError);
  }
  return err;
}
