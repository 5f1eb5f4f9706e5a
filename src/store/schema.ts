import type { Generated } from 'kysely';

/**
 * The tables as Kysely sees them. One schema for SQLite and PostgreSQL, kept portable:
 * times are integer milliseconds since the epoch, booleans are integers 0/1, JSON is text,
 * large integers (GitHub ids, times) are bigint in PostgreSQL and read back as numbers
 * (normalise.ts). Heavy text lives in side tables so that the summary and queue queries scan
 * narrow rows.
 */
export interface DB {
  meta: MetaTable;
  submissions: SubmissionsTable;
  submission_details: SubmissionDetailsTable;
  submission_sources: SubmissionSourcesTable;
  submission_tests: SubmissionTestsTable;
  submission_tags: SubmissionTagsTable;
  reviews: ReviewsTable;
  claims: ClaimsTable;
  sessions: SessionsTable;
  model_versions: ModelVersionsTable;
  model_aliases: ModelAliasesTable;
  model_alias_log: ModelAliasLogTable;
  assignment_modes: AssignmentModesTable;
}

export interface MetaTable {
  key: string;
  value: string;
}

export interface SubmissionsTable {
  id: Generated<number>;
  /** The grading job's id (40 hex): recording the same job twice is a no-op. */
  job_id: string;
  course: string;
  term: string;
  assignment: string;
  /** 'live' (the student saw the feedback) or 'shadow' (graded and recorded, feedback held back). */
  mode: string;
  installation_id: number | null;
  /** owner/name */
  repository: string;
  repository_id: number | null;
  student_login: string;
  student_id: number | null;
  commit_sha: string;
  branch: string | null;
  pull_request: number | null;
  /** push | pull_request | rerequested | cli | demo */
  trigger: string;
  delivery_id: string | null;
  received_at: number;
  graded_at: number;
  recorded_at: number;
  /** PASS | FAIL | COMPILE_ERROR */
  verdict: string;
  passed: number;
  compiled: number;
  tests_total: number;
  tests_passed: number;
  hidden_total: number;
  hidden_passed: number;
  points_earned: number | null;
  points_possible: number | null;
  /** The failing tests' ids, sorted, space-separated: the dashboard groups by it. */
  failing_tests: string;
  model_version: string | null;
  fix_type: string | null;
  confidence: number | null;
  flagged: number;
  /** JSON array of strings */
  flag_reasons: string;
  /** The check run's conclusion as published: success | failure | neutral */
  conclusion: string;
  check_run_id: number | null;
  comment_id: number | null;
  /** pull_request | commit, when a comment was published */
  comment_kind: string | null;
  published_at: number | null;
  review_count: Generated<number>;
  reviewed_at: number | null;
  last_review_id: number | null;
  source_file: string;
  source_bytes: number;
  source_sha256: string;
  /** kept | too_large | purged */
  source_state: string;
}

export interface SubmissionDetailsTable {
  submission_id: number;
  /** The TestReport, JSON. */
  report: string;
  /** The Prediction (fix-type probabilities, tags with probabilities), JSON, or null. */
  prediction: string | null;
  /** The comment's Markdown as rendered for the student. */
  comment: string;
  check_title: string;
  check_summary: string;
}

export interface SubmissionSourcesTable {
  submission_id: number;
  /** utf8 text, or base64 when the file was not valid UTF-8 or held NUL bytes. */
  encoding: string;
  content: string;
}

export interface SubmissionTestsTable {
  submission_id: number;
  test_id: string;
  suite: string;
  n: number;
  hidden: number;
  verdict: string;
  points: number;
}

export interface SubmissionTagsTable {
  submission_id: number;
  tag: string;
  p: number;
}

export interface ReviewsTable {
  id: Generated<number>;
  submission_id: number;
  reviewer: string;
  reviewer_id: number | null;
  started_at: number | null;
  reviewed_at: number;
  time_spent_ms: number | null;
  fix_type: string;
  /** JSON array of strings */
  tags: string;
  note: string;
  /** What the model said when the TA reviewed: for model-vs-TA agreement. */
  predicted_fix_type: string | null;
  /** 1 when the TA's fix type is the model's, 0 when not, null when the model said nothing. */
  agrees: number | null;
  model_version: string | null;
}

export interface ClaimsTable {
  submission_id: number;
  reviewer: string;
  claimed_at: number;
  expires_at: number;
}

export interface SessionsTable {
  /** sha256 of the session token: a stolen database does not hand out sessions. */
  token_hash: string;
  login: string;
  user_id: number | null;
  created_at: number;
  expires_at: number;
  last_seen_at: number;
  /** JSON object */
  data: string;
}

export interface ModelVersionsTable {
  version: string;
  registered_at: number;
  registered_by: string;
  sha256: string | null;
  /** The manifest, JSON, when known. */
  manifest: string | null;
  notes: string;
}

export interface ModelAliasesTable {
  alias: string;
  version: string;
  moved_at: number;
  moved_by: string;
}

export interface ModelAliasLogTable {
  id: Generated<number>;
  alias: string;
  from_version: string | null;
  to_version: string;
  moved_at: number;
  moved_by: string;
  reason: string;
}

export interface AssignmentModesTable {
  assignment: string;
  /** shadow | live */
  mode: string;
  updated_at: number;
  updated_by: string;
}
