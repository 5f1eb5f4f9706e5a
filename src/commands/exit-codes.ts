import { CommanderError } from 'commander';
import { AssignmentError } from '../assignments/assignment.js';
import { ConfigError } from '../core/config-error.js';
import { TemplateError } from '../feedback/templates.js';
import { ManifestError } from '../fixtures/submission-manifest.js';
import { ModelError } from '../model/predictor.js';
import { TaxonomyError } from '../model/taxonomy.js';
import { SandboxUnavailableError } from '../sandbox/errors.js';
import { QueueUnavailableError } from '../queue/queues.js';
import { UnsafeLockDirError } from '../sandbox/uid-pool.js';
import { StoreError, StoreUnavailableError } from '../store/errors.js';
import { DatasetError } from '../training/dataset-error.js';
import { CliError } from './cli-error.js';

/** What the CLI's exit status means, for scripts and CI jobs that call it. */
export const EXIT = {
  ok: 0,
  /** A fault in fixsense itself (printed with its stack), or a submission that does not pass. */
  failed: 1,
  /** Something the user gave is wrong: an option, a file, a folder, a setting. */
  userError: 2,
  /**
   * Something this machine needs is not there now: the sandbox cannot run (no bubblewrap, no
   * user namespaces, no compiler), or the database or Redis does not answer. Try again.
   */
  unavailable: 3,
} as const;

type ErrorClass = abstract new (...args: never[]) => Error;

/**
 * Errors the user can fix, each with the words that say what was broken: one line, no
 * stack. A new loader's error class goes here, not into a try/catch in each command.
 */
const USER_ERRORS: readonly (readonly [ErrorClass, string])[] = [
  [CliError, ''],
  [ConfigError, ''],
  [AssignmentError, 'broken assignment: '],
  [TemplateError, 'broken templates: '],
  [ModelError, ''],
  [TaxonomyError, ''],
  [DatasetError, ''],
  [ManifestError, ''],
  [UnsafeLockDirError, ''],
  // after StoreUnavailableError (below): a wrong URL, a refused login, a newer schema
  [StoreError, ''],
];

const UNAVAILABLE: readonly ErrorClass[] = [SandboxUnavailableError, StoreUnavailableError, QueueUnavailableError];

export interface Exit {
  code: number;
  /** What to write to stderr ('' when commander has already said it). */
  text: string;
}

/** The one mapping from an error that reached the CLI to its exit status and message. */
export function exitFor(err: unknown): Exit {
  // commander has printed the usage error (or the help, for exit code 0) itself
  if (err instanceof CommanderError) return { code: err.exitCode === 0 ? EXIT.ok : EXIT.userError, text: '' };
  if (UNAVAILABLE.some((type) => err instanceof type))
    return { code: EXIT.unavailable, text: line((err as Error).message) };
  for (const [type, prefix] of USER_ERRORS) {
    if (err instanceof type) {
      const code = err instanceof CliError ? err.exitCode : EXIT.userError;
      return { code, text: line(prefix + err.message) };
    }
  }
  return { code: EXIT.failed, text: line(err instanceof Error ? (err.stack ?? err.message) : String(err)) };
}

const line = (message: string) => `fixsense: ${message}\n`;
