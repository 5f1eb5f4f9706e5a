import type { Taxonomy } from '../../model/taxonomy.js';
import type { Example } from '../example.js';
import { checkLabel } from '../labels.js';
import { loadLabelledFolder, splitOfStudent } from '../load-labelled-folder.js';
import type { TeacherRun } from './teacher.js';

/**
 * One TA-reviewed submission as the store exports it (its latest review is the label). The
 * commands read the store and hand these over: training knows nothing of databases.
 */
export interface ReviewedSubmission {
  submissionId: number;
  term: string;
  assignment: string;
  student: string;
  /** null when it was too large to keep or has been purged. */
  source: string | null;
  fixType: string;
  tags: string[];
  reviewer: string;
}

/**
 * The TA teacher: the course's reviews, checked against the taxonomy, held out by student
 * (about one in five, by a hash of the login, as label files are) so that a retrained model is
 * compared with the serving one on students neither saw. `assignmentDirs`: the course's
 * assignment folders by name; a review of an assignment the course no longer has is discarded.
 */
export function taTeacher(
  reviews: ReviewedSubmission[],
  assignmentDirs: Map<string, string>,
  taxonomy: Taxonomy,
  source: string,
): TeacherRun {
  const examples: Example[] = [];
  const discarded: TeacherRun['discarded'] = [];
  for (const r of reviews) {
    const id = `store:${r.term}:${r.submissionId}`;
    const dir = assignmentDirs.get(r.assignment);
    if (!dir) {
      discarded.push({ id, reason: `assignment ${r.assignment} is not in the course` });
      continue;
    }
    if (r.source === null) {
      discarded.push({ id, reason: 'its source is not kept (too large or purged)' });
      continue;
    }
    const label = checkLabel({ fix_type: r.fixType, tags: r.tags, teacher: 'ta' }, taxonomy);
    if (!label.ok) {
      discarded.push({ id, reason: label.reason });
      continue;
    }
    examples.push({
      id,
      assignment: r.assignment,
      assignmentDir: dir,
      student: r.student,
      split: splitOfStudent(r.student),
      source: r.source,
      label: label.label,
      provenance: { kind: 'submission', source },
    });
  }
  return { teacher: 'ta', examples, discarded, stats: { reviews: reviews.length, used: examples.length } };
}

/** Label files (JSONL beside a folder of submissions): TA or LLM labels a course keeps outside the store. */
export async function labelsFileTeacher(dir: string, labelsFile: string, taxonomy: Taxonomy): Promise<TeacherRun> {
  const ds = await loadLabelledFolder(dir, labelsFile, taxonomy);
  return {
    teacher: 'labels',
    examples: ds.examples,
    discarded: ds.dropped,
    stats: { used: ds.examples.length },
  };
}
