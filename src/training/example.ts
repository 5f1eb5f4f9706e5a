import type { Label } from './labels.js';

/** Where an example came from: a real submission labelled by a teacher, or a mutant. */
export interface Provenance {
  kind: 'submission' | 'mutant';
  /** The dataset file or folder it was read from. */
  source: string;
  /** Mutants: the correct program it was made from, and how. */
  base?: string;
  operator?: string;
  location?: { line: number; column: number };
}

/** One labelled failing program. */
export interface Example {
  id: string;
  /** The assignment's name (IntroClass: the program). */
  assignment: string;
  /** Folder of the assignment, for the grader. */
  assignmentDir: string;
  /** Anonymous student id: splits never separate one student's versions. */
  student: string;
  split: string;
  source: string;
  label: Label;
  provenance: Provenance;
  /** A correct version of the program, when the teacher gave one (a source of mutants). */
  fixedSource?: string;
  /**
   * Its loss weight, when it is not the default (1 for a real program, the mutant weight for a
   * mutant): an unverified LLM label counts less, a course's own labels more.
   */
  weight?: number;
}

export interface DatasetLoad {
  examples: Example[];
  /** Rows discarded, with why. */
  dropped: { id: string; reason: string }[];
}
