import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import type { Assignment } from '../assignments/assignment.js';
import { loadAssignment } from '../assignments/load-assignment.js';
import { feedbackConfigSchema, type FeedbackConfig } from '../feedback/feedback-context.js';
import { ConfigError } from '../core/config-error.js';
import { DEFAULT_SHADOW_BAR, shadowBarSchema, type ShadowBar } from '../model/assignment-mode.js';
import { formatZodIssues } from '../core/zod-issues.js';
import { escapeRegExp } from '../core/escape-regexp.js';

const assignmentEntry = z
  .object({
    name: z.string().regex(/^[\w-]+$/, 'letters, digits, - and _ only'),
    /** The assignment folder on the App's server, relative to course.yml. */
    folder: z.string(),
    /** Repository names (owner/name or name), * matching anything: GitHub Classroom names them <assignment>-<user>. */
    repositories: z.array(z.string().min(1)).min(1),
    /** Path of the student's file in the repository (default: the assignment's source file). */
    source: z.string().optional(),
    /** Branches whose pushes are graded (default: the repository's default branch). */
    branches: z.array(z.string()).optional(),
    /**
     * Whether students see the model's kind of fix: `auto` (default) is shadow mode for an
     * assignment the serving model never learnt from, until TA reviews reach the course's bar.
     */
    mode: z.enum(['auto', 'live', 'shadow']).default('auto'),
  })
  .strict();

/** The term's name, as staff say it: 2027-spring, fall-2026, ws26. */
const termName = z.string().regex(/^[\w.-]{1,40}$/, 'letters, digits, ., - and _ only (e.g. 2027-spring)');

/** Who may open the TA dashboard, and how long its sessions and claims last. */
export const dashboardSchema = z
  .object({
    /** An organisation team whose active members may enter: "org/team-slug". */
    team: z
      .string()
      .regex(/^[\w.-]+\/[\w.-]+$/, 'org/team-slug')
      .optional(),
    /** GitHub logins who may enter (case-insensitive), besides the team's members. */
    logins: z.array(z.string().regex(/^[A-Za-z0-9-]{1,39}$/, 'a GitHub login')).default([]),
    /** How long a sign-in lasts without use. */
    session_hours: z
      .number()
      .min(0.25)
      .max(24 * 30)
      .default(12),
    /** How long an opened item stays the TA's own (renewed while the page is open). */
    claim_minutes: z.number().min(1).max(120).default(5),
  })
  .strict();

export type DashboardConfig = z.infer<typeof dashboardSchema>;

export const courseFileSchema = z
  .object({
    /** The course's name in the store (default: the folder course.yml is in). */
    name: z.string().min(1).max(100).optional(),
    /** The term every grading is recorded under (default: the current year). */
    term: termName.optional(),
    store: z
      .object({
        /** Days a submission's source is kept after it was graded; without it, until `fixsense db purge`. */
        keep_sources_days: z.number().int().min(1).max(3650).optional(),
      })
      .strict()
      .optional(),
    /** When an assignment new to the model leaves shadow mode: this many reviews, the model right on this share. */
    shadow: shadowBarSchema.optional(),
    assignments: z.array(assignmentEntry).min(1),
    feedback: feedbackConfigSchema.optional(),
    dashboard: dashboardSchema.optional(),
    /** On a plain push: only the check run (default), or a commit comment too. */
    push_feedback: z.enum(['check_run', 'commit_comment']).default('check_run'),
    templates: z.string().optional(),
    model: z.string().optional(),
    taxonomy: z.string().optional(),
  })
  .strict();

export interface CourseAssignment {
  name: string;
  assignment: Assignment;
  source: string;
  branches: string[] | null;
  patterns: RegExp[];
  mode: 'auto' | 'live' | 'shadow';
}

export interface Course {
  file: string;
  name: string;
  term: string;
  keepSourcesDays: number | null;
  shadow: ShadowBar;
  assignments: CourseAssignment[];
  feedback: FeedbackConfig;
  /** Nobody may enter the dashboard when it names no team and no login. */
  dashboard: DashboardConfig;
  pushFeedback: 'check_run' | 'commit_comment';
  templates?: string;
  model?: string;
  taxonomy?: string;
  /** The course assignments a repository's push on `branch` counts for. */
  match(fullName: string, branch: string | null, defaultBranch: string): CourseAssignment[];
  byName(name: string): CourseAssignment | undefined;
}

function globToRegExp(glob: string): RegExp {
  return new RegExp(`^${glob.split('*').map(escapeRegExp).join('.*')}$`, 'i');
}

/** Loads and validates course.yml and every assignment it names: a bad value stops start-up. */
export async function loadCourse(file: string): Promise<Course> {
  let raw: unknown;
  try {
    raw = parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(`${file}: ${(err as Error).message.split('\n')[0]}`);
  }
  const r = courseFileSchema.safeParse(raw);
  if (!r.success) throw new ConfigError(`${file}: ${formatZodIssues(r.error)}`);
  const dir = path.dirname(path.resolve(file));
  const rel = (p: string | undefined) => (p ? path.resolve(dir, p) : undefined);
  const names = new Set<string>();
  const assignments: CourseAssignment[] = [];
  for (const a of r.data.assignments) {
    if (names.has(a.name)) throw new ConfigError(`${file}: assignments: ${a.name} appears twice`);
    names.add(a.name);
    let assignment: Assignment;
    try {
      assignment = await loadAssignment(rel(a.folder)!);
    } catch (err) {
      throw new ConfigError(`${file}: assignment ${a.name}: ${(err as Error).message}`);
    }
    assignments.push({
      name: a.name,
      assignment,
      source: a.source ?? assignment.sourceFile,
      branches: a.branches ?? null,
      mode: a.mode,
      patterns: a.repositories.map(globToRegExp),
    });
  }
  return {
    file,
    name: r.data.name ?? path.basename(dir),
    term: r.data.term ?? String(new Date().getFullYear()),
    keepSourcesDays: r.data.store?.keep_sources_days ?? null,
    shadow: r.data.shadow ?? DEFAULT_SHADOW_BAR,
    assignments,
    feedback: r.data.feedback ?? feedbackConfigSchema.parse({}),
    dashboard: r.data.dashboard ?? dashboardSchema.parse({}),
    pushFeedback: r.data.push_feedback,
    ...(r.data.templates ? { templates: rel(r.data.templates)! } : {}),
    ...(r.data.model ? { model: rel(r.data.model)! } : {}),
    ...(r.data.taxonomy ? { taxonomy: rel(r.data.taxonomy)! } : {}),
    match(fullName, branch, defaultBranch) {
      const name = fullName.split('/')[1] ?? fullName;
      return assignments.filter(
        (a) =>
          a.patterns.some((p) => p.test(fullName) || p.test(name)) &&
          (branch === null || (a.branches ?? [defaultBranch]).includes(branch)),
      );
    },
    byName: (name) => assignments.find((a) => a.name === name),
  };
}
