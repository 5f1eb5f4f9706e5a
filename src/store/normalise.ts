import pg from 'pg';
import type { CustomTypesConfig } from 'pg';

/**
 * The one place where the two databases' values are made alike. SQLite already returns
 * integers and reals as numbers; PostgreSQL returns bigint (our times and GitHub ids, and
 * every count(*)) and numeric (sum over bigint) as strings, so its pool parses them here.
 * Times are integer epoch milliseconds and booleans integers 0/1 in both by the schema's
 * design, so nothing else needs converting on the way out.
 */
const INT8 = 20;
const NUMERIC = 1700;

// Number, not BigInt: every stored integer came from a JavaScript number (ids, epoch ms, counts),
// so it fits; a parser that threw here would throw inside pg's socket handler
const int8 = (v: string): number => Number(v);

export const pgTypes: CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === INT8) return int8;
    if (oid === NUMERIC) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format);
  }) as CustomTypesConfig['getTypeParser'],
};

/** Booleans go in as 0/1. */
export const bit = (b: boolean): number => (b ? 1 : 0);

/** PostgreSQL's text cannot hold NUL; SQLite's can but nobody wants it. Free text loses only that. */
export const text = (s: string): string => s.replaceAll('\u0000', '\uFFFD');

export function parseJson<T>(s: string | null): T | null {
  return s === null ? null : (JSON.parse(s) as T);
}
