/**
 * How far the teachers agree: on every program two teachers both labelled, the share of equal
 * fix types and Cohen's kappa (agreement beyond what their label frequencies give by chance).
 */
import { round } from '../scoring.js';
import { programHash, type TeacherRun } from './teacher.js';

export interface PairAgreement {
  teachers: [string, string];
  /** Programs both labelled. */
  shared: number;
  agreement: number | null;
  kappa: number | null;
}

/** Cohen's kappa of two raters' labels on the same items; null when it is undefined (no items, or chance agreement 1). */
export function cohensKappa(a: string[], b: string[]): number | null {
  const n = a.length;
  if (!n || n !== b.length) return null;
  const po = a.filter((x, i) => x === b[i]).length / n;
  const count = (xs: string[]) => {
    const m = new Map<string, number>();
    for (const x of xs) m.set(x, (m.get(x) ?? 0) + 1);
    return m;
  };
  const ca = count(a);
  const cb = count(b);
  let pe = 0;
  for (const [label, na] of ca) pe += (na / n) * ((cb.get(label) ?? 0) / n);
  if (pe >= 1) return null;
  return (po - pe) / (1 - pe);
}

/** Every pair of teachers with their programs in common (a program a teacher labelled twice counts its first label). */
export function agreementReport(runs: TeacherRun[]): PairAgreement[] {
  const byTeacher = runs.map((r) => {
    const m = new Map<string, string>();
    for (const e of r.examples) {
      if (e.provenance.kind !== 'submission') continue;
      const h = programHash(e.source);
      if (!m.has(h)) m.set(h, e.label.fixType);
    }
    return { teacher: r.teacher, labels: m };
  });
  const out: PairAgreement[] = [];
  for (let i = 0; i < byTeacher.length; i++)
    for (let j = i + 1; j < byTeacher.length; j++) {
      const x = byTeacher[i]!;
      const y = byTeacher[j]!;
      const shared = [...x.labels.keys()].filter((h) => y.labels.has(h));
      const a = shared.map((h) => x.labels.get(h)!);
      const b = shared.map((h) => y.labels.get(h)!);
      const k = cohensKappa(a, b);
      out.push({
        teachers: [x.teacher, y.teacher],
        shared: shared.length,
        agreement: shared.length ? round(a.filter((v, n) => v === b[n]).length / shared.length) : null,
        kappa: k === null ? null : round(k),
      });
    }
  return out;
}
