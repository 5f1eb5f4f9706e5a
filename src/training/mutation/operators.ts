/**
 * The mutation teacher's operators: each finds places in a correct C program where one
 * realistic beginner's bug of a known fix type can be injected, and says which reasoning
 * tags that bug carries. Pure: source in, candidate edits out.
 */
import { LOOP_TYPES, parseC, walk, type SyntaxNode } from '../../analysis/parse-c.js';

export interface Mutation {
  operator: string;
  fixType: string;
  /** Tags the bug carries whatever the tests show; context tags are added after grading. */
  tags: string[];
  /** Replace source[start, end) with `replacement`. */
  start: number;
  end: number;
  replacement: string;
  line: number;
  column: number;
  description: string;
}

export function applyMutation(source: string, m: Mutation): string {
  return source.slice(0, m.start) + m.replacement + source.slice(m.end);
}

const FLIP_STRICT: Record<string, string> = { '<': '<=', '<=': '<', '>': '>=', '>=': '>' };
const FLIP_DIRECTION: Record<string, string> = { '<': '>', '>': '<', '<=': '>=', '>=': '<=', '==': '!=', '!=': '==' };
const ARITH_SWAP: Record<string, string[]> = { '+': ['-'], '-': ['+'], '*': ['/', '+'], '/': ['%', '*'], '%': ['/'] };
const ASSIGN_SWAP: Record<string, string[]> = {
  '+=': ['=', '-='],
  '-=': ['+='],
  '*=': ['='],
  '/=': ['%='],
  '%=': ['/='],
};

function op(n: SyntaxNode): SyntaxNode | null {
  return n.childForFieldName('operator');
}

function at(n: SyntaxNode, start = n.startIndex, end = n.endIndex) {
  return { start, end, line: n.startPosition.row + 1, column: n.startPosition.column + 1 };
}

/** The loop whose condition (or for-initialiser/update) contains `n`, if any. */
function loopHeaderOf(n: SyntaxNode): SyntaxNode | null {
  for (let child = n, p = n.parent; p; child = p, p = p.parent) {
    if (LOOP_TYPES.has(p.type)) {
      const body = p.childForFieldName('body');
      return body && body.id === child.id ? null : p;
    }
    if (p.type === 'compound_statement' || p.type === 'function_definition') return null;
  }
  return null;
}

function inCondition(n: SyntaxNode): boolean {
  for (let child = n, p = n.parent; p; child = p, p = p.parent) {
    if (p.type === 'if_statement' || p.type === 'conditional_expression')
      return p.childForFieldName('condition')?.id === child.id;
    if (p.type === 'compound_statement' || LOOP_TYPES.has(p.type)) return false;
  }
  return false;
}

function inCall(n: SyntaxNode, names: string[]): SyntaxNode | null {
  for (let p = n.parent; p; p = p.parent) {
    if (p.type === 'call_expression') return names.includes(p.childForFieldName('function')?.text ?? '') ? p : null;
    if (p.type.endsWith('statement')) return null;
  }
  return null;
}

interface Scope {
  /** Declared scalar variables, by name, with their type text. */
  vars: Map<string, string>;
}

function declaredScalars(root: SyntaxNode): Scope {
  const vars = new Map<string, string>();
  for (const n of walk(root)) {
    if (n.type !== 'declaration' && n.type !== 'parameter_declaration') continue;
    const type = n.childForFieldName('type')?.text ?? '';
    for (const d of n.namedChildren) {
      const inner = d.type === 'init_declarator' ? d.childForFieldName('declarator') : d;
      if (inner?.type === 'identifier') vars.set(inner.text, type);
    }
  }
  return { vars };
}

type Emit = (
  m: Omit<Mutation, 'line' | 'column' | 'start' | 'end'> & { start: number; end: number; line: number; column: number },
) => void;

