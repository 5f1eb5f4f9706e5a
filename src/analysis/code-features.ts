import { flatten, type FlatTree } from './flat-tree.js';
import { LOOP_TYPES, parseC, type SyntaxNode, type Tree } from './parse-c.js';

/**
 * What a program is made of, in assignment-independent terms: control flow, comparisons,
 * arithmetic, input and output calls and their formats, declarations and their types,
 * and a few hazards (variables read before being set, small buffers, constant loop
 * bounds). Counts are log-scaled so a long program does not drown a short one.
 */
export const CODE_FEATURES = [
  'lines',
  'functions',
  'parse_errors',
  'if',
  'else',
  'else_if_chain_max',
  'if_without_else',
  'if_depth_max',
  'switch',
  'case',
  'default',
  'ternary',
  'for',
  'while',
  'do',
  'loops_nested',
  'break',
  'continue',
  'return_in_main',
  'early_return',
  'exit_call',
  'cmp_lt',
  'cmp_le',
  'cmp_gt',
  'cmp_ge',
  'cmp_eq',
  'cmp_ne',
  'cmp_strict_share',
  'cond_cmp_count_max',
  'and',
  'or',
  'not',
  'loop_cmp_le',
  'loop_cmp_lt',
  'loop_bound_literal',
  'loop_bound_strlen',
  'loop_cmp_char',
  'loop_starts_at_1',
  'add',
  'sub',
  'mul',
  'div',
  'mod',
  'compound_assign',
  'increments',
  'unary_minus',
  'casts',
  'number_literals',
  'char_literals',
  'lit_10',
  'lit_64',
  'lit_32',
  'lit_48',
  'lit_other_big',
  'scanf',
  'scanf_d',
  'scanf_real',
  'scanf_s',
  'scanf_c',
  'scanf_set',
  'scanf_args_max',
  'scanf_result_used',
  'scanf_in_loop',
  'fgets',
  'getchar',
  'gets',
  'printf',
  'printf_d',
  'printf_f',
  'printf_c',
  'printf_s',
  'printf_in_loop',
  'printf_no_newline',
  'puts_putchar',
  'printf_literals_chars',
  'strlen',
  'string_funcs',
  'ctype_funcs',
  'math_funcs',
  'decl_int',
  'decl_real',
  'decl_char',
  'decl_char_array',
  'char_array_size_max',
  'char_array_small',
  'decl_unsigned',
  'decl_long',
  'decl_uninit',
  'read_before_set',
  'arrays_subscript',
  'globals',
  'identifiers_distinct',
  'cmp_input_input',
  'cmp_input_computed',
  'assign_from_input_in_if',
] as const;

export type CodeFeatureName = (typeof CODE_FEATURES)[number];

const STRING_FUNCS = new Set([
  'strcpy',
  'strcat',
  'strcmp',
  'strncpy',
  'strchr',
  'strstr',
  'sprintf',
  'sscanf',
  'memset',
]);
const CTYPE_FUNCS = new Set([
  'isalpha',
  'isdigit',
  'isspace',
  'isupper',
  'islower',
  'toupper',
  'tolower',
  'isalnum',
  'ispunct',
]);
const MATH_FUNCS = new Set(['abs', 'fabs', 'pow', 'sqrt', 'floor', 'ceil', 'round', 'labs', 'log10', 'fmod']);
const CMP = new Set(['<', '<=', '>', '>=', '==', '!=']);

const log1p = (x: number) => Math.log1p(Math.max(0, x));

/**
 * The raw value of each feature while the tree is read: a count, a sum or a maximum, all
 * log-scaled at the end. Only feature names are accepted, so nothing counted is lost.
 */
class Tally {
  readonly raw = Object.fromEntries(CODE_FEATURES.map((k) => [k, 0])) as Record<CodeFeatureName, number>;
  add(k: CodeFeatureName, by = 1): void {
    this.raw[k] += by;
  }
  atLeast(k: CodeFeatureName, value: number): void {
    this.raw[k] = Math.max(this.raw[k], value);
  }
}

/** One node of interest: its index in the flat tree, its object, and the tally to add to. */
interface Visit {
  t: FlatTree;
  idx: number;
  n: SyntaxNode;
  tally: Tally;
}

/** What the features take from one family of node types, by type. */
type Handlers = Record<string, (v: Visit) => void>;

