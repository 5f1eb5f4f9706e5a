import fs from 'node:fs';
import path from 'node:path';
import { fixturesDir } from '../core/paths.js';
import { AssignmentError } from './assignment.js';

export const fixtureAssignmentsDir = path.join(fixturesDir, 'assignments');

/** `--assignment` takes a folder, or the name of one of the bundled fixture assignments. */
export function resolveAssignment(nameOrDir: string): string {
  if (fs.existsSync(nameOrDir)) return path.resolve(nameOrDir);
  const fixture = path.join(fixtureAssignmentsDir, nameOrDir);
  if (/^[\w-]+$/.test(nameOrDir) && fs.existsSync(fixture)) return fixture;
  const known = fs.existsSync(fixtureAssignmentsDir) ? fs.readdirSync(fixtureAssignmentsDir).join(', ') : 'none';
  throw new AssignmentError(nameOrDir, `no such folder, and no bundled assignment of that name (bundled: ${known})`);
}