function comparisons(n: SyntaxNode, emit: Emit): void {
  if (n.type !== 'binary_expression') return;
  const o = op(n);
  if (!o) return;
  const loop = loopHeaderOf(n);
  const cond = inCondition(n);
  if (loop && FLIP_STRICT[o.type]) {
    emit({
      operator: 'loop-bound-strictness',
      fixType: 'LOOP_BOUND',
      tags: ['LOOP', 'OFF_BY_ONE'],
      replacement: FLIP_STRICT[o.type]!,
      ...at(o),
      description: `loop condition ${o.type} became ${FLIP_STRICT[o.type]}`,
    });
    return;
  }
  if (!cond) return;
  if (FLIP_STRICT[o.type]) {
    emit({
      operator: 'comparison-strictness',
      fixType: 'WRONG_CONDITION',
      tags: ['COMPARISON', 'BOUNDARY'],
      replacement: FLIP_STRICT[o.type]!,
      ...at(o),
      description: `comparison ${o.type} became ${FLIP_STRICT[o.type]}`,
    });
  }
  if (FLIP_DIRECTION[o.type]) {
    emit({
      operator: 'comparison-direction',
      fixType: 'WRONG_CONDITION',
      tags: ['COMPARISON'],
      replacement: FLIP_DIRECTION[o.type]!,
      ...at(o),
      description: `comparison ${o.type} became ${FLIP_DIRECTION[o.type]}`,
    });
  }
  if (o.type === '&&' || o.type === '||') {
    const other = o.type === '&&' ? '||' : '&&';
    emit({
      operator: 'logical-connective',
      fixType: 'WRONG_CONDITION',
      tags: ['COMPARISON', 'BOOLEAN_LOGIC'],
      replacement: other,
      ...at(o),
      description: `${o.type} became ${other}`,
    });
    // dropping one alternative of a disjunction leaves some inputs without a branch
    if (o.type === '||') {
      const left = n.childForFieldName('left')!;
      const right = n.childForFieldName('right')!;
      emit({
        operator: 'drop-alternative',
        fixType: 'MISSING_CASE',
        tags: ['MISSING_BRANCH'],
        replacement: left.text,
        ...at(n),
        description: `dropped the alternative || ${right.text}`,
      });
    }
  }
}

function operandSwaps(n: SyntaxNode, scope: Scope, emit: Emit): void {
  if (n.type !== 'binary_expression' || !inCondition(n)) return;
  const o = op(n);
  if (!o || !FLIP_DIRECTION[o.type]) return;
  for (const side of ['left', 'right'] as const) {
    const operand = n.childForFieldName(side);
    if (operand?.type !== 'identifier' || !scope.vars.has(operand.text)) continue;
    const type = scope.vars.get(operand.text);
    const other = n.childForFieldName(side === 'left' ? 'right' : 'left')?.text;
    for (const [name, t] of scope.vars) {
      if (name === operand.text || name === other || t !== type) continue;
      emit({
        operator: 'comparison-operand',
        fixType: 'WRONG_CONDITION',
        tags: ['COMPARISON'],
        replacement: name,
        ...at(operand),
        description: `compares ${name} instead of ${operand.text}`,
      });
    }
  }
}

function loopBounds(n: SyntaxNode, emit: Emit): void {
  if (n.type === 'number_literal' && /^\d+$/.test(n.text) && loopHeaderOf(n)) {
    const v = Number(n.text);
    for (const d of [-1, 1]) {
      if (v + d < 0) continue;
      emit({
        operator: 'loop-bound-constant',
        fixType: 'LOOP_BOUND',
        tags: ['LOOP', 'OFF_BY_ONE'],
        replacement: String(v + d),
        ...at(n),
        description: `loop bound or start ${v} became ${v + d}`,
      });
    }
  }
}

