/**
 * The code features come from one handler per family of node types; a feature is a name of
 * the CODE_FEATURES tuple, so the compiler refuses a count under a name that is not one.
 * This checks the other direction: every name is produced by some handler.
 */
import { describe, expect, it } from 'vitest';
import { CODE_FEATURES, codeFeatures } from '../../src/analysis/code-features.js';

/** One construct (or more) for every code feature; the unfinished function at the end is the parse error. */
const EVERYTHING = `#include <stdio.h>
#include <string.h>
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
int total = 0;
int twice(int x) { return x * 2; }
int main(void) {
  int a, b, c, m, unset;
  unsigned long big;
  double r;
  char letter;
  char word[10];
  scanf("%d %lf %c %[^\\n] %s", &a, &r, &letter, word, word);
  if (scanf("%d", &b) != 1) exit(1);
  m = a - b;
  if (b < m) m = b;
  if (a > b && !(a == b) || a != c) { if (a <= 0) { m = -a; } }
  else if (a >= 48) m = a / 2 % 3;
  else m = unset;
  switch (a) { case 1: break; default: m = a ? 1 : 0; }
  for (int i = 1; i <= 10; i++) {
    for (int j = 0; j < (int) strlen(word); j++) {
      if (word[j] == 'a') return 0;
      m += 64 + 32 + 100;
      printf("%d", j);
      scanf("%d", &c);
    }
  }
  while (letter != 'x') { letter = getchar(); continue; }
  do { m--; } while (m > 0);
  fgets(word, sizeof word, stdin);
  gets(word);
  puts(word);
  strcpy(word, "x");
  if (isdigit(letter)) m = (int) sqrt(r);
  if (b) m = a;
  printf("%f %c %s no newline", r, letter, word);
  printf("%d\\n", twice(m) + total + (int) big);
  return 0;
}
int broken( { 
`;

describe('code features', () => {
  it('every feature of the tuple is produced by a handler: a program with every construct has them all', () => {
    const f = codeFeatures(EVERYTHING);
    expect(CODE_FEATURES.filter((k) => !(f[k] > 0))).toEqual([]);
    expect(Object.keys(f)).toEqual([...CODE_FEATURES]);
  });

  it('a function named like an Object property is not taken for a library call', () => {
    const program = (name: string) => `int ${name}(void) { return 1; }\nint main(void) { return ${name}(); }\n`;
    const plain = codeFeatures(program('helper'));
    expect(codeFeatures(program('constructor'))).toEqual(plain);
    expect(codeFeatures(program('toString'))).toEqual(plain);
  });

  it('format specifiers that are no feature are not counted', () => {
    const f = codeFeatures('int main(void) { int x; scanf("%x", &x); printf("%p %x\\n", &x, x); return 0; }\n');
    expect(f.scanf).toBeGreaterThan(0);
    expect(f.printf).toBeGreaterThan(0);
    const specifiers = CODE_FEATURES.filter(
      (k) => /^(scanf|printf)_[a-z]+$/.test(k) && !/_(in_loop|args_max|result_used|no_newline)$/.test(k),
    );
    expect(specifiers.filter((k) => f[k] !== 0)).toEqual([]);
  });
});
