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
 * The node types the features look at as node objects (the rest of the tree is only walked
 * past). Identifiers, half of these in a typical program, are read as text from the flat tree.
 */
const WATCHED: ReadonlySet<string> = new Set([
  'ERROR',
  'function_definition',
  'if_statement',
  'else_clause',
  'switch_statement',
  'case_statement',
  'conditional_expression',
  'for_statement',
  'while_statement',
  'do_statement',
  'break_statement',
  'continue_statement',
  'binary_expression',
  'unary_expression',
  'assignment_expression',
  'update_expression',
  'cast_expression',
  'number_literal',
  'char_literal',
  'subscript_expression',
  'declaration',
  'call_expression',
]);

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
function dataFlow(t: FlatTree, inc: (k: string, by?: number) => void): void {
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
    if (right?.type === 'identifier' && inputs.has(right.text) && t.hasAncestor(k, IFS)) inc('assign_from_input_in_if');
  }
  for (let k = 0; k < t.size; k++) {
    if (t.type[k] !== 'binary_expression') continue;
    const n = t.node(k);
    if (!CMP.has(op(n))) continue;
    const l = n.childForFieldName('left');
    const r = n.childForFieldName('right');
    const isInput = (x: SyntaxNode | null) => x?.type === 'identifier' && inputs.has(x.text);
    const isComputed = (x: SyntaxNode | null) => x?.type === 'identifier' && assigned.has(x.text);
    if (isInput(l) && isInput(r)) inc('cmp_input_input');
    else if ((isInput(l) && isComputed(r)) || (isComputed(l) && isInput(r))) inc('cmp_input_computed');
  }
}

