import { describe, expect, it } from 'vitest';
import { csvCell, csvLine } from '../../src/store/csv.js';
import { textTable } from '../../src/store/text-table.js';

describe('CSV', () => {
  it('quotes what needs quoting and doubles quotes', () => {
    expect(csvLine(['a', 'b,c', 'say "hi"', 'two\nlines', 3, null, true])).toBe(
      'a,"b,c","say ""hi""","two\nlines",3,,true\r\n',
    );
  });

  it('never hands a spreadsheet a formula from stored text, but keeps numbers as numbers', () => {
    expect(csvCell('=HYPERLINK("http://evil","x")')).toBe(`"'=HYPERLINK(""http://evil"",""x"")"`);
    expect(csvCell('+1')).toBe("'+1");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell(-3)).toBe('-3');
  });
});

describe('text tables', () => {
  it('aligns columns, numbers to the right, and shows control characters as ?', () => {
    const t = textTable(
      ['name', 'n'],
      [
        ['median', 10],
        ['x\u001b[31m', 7],
      ],
    ).split('\n');
    expect(t).toEqual(['name     n', '------  --', 'median  10', 'x?[31m   7', '']);
  });
});
