import { createRequire } from 'node:module';
import type ParserType from 'tree-sitter';

const require = createRequire(import.meta.url);
// native addons: loaded once, on first use
let parser: ParserType | undefined;

export type SyntaxNode = ParserType.SyntaxNode;
export type Tree = ParserType.Tree;

/** The loop statements of tree-sitter-c's grammar. */
export const LOOP_TYPES: ReadonlySet<string> = new Set(['for_statement', 'while_statement', 'do_statement']);

/** Parses C source with tree-sitter-c. Never throws on bad code: errors become ERROR nodes. */
export function parseC(source: string): Tree {
  if (!parser) {
    const Parser = require('tree-sitter') as typeof ParserType;
    const C = require('tree-sitter-c');
    parser = new Parser();
    parser.setLanguage(C);
  }
  // tree-sitter's default buffer is 32 KiB; sources are bounded by the assignment's size limit
  return parser.parse(source, undefined, { bufferSize: Math.max(32 * 1024, source.length * 2 + 1024) });
}

/**
 * A cursor on every node below `root` in turn, depth first, in source order. The cursor
 * answers type and offsets without making a node object, which costs a native call each.
 * A cursor made from `root` never leaves it: at `root` it has no parent and no sibling.
 */
export function* cursorWalk(root: SyntaxNode): Generator<ParserType.TreeCursor> {
  const cursor = root.walk();
  let descending = true;
  for (;;) {
    if (descending) {
      yield cursor;
      if (cursor.gotoFirstChild()) continue;
    }
    if (cursor.gotoNextSibling()) {
      descending = true;
      continue;
    }
    if (!cursor.gotoParent()) return;
    descending = false;
  }
}

/** Every node below `root`, depth first, in source order. */
export function* walk(root: SyntaxNode): Generator<SyntaxNode> {
  for (const cursor of cursorWalk(root)) yield cursor.currentNode;
}