export function codeFeatures(source: string, tree: Tree = parseC(source)): Record<CodeFeatureName, number> {
  const f = Object.fromEntries(CODE_FEATURES.map((k) => [k, 0])) as Record<CodeFeatureName, number>;
  const counts: Record<string, number> = {};
  const inc = (k: string, by = 1) => (counts[k] = (counts[k] ?? 0) + by);
  const identifiers = new Set<string>();
  let charArrayMax = 0;
  let chainMax = 0;
  let depthMax = 0;
  let cmpInCondMax = 0;
  let printfLiteralChars = 0;

  // the native binding makes every node access costly: flatten once, then ask the arrays
  const t = flatten(tree, WATCHED, source);
  // the binary expressions of a condition, itself included: the only parts of it asked about
  const binariesOf = (cond: SyntaxNode) => {
    const i = t.indexOf(cond);
    return [i, ...t.descendants(i)].filter((k) => t.type[k] === 'binary_expression').map((k) => t.node(k));
  };
  for (let idx = 0; idx < t.size; idx++) {
    if (t.type[idx] === 'identifier') {
      identifiers.add(t.text(idx));
      continue;
    }
    if (!WATCHED.has(t.type[idx]!)) continue;
    const n = t.node(idx);
    switch (t.type[idx]) {
      case 'ERROR':
        inc('parse_errors');
        break;
      case 'function_definition':
        inc('functions');
        {
          const body = n.childForFieldName('body');
          if (body) {
            const inBody = t.descendants(t.indexOf(body));
            const r = readsBeforeSet(t, inBody);
            inc('decl_uninit', r.uninit);
            inc('read_before_set', r.readFirst);
            if (n.childForFieldName('declarator')?.childForFieldName('declarator')?.text === 'main') {
              for (const k of inBody) if (t.type[k] === 'return_statement') inc('return_in_main');
            }
          }
        }
        break;
      case 'if_statement': {
        inc('if');
        const alt = n.childForFieldName('alternative');
        if (!alt && n.parent?.type !== 'else_clause') inc('if_without_else');
        if (n.parent?.type !== 'else_clause') chainMax = Math.max(chainMax, elseIfChain(n));
        depthMax = Math.max(depthMax, ifDepth(t, idx) + 1);
        const cond = n.childForFieldName('condition');
        if (cond) {
          let c = 0;
          for (const x of binariesOf(cond)) if (CMP.has(op(x))) c++;
          cmpInCondMax = Math.max(cmpInCondMax, c);
        }
        if (t.hasAncestor(idx, LOOP_TYPES) && t.descendants(idx).some((k) => t.type[k] === 'return_statement'))
          inc('early_return');
        break;
      }
      case 'else_clause':
        inc('else');
        break;
      case 'switch_statement':
        inc('switch');
        break;
      case 'case_statement':
        inc(n.child(0)?.type === 'default' ? 'default' : 'case');
        break;
      case 'conditional_expression':
        inc('ternary');
        break;
      case 'for_statement':
      case 'while_statement':
      case 'do_statement': {
        inc(n.type === 'for_statement' ? 'for' : n.type === 'while_statement' ? 'while' : 'do');
        if (t.hasAncestor(idx, LOOP_TYPES)) inc('loops_nested');
        const cond = loopCondition(n);
        if (cond) {
          for (const x of binariesOf(cond)) {
            const o = op(x);
            if (o === '<=' || o === '>=') inc('loop_cmp_le');
            if (o === '<' || o === '>') inc('loop_cmp_lt');
            if (CMP.has(o)) {
              const right = x.childForFieldName('right');
              if (right?.type === 'number_literal') inc('loop_bound_literal');
              if (right?.type === 'char_literal' || x.childForFieldName('left')?.type === 'char_literal')
                inc('loop_cmp_char');
            }
            if (x.text.includes('strlen')) inc('loop_bound_strlen');
          }
        }
        if (n.type === 'for_statement') {
          const init = n.childForFieldName('initializer');
          if (init && /=\s*1\s*;?$/.test(init.text)) inc('loop_starts_at_1');
        }
        break;
      }
      case 'break_statement':
        inc('break');
        break;
      case 'continue_statement':
        inc('continue');
        break;
      case 'binary_expression': {
        const o = op(n);
        const key = {
          '<': 'cmp_lt',
          '<=': 'cmp_le',
          '>': 'cmp_gt',
          '>=': 'cmp_ge',
          '==': 'cmp_eq',
          '!=': 'cmp_ne',
          '&&': 'and',
          '||': 'or',
          '+': 'add',
          '-': 'sub',
          '*': 'mul',
          '/': 'div',
          '%': 'mod',
        }[o];
        if (key) inc(key);
        break;
      }
      case 'unary_expression': {
        const o = op(n);
        if (o === '!') inc('not');
        if (o === '-') inc('unary_minus');
        break;
      }
      case 'assignment_expression':
        if (op(n) !== '=') inc('compound_assign');
        break;
      case 'update_expression':
        inc('increments');
        break;
      case 'cast_expression':
        inc('casts');
        break;
      case 'number_literal': {
        inc('number_literals');
        const v = Number(n.text.replace(/[uUlLfF]+$/, ''));
        if (v === 10) inc('lit_10');
        else if (v === 64) inc('lit_64');
        else if (v === 32) inc('lit_32');
        else if (v === 48) inc('lit_48');
        else if (Math.abs(v) > 10) inc('lit_other_big');
        break;
      }
      case 'char_literal':
        inc('char_literals');
        break;
      case 'subscript_expression':
        inc('arrays_subscript');
        break;
      case 'declaration': {
        const type = n.childForFieldName('type');
        const t = type?.text ?? '';
        const global = n.parent?.type === 'translation_unit';
        if (global) inc('globals');
        for (const d of n.namedChildren) {
          if (d.id === type?.id || d.type === 'storage_class_specifier' || d.type === 'type_qualifier') continue;
          const inner = d.type === 'init_declarator' ? d.childForFieldName('declarator') : d;
          if (inner?.type === 'array_declarator') {
            if (/char/.test(t)) {
              inc('decl_char_array');
              const size = Number(inner.childForFieldName('size')?.text ?? NaN);
              if (Number.isFinite(size)) charArrayMax = Math.max(charArrayMax, size);
            }
            continue;
          }
          if (/\bunsigned\b/.test(t)) inc('decl_unsigned');
          if (/\blong\b/.test(t)) inc('decl_long');
          // float or double is the student's choice; what matters is real versus integer
          if (/\bdouble\b|\bfloat\b/.test(t)) inc('decl_real');
          else if (/\bchar\b/.test(t)) inc('decl_char');
          else if (/\bint\b|\bshort\b|\blong\b|\bunsigned\b/.test(t)) inc('decl_int');
        }
        break;
      }
      case 'call_expression': {
        const name = n.childForFieldName('function')?.text ?? '';
        const inLoop = t.hasAncestor(idx, LOOP_TYPES);
        if (name === 'scanf' || name === 'fscanf') {
          inc('scanf');
          if (inLoop) inc('scanf_in_loop');
          const fmt = firstStringArg(n);
          for (const s of formatSpecifiers(fmt))
            inc(
              {
                d: 'scanf_d',
                i: 'scanf_d',
                f: 'scanf_real',
                lf: 'scanf_real',
                e: 'scanf_real',
                g: 'scanf_real',
                s: 'scanf_s',
                c: 'scanf_c',
                '[': 'scanf_set',
              }[s] ?? 'scanf_other',
            );
          f.scanf_args_max = Math.max(f.scanf_args_max, (n.childForFieldName('arguments')?.namedChildCount ?? 1) - 1);
          const p = n.parent?.type;
          if (p && p !== 'expression_statement') inc('scanf_result_used');
        } else if (name === 'printf' || name === 'fprintf') {
          inc('printf');
          if (inLoop) inc('printf_in_loop');
          const fmt = firstStringArg(n);
          printfLiteralChars += fmt.replace(/%[^a-zA-Z%]*[a-zA-Z%]|\\./g, '').length;
          if (fmt && !fmt.includes('\\n')) inc('printf_no_newline');
          for (const s of formatSpecifiers(fmt))
            inc(
              { d: 'printf_d', i: 'printf_d', f: 'printf_f', lf: 'printf_f', c: 'printf_c', s: 'printf_s' }[s] ??
                'printf_other',
            );
        } else if (name === 'puts' || name === 'putchar') inc('puts_putchar');
        else if (name === 'fgets') inc('fgets');
        else if (name === 'getchar' || name === 'getc' || name === 'fgetc') inc('getchar');
        else if (name === 'gets') inc('gets');
        else if (name === 'strlen') inc('strlen');
        else if (name === 'exit') inc('exit_call');
        else if (STRING_FUNCS.has(name)) inc('string_funcs');
        else if (CTYPE_FUNCS.has(name)) inc('ctype_funcs');
        else if (MATH_FUNCS.has(name)) inc('math_funcs');
        break;
      }
    }
  }
  dataFlow(t, inc);
  for (const [k, v] of Object.entries(counts)) if (k in f) f[k as CodeFeatureName] = log1p(v);
  const cmp = (counts.cmp_lt ?? 0) + (counts.cmp_gt ?? 0) + (counts.cmp_le ?? 0) + (counts.cmp_ge ?? 0);
  f.cmp_strict_share = cmp ? ((counts.cmp_lt ?? 0) + (counts.cmp_gt ?? 0)) / cmp : 0;
  f.lines = log1p(source.split('\n').length);
  f.else_if_chain_max = log1p(chainMax);
  f.if_depth_max = log1p(depthMax);
  f.cond_cmp_count_max = log1p(cmpInCondMax);
  f.char_array_size_max = log1p(charArrayMax);
  f.char_array_small = charArrayMax > 0 && charArrayMax <= 20 ? 1 : 0;
  f.printf_literals_chars = log1p(printfLiteralChars);
  f.scanf_args_max = log1p(f.scanf_args_max);
  f.identifiers_distinct = log1p(identifiers.size);
  return f;
}
