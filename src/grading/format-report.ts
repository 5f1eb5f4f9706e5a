import type { TestReport, TestResult } from './report.js';

const EXCERPT_LINES = 6;
const EXCERPT_WIDTH = 100;

/** A few lines of a text, each cut to a readable width, control characters made visible. */
export function excerpt(text: string, lines = EXCERPT_LINES, width = EXCERPT_WIDTH): string[] {
  const all = text.replace(/\r\n/g, '\n').replace(/\n$/, '').split('\n');
  const shown = all.slice(0, lines).map((l) => {
    const visible = l.replace(
      // eslint-disable-next-line no-control-regex -- control characters are what is escaped
      /[\u0000-\u0008\u000b-\u001f\u007f]/g,
      (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
    );
    return visible.length > width ? `${visible.slice(0, width - 1)}…` : visible;
  });
  if (all.length > lines) shown.push(`… (${all.length - lines} more lines)`);
  return shown.length ? shown : ['(nothing)'];
}

function block(label: string, text: string): string[] {
  const [first, ...rest] = excerpt(text);
  return [`    ${label.padEnd(9)} ${first}`, ...rest.map((l) => `    ${''.padEnd(9)} ${l}`)];
}

function failure(t: TestResult): string[] {
  const head = `  ${t.id}${t.hidden ? ' (hidden)' : ''}  ${t.verdict}${t.detail ? ` — ${t.detail}` : ''}`;
  const out = [
    head,
    ...block('input:', t.input),
    ...block('expected:', t.expected),
    ...block('actual:', t.actual + (t.truncated ? '\n[output cut]' : '')),
  ];
  if (t.answers) {
    const show = (xs: string[]) => (xs.length ? xs.map((x) => JSON.stringify(x)).join(', ') : 'none');
    out.push(`    answer:   expected ${show(t.answers.expected)}, found ${show(t.answers.actual)}`);
  }
  if (t.stderr.trim()) out.push(...block('stderr:', t.stderr));
  if (t.nondeterministic)
    out.push(
      `    note:     output changed when re-run (${(t.rerunVerdicts ?? []).join(', ')}): uninitialised variable?`,
    );
  return out;
}

/** The `grade` command's readable table. */
export function formatReport(r: TestReport): string {
  const lines = [`${r.assignment.title} (${r.assignment.name}) — ${r.source.file}, ${r.source.bytes} bytes`];
  if (!r.compiled) {
    lines.push('', 'COMPILE_ERROR', ...excerpt(r.compile.diagnostics, 20, 160).map((l) => `  ${l}`));
    return lines.join('\n') + '\n';
  }
  lines.push(
    `compiled in ${Math.round(r.compile.ms)} ms`,
    '',
    `  ${'TEST'.padEnd(16)}${'VERDICT'.padEnd(15)}${'CPU'.padStart(8)}`,
  );
  for (const t of r.tests) {
    const flag = t.nondeterministic ? '  (nondeterministic)' : t.hidden ? '  (hidden)' : '';
    lines.push(`  ${t.id.padEnd(16)}${t.verdict.padEnd(15)}${`${Math.round(t.cpuMs)} ms`.padStart(8)}${flag}`);
  }
  const failing = r.tests.filter((t) => t.verdict !== 'PASS');
  if (failing.length) {
    lines.push('', 'Failing tests');
    for (const t of failing) lines.push(...failure(t), '');
  } else lines.push('');
  const s = r.summary;
  const points = s.points ? ` · ${s.points.earned}/${s.points.possible} points` : '';
  lines.push(`${s.passed}/${s.total} passed${points} · ${r.verdict} · ${Math.round(r.timing.totalMs)} ms`);
  return lines.join('\n') + '\n';
}
