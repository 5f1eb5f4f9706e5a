/**
 * A new model version against the serving one, on the same held-out programs, through the
 * production predictor (calibration included): the course's TA-confirmed labels of students
 * neither saw, and the IntroClass validation split. The paper's tables for each, side by side,
 * and the promotion rule.
 */
import type { AssignmentIdentity } from '../model/assignment-identity.js';
import type { Predictor, Prediction } from '../model/predictor.js';
import { coverageReport, type CoverageReport } from './coverage.js';
import { shippedResult, type ShippedResult } from './evaluate.js';
import type { Prepared } from './prepare.js';

/** One held-out program as a version folder keeps it (heldout.json): features, not source. */
export interface HeldOutProgram {
  id: string;
  /** "course" (TA-confirmed labels of held-out students) or "introclass" (its validation split). */
  set: string;
  assignment: AssignmentIdentity;
  fix_type: string;
  tags: string[];
  features: number[];
}

export interface ModelOnSet extends ShippedResult {
  version: string;
  coverage: CoverageReport;
}

export interface ComparisonReport {
  schema: 'fixsense/model-comparison@1';
  created: string;
  sets: { name: string; programs: number; models: ModelOnSet[] }[];
}

const asPrepared = (h: HeldOutProgram): Prepared =>
  ({
    example: { id: h.id, assignment: h.assignment.name, label: { fixType: h.fix_type, tags: h.tags, teacher: 'ta' } },
  }) as unknown as Prepared;

/** Every model on every set, each program predicted as in production (with its assignment). */
export async function compareModels(
  heldOut: HeldOutProgram[],
  models: Predictor[],
  fixTypes: string[],
): Promise<ComparisonReport> {
  const names = [...new Set(heldOut.map((h) => h.set))];
  const sets: ComparisonReport['sets'] = [];
  for (const name of names) {
    const programs = heldOut.filter((h) => h.set === name);
    const test = programs.map(asPrepared);
    const results: ModelOnSet[] = [];
    for (const m of models) {
      const preds: Prediction[] = [];
      for (const h of programs)
        preds.push(await m.predictFeatures(Float32Array.from(h.features), { assignment: h.assignment }));
      results.push({
        version: m.version,
        ...shippedResult(test, preds, m.manifest.variant, fixTypes),
        coverage: coverageReport(
          preds.map((p, i) => ({
            confidence: p.confidence,
            correct: p.fixType === programs[i]!.fix_type,
            pGold: p.fixTypeProbs[programs[i]!.fix_type] ?? 0,
          })),
        ),
      });
    }
    sets.push({ name, programs: programs.length, models: results });
  }
  return { schema: 'fixsense/model-comparison@1', created: new Date().toISOString(), sets };
}

export interface PromotionVerdict {
  ok: boolean;
  reason: string;
}

/**
 * A candidate may serve when it is not worse than the serving model on the course's own
 * held-out labels: its accuracy at least the serving one's minus `margin`. No such labels: no
 * evidence, so no promotion (unless forced).
 */
export function promotionVerdict(
  cmp: ComparisonReport,
  candidate: string,
  serving: string,
  margin: number,
  set = 'course',
): PromotionVerdict {
  const s = cmp.sets.find((x) => x.name === set);
  const c = s?.models.find((m) => m.version === candidate);
  const v = s?.models.find((m) => m.version === serving);
  if (!s || !s.programs || !c || !v)
    return { ok: false, reason: `no held-out ${set} labels to compare ${candidate} with ${serving} on` };
  const f = (x: number) => x.toFixed(3);
  const facts = `${candidate} ${f(c.accuracy)} against ${serving} ${f(v.accuracy)} on ${s.programs} held-out ${set} programs (macro-F1 ${f(c.macro_f1)} against ${f(v.macro_f1)})`;
  return c.accuracy >= v.accuracy - margin - 1e-9
    ? { ok: true, reason: `not worse: ${facts}` }
    : { ok: false, reason: `worse by more than the margin of ${margin}: ${facts}` };
}
