import type { Diagnostic } from './report.js';

const LINE = /^(?<file>[^:\n]+):(?<line>\d+):(?<col>\d+): (?<sev>fatal error|error|warning|note): (?<msg>.*)$/gm;

/** Puts the student's file name back into the compiler's messages. */
export function renameSource(diagnostics: string, sandboxPath: string, studentFile: string): string {
  return diagnostics.split(sandboxPath).join(studentFile);
}

/** gcc/clang `file:line:col: severity: message` lines about `file`. */
export function parseDiagnostics(text: string, file: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const m of text.matchAll(LINE)) {
    const g = m.groups!;
    if (g.file !== file) continue;
    out.push({
      line: Number(g.line),
      column: Number(g.col),
      severity: g.sev === 'fatal error' ? 'error' : (g.sev as Diagnostic['severity']),
      message: g.msg!,
    });
  }
  return out;
}