function branches(n: SyntaxNode, emit: Emit): void {
  if (n.type !== 'if_statement') return;
  const alt = n.childForFieldName('alternative');
  if (!alt) return;
  const cons = n.childForFieldName('consequence')!;
  const inner = alt.namedChildren[0];
  if (inner?.type === 'if_statement') {
    // drop one else-if: keep what follows it
    const rest = inner.childForFieldName('alternative');
    emit({
      operator: 'drop-else-if',
      fixType: 'MISSING_CASE',
      tags: ['MISSING_BRANCH'],
      replacement: rest ? ` ${rest.text}` : '',
      start: cons.endIndex,
      end: alt.endIndex,
      line: alt.startPosition.row + 1,
      column: alt.startPosition.column + 1,
      description: `dropped the branch else ${inner.text.split('\n')[0]}`,
    });
  } else {
    emit({
      operator: 'drop-else',
      fixType: 'MISSING_CASE',
      tags: ['MISSING_BRANCH'],
      replacement: '',
      start: cons.endIndex,
      end: alt.endIndex,
      line: alt.startPosition.row + 1,
      column: alt.startPosition.column + 1,
      description: 'dropped the final else branch',
    });
  }
}

function initialisers(n: SyntaxNode, emit: Emit): void {
  if (n.type !== 'init_declarator') return;
  const value = n.childForFieldName('value');
  const decl = n.childForFieldName('declarator');
  if (!value || decl?.type !== 'identifier') return;
  if (value.type === 'number_literal' || value.type === 'char_literal') {
    const v = Number(value.text);
    if (Number.isFinite(v)) {
      emit({
        operator: 'init-value',
        fixType: 'INIT_ERROR',
        tags: ['INITIALIZATION'],
        replacement: String(v === 0 ? 1 : 0),
        ...at(value),
        description: `${decl.text} starts at ${v === 0 ? 1 : 0} instead of ${v}`,
      });
    }
  }
  emit({
    operator: 'init-removed',
    fixType: 'INIT_ERROR',
    tags: ['INITIALIZATION', 'UNDEFINED_BEHAVIOR'],
    replacement: decl.text,
    ...at(n),
    description: `${decl.text} is no longer initialised`,
  });
}

function arithmetic(n: SyntaxNode, emit: Emit): void {
  const o = op(n);
  if (!o) return;
  if (n.type === 'binary_expression' && ARITH_SWAP[o.type] && !loopHeaderOf(n) && !inCondition(n)) {
    for (const r of ARITH_SWAP[o.type]!)
      emit({
        operator: 'arithmetic-operator',
        fixType: 'WRONG_OPERATOR',
        tags: ['ARITHMETIC'],
        replacement: r,
        ...at(o),
        description: `${o.type} became ${r}`,
      });
  }
  if (n.type === 'assignment_expression' && ASSIGN_SWAP[o.type] && !loopHeaderOf(n)) {
    for (const r of ASSIGN_SWAP[o.type]!)
      emit({
        operator: 'assignment-operator',
        fixType: 'WRONG_OPERATOR',
        tags: ['ARITHMETIC'],
        replacement: r,
        ...at(o),
        description: `${o.type} became ${r}`,
      });
  }
}

function expressions(n: SyntaxNode, scope: Scope, emit: Emit): void {
  if (n.type === 'identifier' && scope.vars.has(n.text)) {
    const printf = inCall(n, ['printf']);
    const parent = n.parent;
    const inArith =
      parent?.type === 'binary_expression' &&
      ['+', '-', '*', '/', '%'].includes(op(parent)?.type ?? '') &&
      !loopHeaderOf(n) &&
      !inCondition(n);
    const printedArg = printf && parent?.type === 'argument_list';
    if (!printedArg && !inArith) return;
    const type = scope.vars.get(n.text);
    for (const [name, t] of scope.vars) {
      if (name === n.text || t !== type) continue;
      emit({
        operator: printedArg ? 'printed-variable' : 'expression-variable',
        fixType: 'WRONG_EXPRESSION',
        tags: printedArg ? ['OUTPUT'] : ['ARITHMETIC'],
        replacement: name,
        ...at(n),
        description: `uses ${name} instead of ${n.text}`,
      });
    }
  }
  if (
    n.type === 'number_literal' &&
    /^\d+$/.test(n.text) &&
    !loopHeaderOf(n) &&
    !inCondition(n) &&
    n.parent?.type === 'binary_expression'
  ) {
    const v = Number(n.text);
    if (v >= 2) {
      for (const d of [-1, 1])
        emit({
          operator: 'expression-constant',
          fixType: 'WRONG_EXPRESSION',
          tags: ['ARITHMETIC'],
          replacement: String(v + d),
          ...at(n),
          description: `constant ${v} became ${v + d}`,
        });
    }
  }
}

