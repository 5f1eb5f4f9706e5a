import { describe, expect, it } from 'vitest';
import { parseDiagnostics, renameSource } from '../../src/grading/diagnostics.js';

const gcc = `/tmp/main.c: In function 'main':
/tmp/main.c:5:3: error: 'y' undeclared (first use in this function)
    5 |   y = 2;
      |   ^
/tmp/main.c:5:3: note: each undeclared identifier is reported only once
/tmp/main.c:7:1: warning: control reaches end of non-void function [-Wreturn-type]
/usr/include/stdio.h:10:2: error: not the student's file
/tmp/main.c:9:14: fatal error: nothere.h: No such file or directory
`;

describe('compiler diagnostics', () => {
  it("renames the sandbox path to the student's file name", () => {
    expect(renameSource(gcc, '/tmp/main.c', 'median.c')).not.toContain('/tmp/main.c');
  });
  it('parses line, column, severity and message of the student file only', () => {
    const d = parseDiagnostics(renameSource(gcc, '/tmp/main.c', 'median.c'), 'median.c');
    expect(d).toEqual([
      { line: 5, column: 3, severity: 'error', message: "'y' undeclared (first use in this function)" },
      { line: 5, column: 3, severity: 'note', message: 'each undeclared identifier is reported only once' },
      {
        line: 7,
        column: 1,
        severity: 'warning',
        message: 'control reaches end of non-void function [-Wreturn-type]',
        option: '-Wreturn-type',
      },
      { line: 9, column: 14, severity: 'error', message: 'nothere.h: No such file or directory' },
    ]);
  });

  it('turns linker errors into messages at the first call, without temporary file names', () => {
    const ld = `/usr/bin/ld: /tmp/cc0HsuNi.o: in function \`main':\nmain.c:(.text+0x8b): undefined reference to \`pritnf'\ncollect2: error: ld returned 1 exit status\n`;
    const text = renameSource(ld, '/tmp/main.c', 'smallest.c');
    expect(text).toBe(
      "/usr/bin/ld: smallest.o: in function `main':\nsmallest.c: undefined reference to `pritnf'\ncollect2: error: ld returned 1 exit status\n",
    );
    const source = 'int main(void) {\n  int x = 1;\n    pritnf("%d", x);\n}\n';
    expect(parseDiagnostics(text, 'smallest.c', source)).toEqual([
      {
        line: 3,
        column: 5,
        severity: 'error',
        message:
          "undefined reference to 'pritnf': no function of that name exists (misspelt, or its library not linked)",
      },
    ]);
  });
});