function op(node: SyntaxNode): string {
  return node.childForFieldName('operator')?.type ?? '';
}

/** The format specifiers of a printf/scanf format literal, e.g. ['d', 's', '[']. */
export function formatSpecifiers(literal: string): string[] {
  const out: string[] = [];
  for (const m of literal.matchAll(/%[-+ #0*]*\d*(?:\.\d+)?(hh|h|ll|l|L)?([diouxXeEfgGcsp[%])/g)) {
    if (m[2] === '%') continue;
    out.push((m[1] === 'l' || m[1] === 'L') && 'feEgG'.includes(m[2]!) ? 'lf' : m[2]!);
  }
  return out;
}

function loopCondition(node: SyntaxNode): SyntaxNode | null {
  return node.childForFieldName('condition');
}

function firstStringArg(call: SyntaxNode): string {
  const args = call.childForFieldName('arguments');
  const first = args?.namedChildren[0];
  return first?.type === 'string_literal' ? first.text : '';
}

/** Depth of nested if statements (an else-if chain is not nesting). */
function ifDepth(t: FlatTree, i: number): number {
  let d = 0;
  let child = i;
  for (let p = t.parent[i]!; p >= 0; child = p, p = t.parent[p]!) {
    if (t.type[p] !== 'if_statement') continue;
    const elseIf =
      t.type[child] === 'else_clause' &&
      t.type[t.descendants(child).find((k) => t.parent[k] === child && t.type[k] !== 'else') ?? -1] === 'if_statement';
    if (!elseIf) d++;
  }
  return d;
}

function elseIfChain(node: SyntaxNode): number {
  let n = 1;
  let cur: SyntaxNode | null = node;
  while (cur) {
    const alt: SyntaxNode | null = cur.childForFieldName('alternative');
    const next: SyntaxNode | undefined = alt?.namedChildren[0];
    if (next?.type === 'if_statement') {
      n++;
      cur = next;
    } else cur = null;
  }
  return n;
}

/**
 * Scalar locals declared without a value whose first later mention is a read (not an
 * assignment target, not `&x` handed to scanf): a likely uninitialised read.
 */
function readsBeforeSet(t: FlatTree, body: number[]): { uninit: number; readFirst: number } {
  const pending = new Map<string, number>();
  let uninit = 0;
  let readFirst = 0;
  for (const k of body) {
    const type = t.type[k]!;
    if (type === 'declaration') {
      for (const d of t.node(k).namedChildren) {
        if (d.type === 'identifier') {
          uninit++;
          pending.set(d.text, d.endIndex);
        }
      }
      continue;
    }
    if (type !== 'identifier') continue;
    const name = t.text(k);
    if (!pending.has(name)) continue;
    if (t.start[k]! <= pending.get(name)!) continue;
    const n = t.node(k);
    const parent = n.parent;
    const isTarget =
      (parent?.type === 'assignment_expression' &&
        parent.childForFieldName('left')?.id === n.id &&
        op(parent) === '=') ||
      (parent?.type === 'pointer_expression' && op(parent) === '&');
    if (!isTarget) readFirst++;
    pending.delete(name);
  }
  return { uninit, readFirst };
}

/**
 * Which comparisons involve values read from input directly, and which involve values the
 * program computed (a running minimum, a count): comparing neighbouring inputs where a
 * running value was meant is a typical wrong condition.
 */
function dataFlow(t: FlatTree, tally: Tally): void {
  const inputs = new Set<string>();
  const IFS = new Set(['if_statement']);
  for (let k = 0; k < t.size; k++) {
    if (t.type[k] !== 'call_expression') continue;
    const n = t.node(k);
    if (!/scanf$/.test(n.childForFieldName('function')?.text ?? '')) continue;
    for (const a of n.childForFieldName('arguments')?.namedChildren.slice(1) ?? []) {
      const target = a.type === 'pointer_expression' ? a.childForFieldName('argument') : a;
      if (target?.type === 'identifier') inputs.add(target.text);
    }
  }
  if (!inputs.size) return;
  const assigned = new Set<string>();
  for (let k = 0; k < t.size; k++) {
    if (t.type[k] !== 'assignment_expression') continue;
    const n = t.node(k);
    const left = n.childForFieldName('left');
    const right = n.childForFieldName('right');
    if (left?.type === 'identifier' && !inputs.has(left.text)) assigned.add(left.text);
    if (right?.type === 'identifier' && inputs.has(right.text) && t.hasAncestor(k, IFS))
      tally.add('assign_from_input_in_if');
  }
  for (let k = 0; k < t.size; k++) {
    if (t.type[k] !== 'binary_expression') continue;
    const n = t.node(k);
    if (!CMP.has(op(n))) continue;
    const l = n.childForFieldName('left');
    const r = n.childForFieldName('right');
    const isInput = (x: SyntaxNode | null) => x?.type === 'identifier' && inputs.has(x.text);
    const isComputed = (x: SyntaxNode | null) => x?.type === 'identifier' && assigned.has(x.text);
    if (isInput(l) && isInput(r)) tally.add('cmp_input_input');
    else if ((isInput(l) && isComputed(r)) || (isComputed(l) && isInput(r))) tally.add('cmp_input_computed');
  }
}

/** The binary expressions of a condition, itself included: the only parts of it asked about. */
function binariesOf(t: FlatTree, cond: SyntaxNode): SyntaxNode[] {
  const i = t.indexOf(cond);
  return [i, ...t.descendants(i)].filter((k) => t.type[k] === 'binary_expression').map((k) => t.node(k));
}

/** Functions (and the uninitialised reads in their bodies), and the parser's error nodes. */
const program: Handlers = {
  ERROR: ({ tally }) => tally.add('parse_errors'),
  function_definition: ({ t, n, tally }) => {
    tally.add('functions');
    const body = n.childForFieldName('body');
    if (!body) return;
    const inBody = t.descendants(t.indexOf(body));
    const r = readsBeforeSet(t, inBody);
    tally.add('decl_uninit', r.uninit);
    tally.add('read_before_set', r.readFirst);
    if (n.childForFieldName('declarator')?.childForFieldName('declarator')?.text === 'main') {
      for (const k of inBody) if (t.type[k] === 'return_statement') tally.add('return_in_main');
    }
  },
};

/** if / else chains and their conditions, switch, the ternary operator. */
const branches: Handlers = {
  if_statement: ({ t, idx, n, tally }) => {
    tally.add('if');
    const alt = n.childForFieldName('alternative');
    if (!alt && n.parent?.type !== 'else_clause') tally.add('if_without_else');
    if (n.parent?.type !== 'else_clause') tally.atLeast('else_if_chain_max', elseIfChain(n));
    tally.atLeast('if_depth_max', ifDepth(t, idx) + 1);
    const cond = n.childForFieldName('condition');
    if (cond) tally.atLeast('cond_cmp_count_max', binariesOf(t, cond).filter((x) => CMP.has(op(x))).length);
    if (t.hasAncestor(idx, LOOP_TYPES) && t.descendants(idx).some((k) => t.type[k] === 'return_statement'))
      tally.add('early_return');
  },
  else_clause: ({ tally }) => tally.add('else'),
  switch_statement: ({ tally }) => tally.add('switch'),
  case_statement: ({ n, tally }) => tally.add(n.child(0)?.type === 'default' ? 'default' : 'case'),
  conditional_expression: ({ tally }) => tally.add('ternary'),
};

const LOOP_FEATURE = { for_statement: 'for', while_statement: 'while', do_statement: 'do' } as const;

/** A loop: its kind, nesting, and how its condition bounds it. */
function loop({ t, idx, n, tally }: Visit): void {
  tally.add(LOOP_FEATURE[n.type as keyof typeof LOOP_FEATURE]);
  if (t.hasAncestor(idx, LOOP_TYPES)) tally.add('loops_nested');
  const cond = loopCondition(n);
  if (cond) {
    for (const x of binariesOf(t, cond)) {
      const o = op(x);
      if (o === '<=' || o === '>=') tally.add('loop_cmp_le');
      if (o === '<' || o === '>') tally.add('loop_cmp_lt');
      if (CMP.has(o)) {
        const right = x.childForFieldName('right');
        if (right?.type === 'number_literal') tally.add('loop_bound_literal');
        if (right?.type === 'char_literal' || x.childForFieldName('left')?.type === 'char_literal')
          tally.add('loop_cmp_char');
      }
      if (x.text.includes('strlen')) tally.add('loop_bound_strlen');
    }
  }
  if (n.type === 'for_statement') {
    const init = n.childForFieldName('initializer');
    if (init && /=\s*1\s*;?$/.test(init.text)) tally.add('loop_starts_at_1');
  }
}

/** The three loop statements, and the jumps out of them. */
const loops: Handlers = {
  ...Object.fromEntries([...LOOP_TYPES].map((type) => [type, loop])),
  break_statement: ({ tally }) => tally.add('break'),
  continue_statement: ({ tally }) => tally.add('continue'),
};

const BINARY_OPERATORS = new Map<string, CodeFeatureName>([
  ['<', 'cmp_lt'],
  ['<=', 'cmp_le'],
  ['>', 'cmp_gt'],
  ['>=', 'cmp_ge'],
  ['==', 'cmp_eq'],
  ['!=', 'cmp_ne'],
  ['&&', 'and'],
  ['||', 'or'],
  ['+', 'add'],
  ['-', 'sub'],
  ['*', 'mul'],
  ['/', 'div'],
  ['%', 'mod'],
]);

/** Operators, assignments, casts and subscripts. */
const expressions: Handlers = {
  binary_expression: ({ n, tally }) => {
    const key = BINARY_OPERATORS.get(op(n));
    if (key) tally.add(key);
  },
  unary_expression: ({ n, tally }) => {
    const o = op(n);
    if (o === '!') tally.add('not');
    if (o === '-') tally.add('unary_minus');
  },
  assignment_expression: ({ n, tally }) => {
    if (op(n) !== '=') tally.add('compound_assign');
  },
  update_expression: ({ tally }) => tally.add('increments'),
  cast_expression: ({ tally }) => tally.add('casts'),
  subscript_expression: ({ tally }) => tally.add('arrays_subscript'),
};

/** Number literals with the values beginners' bugs hinge on (10, ASCII offsets), and characters. */
const literals: Handlers = {
  number_literal: ({ n, tally }) => {
    tally.add('number_literals');
    const v = Number(n.text.replace(/[uUlLfF]+$/, ''));
    if (v === 10) tally.add('lit_10');
    else if (v === 64) tally.add('lit_64');
    else if (v === 32) tally.add('lit_32');
    else if (v === 48) tally.add('lit_48');
    else if (Math.abs(v) > 10) tally.add('lit_other_big');
  },
  char_literal: ({ tally }) => tally.add('char_literals'),
};

/** Declarations: globals, char buffers and their size, and the kind of each scalar. */
const declarations: Handlers = {
  declaration: ({ n, tally }) => {
    const type = n.childForFieldName('type');
    const t = type?.text ?? '';
    if (n.parent?.type === 'translation_unit') tally.add('globals');
    for (const d of n.namedChildren) {
      if (d.id === type?.id || d.type === 'storage_class_specifier' || d.type === 'type_qualifier') continue;
      const inner = d.type === 'init_declarator' ? d.childForFieldName('declarator') : d;
      if (inner?.type === 'array_declarator') {
        if (/char/.test(t)) {
          tally.add('decl_char_array');
          const size = Number(inner.childForFieldName('size')?.text ?? NaN);
          if (Number.isFinite(size)) tally.atLeast('char_array_size_max', size);
        }
        continue;
      }
      if (/\bunsigned\b/.test(t)) tally.add('decl_unsigned');
      if (/\blong\b/.test(t)) tally.add('decl_long');
      // float or double is the student's choice; what matters is real versus integer
      if (/\bdouble\b|\bfloat\b/.test(t)) tally.add('decl_real');
      else if (/\bchar\b/.test(t)) tally.add('decl_char');
      else if (/\bint\b|\bshort\b|\blong\b|\bunsigned\b/.test(t)) tally.add('decl_int');
    }
  },
};

/** Format specifiers that are features; the rest (%x, %p, ...) are not counted. */
const SCANF_SPECIFIERS = new Map<string, CodeFeatureName>([
  ['d', 'scanf_d'],
  ['i', 'scanf_d'],
  ['f', 'scanf_real'],
  ['lf', 'scanf_real'],
  ['e', 'scanf_real'],
  ['g', 'scanf_real'],
  ['s', 'scanf_s'],
  ['c', 'scanf_c'],
  ['[', 'scanf_set'],
]);
const PRINTF_SPECIFIERS = new Map<string, CodeFeatureName>([
  ['d', 'printf_d'],
  ['i', 'printf_d'],
  ['f', 'printf_f'],
  ['lf', 'printf_f'],
  ['c', 'printf_c'],
  ['s', 'printf_s'],
]);

function scanfCall({ n, tally }: Visit, inLoop: boolean): void {
  tally.add('scanf');
  if (inLoop) tally.add('scanf_in_loop');
  for (const s of formatSpecifiers(firstStringArg(n))) {
    const key = SCANF_SPECIFIERS.get(s);
    if (key) tally.add(key);
  }
  tally.atLeast('scanf_args_max', (n.childForFieldName('arguments')?.namedChildCount ?? 1) - 1);
  const p = n.parent?.type;
  if (p && p !== 'expression_statement') tally.add('scanf_result_used');
}

function printfCall({ n, tally }: Visit, inLoop: boolean): void {
  tally.add('printf');
  if (inLoop) tally.add('printf_in_loop');
  const fmt = firstStringArg(n);
  tally.add('printf_literals_chars', fmt.replace(/%[^a-zA-Z%]*[a-zA-Z%]|\\./g, '').length);
  if (fmt && !fmt.includes('\\n')) tally.add('printf_no_newline');
  for (const s of formatSpecifiers(fmt)) {
    const key = PRINTF_SPECIFIERS.get(s);
    if (key) tally.add(key);
  }
}

/** Library calls counted by name alone (a Map: a student's function may be called `constructor`). */
const CALLS = new Map<string, CodeFeatureName>([
  ['puts', 'puts_putchar'],
  ['putchar', 'puts_putchar'],
  ['fgets', 'fgets'],
  ['getchar', 'getchar'],
  ['getc', 'getchar'],
  ['fgetc', 'getchar'],
  ['gets', 'gets'],
  ['strlen', 'strlen'],
  ['exit', 'exit_call'],
  ...[...STRING_FUNCS].map((f) => [f, 'string_funcs'] as const),
  ...[...CTYPE_FUNCS].map((f) => [f, 'ctype_funcs'] as const),
  ...[...MATH_FUNCS].map((f) => [f, 'math_funcs'] as const),
]);

/** Input and output calls with their formats, and the library functions a program leans on. */
const calls: Handlers = {
  call_expression: (v) => {
    const name = v.n.childForFieldName('function')?.text ?? '';
    const inLoop = v.t.hasAncestor(v.idx, LOOP_TYPES);
    if (name === 'scanf' || name === 'fscanf') scanfCall(v, inLoop);
    else if (name === 'printf' || name === 'fprintf') printfCall(v, inLoop);
    else {
      const key = CALLS.get(name);
      if (key) v.tally.add(key);
    }
  },
};

const HANDLERS: Handlers = {
  ...program,
  ...branches,
  ...loops,
  ...expressions,
  ...literals,
  ...declarations,
  ...calls,
};

/**
 * The node types the features look at as node objects (the rest of the tree is only walked
 * past). Identifiers, half of these in a typical program, are read as text from the flat tree.
 */
const WATCHED: ReadonlySet<string> = new Set(Object.keys(HANDLERS));

/** Every tally log-scaled, but for two that are no count: a share of the comparisons, and a yes/no. */
function scale(raw: Record<CodeFeatureName, number>): Record<CodeFeatureName, number> {
  const f = Object.fromEntries(CODE_FEATURES.map((k) => [k, log1p(raw[k])])) as Record<CodeFeatureName, number>;
  const strict = raw.cmp_lt + raw.cmp_gt;
  const cmp = strict + raw.cmp_le + raw.cmp_ge;
  f.cmp_strict_share = cmp ? strict / cmp : 0;
  f.char_array_small = raw.char_array_size_max > 0 && raw.char_array_size_max <= 20 ? 1 : 0;
  return f;
}

export function codeFeatures(source: string, tree: Tree = parseC(source)): Record<CodeFeatureName, number> {
  const tally = new Tally();
  const identifiers = new Set<string>();
  // the native binding makes every node access costly: flatten once, then ask the arrays
  const t = flatten(tree, WATCHED, source);
  for (let idx = 0; idx < t.size; idx++) {
    const type = t.type[idx]!;
    if (type === 'identifier') identifiers.add(t.text(idx));
    else if (WATCHED.has(type)) HANDLERS[type]!({ t, idx, n: t.node(idx), tally });
  }
  dataFlow(t, tally);
  tally.add('lines', source.split('\n').length);
  tally.add('identifiers_distinct', identifiers.size);
  return scale(tally.raw);
}
