import type { Diagnostic } from './report.js';

const LINE = /^(?<file>[^:\n]+):(?<line>\d+):(?<col>\d+): (?<sev>fatal error|error|warning|note): (?<msg>.*)$/gm;
const UNDEFINED = /undefined reference to [`‘'](?<name>[\w$]+)['’]/g;

/**
 * Puts the student's file name back into the compiler's and the linker's messages, and
 * removes what changes from run to run (the linker's temporary object file, code offsets).
 */
export function renameSource(diagnostics: string, sandboxPath: string, studentFile: string): string {
  const sandboxBase = sandboxPath.split('/').pop()!;
  const objectName = studentFile.replace(/\.c$/, '.o');
  return diagnostics
    .split(sandboxPath)
    .join(studentFile)
    .replace(/\/tmp\/cc\w+\.o/g, objectName)
    .replace(new RegExp(`^${sandboxBase.replace('.', '\\.')}:\\(\\.text[^)]*\\)`, 'gm'), studentFile);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * gcc/clang `file:line:col: severity: message` lines about `file`, and linker errors
 * (`undefined reference to f`), placed at the first call of `f` in the source.
 */
export function parseDiagnostics(text: string, file: string, source = ''): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const m of text.matchAll(LINE)) {
    const g = m.groups!;
    if (g.file !== file) continue;
    const option = /\[(-W[\w=-]+)\]$/.exec(g.msg!)?.[1];
    out.push({
      line: Number(g.line),
      column: Number(g.col),
      severity: g.sev === 'fatal error' ? 'error' : (g.sev as Diagnostic['severity']),
      message: g.msg!,
      ...(option ? { option: option.replace(/=$/, '') } : {}),
    });
  }
  const lines = source.split('\n');
  const seen = new Set<string>();
  for (const m of text.matchAll(UNDEFINED)) {
    const name = m.groups!.name!;
    if (seen.has(name)) continue;
    seen.add(name);
    const call = new RegExp(`\\b${escapeRegExp(name)}\\s*\\(`);
    const i = lines.findIndex((l) => call.test(l));
    out.push({
      line: i >= 0 ? i + 1 : 1,
      column: i >= 0 ? lines[i]!.search(call) + 1 : 1,
      severity: 'error',
      message: `undefined reference to '${name}': no function of that name exists (misspelt, or its library not linked)`,
    });
  }
  return out;
}