/** A realistic slip in a printed text: a swapped pair of letters, a dropped word, a capital. */
function textSlips(text: string): { replacement: string; what: string }[] {
  const out: { replacement: string; what: string }[] = [];
  const words = [...text.matchAll(/[A-Za-z]{3,}/g)];
  for (const w of words.slice(0, 4)) {
    const s = w[0];
    const i = w.index!;
    if (text[i - 1] === '%') continue; // "%sec": the letters after % are a conversion, not a word
    const swapped = s[0]! + s[2]! + s[1]! + s.slice(3);
    if (swapped !== s)
      out.push({ replacement: text.slice(0, i) + swapped + text.slice(i + s.length), what: `misspelt "${s}"` });
    const recased = s[0] === s[0]!.toUpperCase() ? s[0]!.toLowerCase() + s.slice(1) : s[0]!.toUpperCase() + s.slice(1);
    out.push({
      replacement: text.slice(0, i) + recased + text.slice(i + s.length),
      what: `changed the case of "${s}"`,
    });
    out.push({
      replacement: (text.slice(0, i) + text.slice(i + s.length + 1)).replace(/ {2,}/g, ' '),
      what: `left out "${s}"`,
    });
  }
  return out;
}

/** An expression that may be evaluated twice without changing what the program does. */
function sideEffectFree(e: SyntaxNode): boolean {
  for (const x of walk(e))
    if (x.type === 'call_expression' || x.type === 'update_expression' || x.type === 'assignment_expression')
      return false;
  return true;
}

function outputs(n: SyntaxNode, emit: Emit): void {
  if (n.type !== 'call_expression' || n.childForFieldName('function')?.text !== 'printf') return;
  const args = n.childForFieldName('arguments');
  const [fmt, ...rest] = args?.namedChildren ?? [];
  if (!args || fmt?.type !== 'string_literal') return;
  const inner = fmt.text.slice(1, -1);
  if (!/%/.test(inner)) return; // the prompt: harmless to change
  for (const s of textSlips(inner)) {
    emit({
      operator: 'printf-text',
      fixType: 'OUTPUT_FORMAT',
      tags: ['OUTPUT'],
      replacement: `"${s.replacement}"`,
      ...at(fmt),
      description: `printed text: ${s.what}`,
    });
  }
  const spec = /%(d|i|c|f|s|lf)/.exec(inner);
  if (spec) {
    const swap = { d: 'c', i: 'c', c: 'd', f: 'd', lf: 'd', s: 'c' }[spec[1] as 'd'];
    emit({
      operator: 'printf-specifier',
      fixType: 'OUTPUT_FORMAT',
      tags: ['OUTPUT'],
      replacement: `"${inner.replace(spec[0], `%${swap}`)}"`,
      ...at(fmt),
      description: `format %${spec[1]} became %${swap}`,
    });
  }
  // printed twice means the arguments twice too: a format with more conversions than
  // arguments is undefined behaviour, and printed whatever the registers held, differently
  // from one machine to the next
  if (inner.endsWith('\\n') && rest.every(sideEffectFree)) {
    const values = rest.map((a) => a.text);
    const replacement = `("${inner}${inner}"${[...values, ...values].map((v) => `, ${v}`).join('')})`;
    emit({
      operator: 'printf-extra-text',
      fixType: 'OUTPUT_FORMAT',
      tags: ['OUTPUT'],
      replacement,
      ...at(args),
      description: 'the answer is printed twice',
    });
  }
}

