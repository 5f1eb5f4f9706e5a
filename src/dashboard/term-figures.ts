import { sql } from 'kysely';
import { connect, type Connection } from '../store/connect.js';
import type { AgreementCell } from '../store/reviews.js';
import type { Store } from '../store/store.js';

const DAY_MS = 86_400_000;

export interface LabelledPrediction {
  confidence: number;
  predicted: string;
  labelled: string;
}

/**
 * The term view's own queries, which the Store's API has no method for, written with Kysely
 * against the store's schema on a connection of their own (SQLite: the process's shared one).
 * Each is one grouped or narrow scan of the term's rows.
 */
export class TermQueries {
  #c?: Connection;
  constructor(private readonly store: Store) {}

  #db() {
    this.#c ??= connect(this.store.target, { create: false, busyTimeoutMs: 5000, poolSize: 2, connectTimeoutMs: 5000 });
    return this.#c.db;
  }

  /** Gradings and passes per assignment and UTC day. */
  async passByDay(term: string): Promise<{ assignment: string; day: string; n: number; passed: number }[]> {
    const rows = await this.#db()
      .selectFrom('submissions')
      .select((eb) => [
        'assignment',
        sql<number>`cast(graded_at / ${DAY_MS} as integer)`.as('day'),
        eb.fn.countAll<number>().as('n'),
        sql<number>`coalesce(sum(passed), 0)`.as('passed'),
      ])
      .where('term', '=', term)
      .groupBy(['assignment', sql`cast(graded_at / ${DAY_MS} as integer)`])
      .orderBy('day')
      .execute();
    return rows.map((r) => ({
      assignment: r.assignment,
      day: new Date(Number(r.day) * DAY_MS).toISOString().slice(0, 10),
      n: Number(r.n),
      passed: Number(r.passed),
    }));
  }

  /** The model's confidence of every prediction of the term (for the threshold table). */
  async confidences(term: string): Promise<number[]> {
    const rows = await this.#db()
      .selectFrom('submissions')
      .select('confidence')
      .where('term', '=', term)
      .where('confidence', 'is not', null)
      .execute();
    return rows.map((r) => r.confidence!);
  }

  /** Each TA-labelled prediction: its confidence, the model's fix type and the TA's (latest review). */
  async labelled(term: string): Promise<LabelledPrediction[]> {
    const rows = await this.#db()
      .selectFrom('submissions')
      .innerJoin('reviews', 'reviews.id', 'submissions.last_review_id')
      .select(['submissions.confidence', 'submissions.fix_type', 'reviews.fix_type as labelled'])
      .where('submissions.term', '=', term)
      .where('submissions.fix_type', 'is not', null)
      .where('submissions.confidence', 'is not', null)
      .execute();
    return rows.map((r) => ({ confidence: r.confidence!, predicted: r.fix_type!, labelled: r.labelled }));
  }

  async close(): Promise<void> {
    await this.#c?.close();
    this.#c = undefined;
  }
}

export interface Agreement {
  n: number;
  accuracy: number | null;
  /** Cohen's kappa of model and TA over the fix types: agreement beyond what the two label mixes give by chance. */
  kappa: number | null;
}

/** Accuracy and Cohen's kappa from the confusion cells (cells where the model said nothing are left out). */
export function agreementOf(cells: Pick<AgreementCell, 'predicted' | 'labelled' | 'n'>[]): Agreement {
  const known = cells.filter((c) => c.predicted !== null);
  const n = known.reduce((s, c) => s + c.n, 0);
  if (!n) return { n: 0, accuracy: null, kappa: null };
  const agree = known.filter((c) => c.predicted === c.labelled).reduce((s, c) => s + c.n, 0);
  const byPredicted = new Map<string, number>();
  const byLabelled = new Map<string, number>();
  for (const c of known) {
    byPredicted.set(c.predicted!, (byPredicted.get(c.predicted!) ?? 0) + c.n);
    byLabelled.set(c.labelled, (byLabelled.get(c.labelled) ?? 0) + c.n);
  }
  const po = agree / n;
  let pe = 0;
  for (const [k, v] of byPredicted) pe += (v / n) * ((byLabelled.get(k) ?? 0) / n);
  return { n, accuracy: po, kappa: pe === 1 ? (po === 1 ? 1 : 0) : (po - pe) / (1 - pe) };
}

export interface ReliabilityBin {
  from: number;
  to: number;
  n: number;
  meanConfidence: number;
  accuracy: number;
}

/** The reliability diagram's points: over TA-labelled predictions, accuracy per band of confidence. */
export function reliability(rows: LabelledPrediction[], bins = 10): ReliabilityBin[] {
  const out: ReliabilityBin[] = [];
  for (let b = 0; b < bins; b++) {
    const from = b / bins;
    const to = (b + 1) / bins;
    const inBin = rows.filter((r) => r.confidence >= from && (b === bins - 1 ? r.confidence <= to : r.confidence < to));
    if (!inBin.length) continue;
    out.push({
      from,
      to,
      n: inBin.length,
      meanConfidence: inBin.reduce((s, r) => s + r.confidence, 0) / inBin.length,
      accuracy: inBin.filter((r) => r.predicted === r.labelled).length / inBin.length,
    });
  }
  return out;
}

export interface ThresholdRow {
  threshold: number;
  /** Predictions below the threshold: withheld and flagged for a TA. */
  flagged: number;
  flaggedShare: number;
  /** Of the TA-labelled predictions at or above it (those students would be shown): how many, and how many right. */
  labelledAbove: number;
  accuracyAbove: number | null;
}

/**
 * What each confidence threshold would do with this term's predictions: how many a TA would
 * review, and how accurate the shown rest are, measured on the TA-labelled ones among them.
 */
export function thresholds(confidences: number[], labelled: LabelledPrediction[], steps = 19): ThresholdRow[] {
  const out: ThresholdRow[] = [];
  for (let i = 1; i <= steps; i++) {
    const t = Math.round((i / (steps + 1)) * 100) / 100;
    const flagged = confidences.filter((c) => c < t).length;
    const above = labelled.filter((r) => r.confidence >= t);
    out.push({
      threshold: t,
      flagged,
      flaggedShare: confidences.length ? flagged / confidences.length : 0,
      labelledAbove: above.length,
      accuracyAbove: above.length ? above.filter((r) => r.predicted === r.labelled).length / above.length : null,
    });
  }
  return out;
}
