import { createHash } from 'node:crypto';
import type { TestReport, TestResult, TestVerdict } from '../../src/grading/report.js';
import type { GradingRecord } from '../../src/store/grading-record.js';

export const T0 = Date.UTC(2025, 8, 1, 9, 0, 0);

export const hex40 = (s: string) => createHash('sha1').update(s).digest('hex');

function test(suite: string, n: number, verdict: TestVerdict): TestResult {
  return {
    id: `${suite}/${n}`,
    suite,
    n,
    hidden: suite === 'whitebox',
    verdict,
    input: `${n} ${n + 1} ${n + 2}\n`,
    expected: `${n + 1}\n`,
    actual: verdict === 'PASS' ? `${n + 1}\n` : `${n}\n`,
    truncated: false,
    stderr: '',
    exitCode: 0,
    signal: null,
    cpuMs: 1,
    wallMs: 2,
    maxRssKb: 1000,
    outputBytes: 2,
    nondeterministic: false,
    points: 1,
  };
}

export function sampleReport(assignment: string, failing: string[], compiled = true): TestReport {
  const tests = compiled
    ? [1, 2, 3, 4].flatMap((n) =>
        ['blackbox', 'whitebox'].map((suite) =>
          test(suite, n, failing.includes(`${suite}/${n}`) ? 'WRONG_ANSWER' : 'PASS'),
        ),
      )
    : [];
  const passed = tests.filter((t) => t.verdict === 'PASS').length;
  return {
    schema: 'fixsense/test-report@1',
    assignment: { name: assignment, title: `The ${assignment} assignment` },
    source: { file: `${assignment}.c`, bytes: 100, sha256: 'a'.repeat(64) },
    compiled,
    verdict: !compiled ? 'COMPILE_ERROR' : passed === tests.length ? 'PASS' : 'FAIL',
    compile: {
      ok: compiled,
      exitCode: compiled ? 0 : 1,
      limit: null,
      diagnostics: compiled ? '' : `${assignment}.c:3:5: error: expected ';'`,
      messages: compiled ? [] : [{ line: 3, column: 5, severity: 'error', message: "expected ';'" }],
      lint: [],
      ms: 50,
    },
    tests,
    summary: {
      total: tests.length,
      passed,
      failed: tests.length - passed,
      hiddenTotal: tests.filter((t) => t.hidden).length,
      hiddenPassed: tests.filter((t) => t.hidden && t.verdict === 'PASS').length,
      byVerdict: { PASS: passed, WRONG_ANSWER: tests.length - passed },
      points: null,
      nondeterministic: false,
    },
    timing: { compileMs: 50, runMs: 20, totalMs: 70 },
  };
}

const FIX_TYPES = ['MISSING_CASE', 'WRONG_CONDITION', 'LOOP_BOUND', 'OUTPUT_FORMAT'];
const ASSIGNMENTS = ['median', 'smallest', 'digits', 'grade'];

export interface SampleOptions {
  term?: string;
  course?: string;
  assignment?: string;
  student?: string;
  outcome?: 'PASS' | 'FAIL' | 'COMPILE_ERROR';
  fixType?: string;
  confidence?: number;
  flagged?: boolean;
  receivedAt?: number;
  source?: string | Buffer;
}

/**
 * The i-th synthetic grading: assignments, students, outcomes and fix types cycle so that a
 * term of any size has known totals (see expectedTotals in the large-term test).
 */
export function sampleRecord(i: number, o: SampleOptions = {}): GradingRecord {
  const assignment = o.assignment ?? ASSIGNMENTS[i % ASSIGNMENTS.length]!;
  const student = o.student ?? `student${i % 97}`;
  const outcome = o.outcome ?? (['PASS', 'FAIL', 'FAIL', 'COMPILE_ERROR'] as const)[Math.floor(i / 4) % 4]!;
  const failing = outcome === 'FAIL' ? ['blackbox/2', i % 2 ? 'whitebox/3' : 'blackbox/4'] : [];
  const report = sampleReport(assignment, failing, outcome !== 'COMPILE_ERROR');
  const fixType = o.fixType ?? FIX_TYPES[i % FIX_TYPES.length]!;
  const confidence = o.confidence ?? 0.3 + ((i * 37) % 60) / 100;
  const prediction =
    outcome === 'FAIL'
      ? {
          fixType,
          fixTypeProbs: { [fixType]: confidence, ALGORITHM: 1 - confidence },
          tags: [
            { tag: 'BOUNDARY', p: 0.8 },
            { tag: 'COMPARISON', p: 0.6 },
          ],
          confidence,
        }
      : null;
  const flagged = o.flagged ?? (outcome === 'FAIL' && confidence < 0.6);
  const receivedAt = o.receivedAt ?? T0 + i * 60_000;
  const sha = hex40(`commit ${i}`);
  return {
    jobId: hex40(`job ${i} ${o.term ?? ''}`),
    course: o.course ?? 'cs101',
    term: o.term ?? '2025-fall',
    assignment,
    repository: `cs101-org/${assignment}-${student}`,
    student: { login: student, id: 1000 + (i % 97) },
    commit: sha,
    branch: 'main',
    pullRequest: i % 5 === 0 ? 1 + (i % 7) : null,
    trigger: i % 5 === 0 ? 'pull_request' : 'push',
    deliveryId: `delivery-${i}`,
    installationId: 42,
    receivedAt,
    gradedAt: receivedAt + 1500,
    report,
    prediction,
    modelVersion: prediction ? 'student-2025-08' : null,
    review: { flagged, reasons: flagged ? [`confidence ${Math.round(confidence * 100)}% is below 60%`] : [] },
    feedback: {
      comment: `## ${assignment}\n${report.summary.passed}/${report.summary.total} tests pass`,
      checkTitle: `${report.summary.passed}/${report.summary.total} tests pass`,
      checkSummary: 'summary',
      conclusion: outcome === 'PASS' ? 'success' : 'failure',
    },
    publication: { checkRunId: 30_000_000_000 + i, commentId: null, commentKind: null, publishedAt: receivedAt + 1600 },
    source: {
      fileName: `${assignment}.c`,
      content: o.source ?? `/* ${student} ${i} */\nint main(void) { return 0; }\n`,
    },
  };
}