function inputs(n: SyntaxNode, scope: Scope, emit: Emit): void {
  if (n.type !== 'call_expression') return;
  const name = n.childForFieldName('function')?.text;
  const args = n.childForFieldName('arguments')?.namedChildren ?? [];
  if (name === 'scanf' && args[0]?.type === 'string_literal') {
    const fmt = args[0];
    const inner = fmt.text.slice(1, -1);
    const swaps: [RegExp, string, string[]][] = [
      [/%\[\^\\n\]/, '%s', ['INPUT', 'STRING']],
      [/%d/, '%f', ['INPUT', 'TYPE']],
      [/%lf/, '%f', ['INPUT', 'TYPE']],
      [/%f/, '%d', ['INPUT', 'TYPE']],
      [/%c/, '%s', ['INPUT', 'STRING']],
      [/%s/, '%c', ['INPUT', 'STRING']],
    ];
    for (const [re, by, tags] of swaps) {
      if (re.test(inner))
        emit({
          operator: 'scanf-format',
          fixType: 'INPUT_HANDLING',
          tags,
          replacement: `"${inner.replace(re, by)}"`,
          ...at(fmt),
          description: `scanf format ${re.exec(inner)![0]} became ${by}`,
        });
    }
    // reading into the wrong variable
    for (const a of args.slice(1)) {
      const target = a.type === 'pointer_expression' ? a.childForFieldName('argument') : null;
      if (target?.type !== 'identifier') continue;
      const type = scope.vars.get(target.text);
      for (const [v, t] of scope.vars) {
        if (v === target.text || t !== type || args.some((x) => x.text === `&${v}`)) continue;
        emit({
          operator: 'scanf-target',
          fixType: 'INPUT_HANDLING',
          tags: ['INPUT'],
          replacement: v,
          ...at(target),
          description: `scanf reads into ${v} instead of ${target.text}`,
        });
        break;
      }
    }
  }
  if (name === 'fgets' && args.length === 3 && args[0]?.type === 'identifier') {
    emit({
      operator: 'fgets-to-scanf',
      fixType: 'INPUT_HANDLING',
      tags: ['INPUT', 'STRING'],
      replacement: `scanf("%s", ${args[0].text})`,
      ...at(n),
      description: 'fgets became scanf("%s"), which stops at a space',
    });
  }
}

function types(n: SyntaxNode, emit: Emit): void {
  if (n.type !== 'declaration') return;
  const type = n.childForFieldName('type');
  if (!type || !['float', 'double'].includes(type.text)) return;
  const hasScalar = n.namedChildren.some(
    (d) => d.id !== type.id && (d.type === 'identifier' || d.childForFieldName('declarator')?.type === 'identifier'),
  );
  if (hasScalar)
    emit({
      operator: 'declared-type',
      fixType: 'TYPE_ERROR',
      tags: ['ARITHMETIC', 'TYPE'],
      replacement: 'int',
      ...at(type),
      description: `${type.text} variables became int`,
    });
}

/** Every candidate mutation of `source`, in source order. */
export function mutationsOf(source: string): Mutation[] {
  const tree = parseC(source);
  if (tree.rootNode.hasError) return [];
  const scope = declaredScalars(tree.rootNode);
  const out: Mutation[] = [];
  // node-tree-sitter reports UTF-16 offsets: they index the JS string directly
  const emit: Emit = (m) => out.push(m);
  for (const n of walk(tree.rootNode)) {
    comparisons(n, emit);
    operandSwaps(n, scope, emit);
    loopBounds(n, emit);
    branches(n, emit);
    initialisers(n, emit);
    arithmetic(n, emit);
    expressions(n, scope, emit);
    outputs(n, emit);
    inputs(n, scope, emit);
    types(n, emit);
  }
  return out.filter((m) => m.start >= 0 && m.end <= source.length && m.start <= m.end);
}
