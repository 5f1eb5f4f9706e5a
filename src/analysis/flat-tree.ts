import { cursorWalk, type SyntaxNode, type Tree } from './parse-c.js';

/**
 * A parse tree flattened once into plain arrays. Every property read on a tree-sitter node
 * crosses into native code; questions asked many times (what type, which ancestor, which
 * descendants) are answered from these arrays instead.
 */
export interface FlatTree {
  /** How many nodes (named and anonymous) the tree has. */
  size: number;
  /** Node i, made on first use: most nodes (punctuation, most tokens) are never needed as objects. */
  node(i: number): SyntaxNode;
  /** The source text of node i, without making the node when the source was given. */
  text(i: number): string;
  type: string[];
  start: number[];
  end: number[];
  /** Index of the parent node, -1 for the root. */
  parent: number[];
  indexOf(node: SyntaxNode): number;
  /** Indices of the descendants of node i (depth-first order makes them contiguous). */
  descendants(i: number): number[];
  /** Whether an ancestor of node i has one of these types. */
  hasAncestor(i: number, types: ReadonlySet<string>): boolean;
}

/**
 * `eager`: the node types made into objects during the walk (those the caller will ask for);
 * any other node is made on request, which costs a seek from the root. `source`: the string
 * the tree was parsed from, so that `text` is a slice (tree-sitter's offsets into a string
 * input are string indices: its own `text` is the same substring).
 */
export function flatten(tree: Tree, eager?: ReadonlySet<string>, source?: string): FlatTree {
  // type and offsets come from the cursor, and node objects only when asked for: making every
  // node and asking it for them (and for its id) was most of featurize's time
  const type: string[] = [];
  const start: number[] = [];
  const end: number[] = [];
  const nodes: (SyntaxNode | undefined)[] = [];
  for (const cursor of cursorWalk(tree.rootNode)) {
    const t = cursor.nodeType;
    nodes.push(!eager || eager.has(t) ? cursor.currentNode : undefined);
    type.push(t);
    start.push(cursor.startIndex);
    end.push(cursor.endIndex);
  }
  const size = type.length;
  // the walk above is tree-sitter's depth-first order, so node i is its descendant number i
  const seek = tree.rootNode.walk();
  const node = (i: number): SyntaxNode => {
    let n = nodes[i];
    if (!n) {
      seek.gotoDescendant(i);
      n = nodes[i] = seek.currentNode;
    }
    return n;
  };
  const parent = new Array<number>(size).fill(-1);
  const stack: number[] = [];
  for (let i = 0; i < size; i++) {
    while (stack.length && !(start[i]! >= start[stack.at(-1)!]! && end[i]! <= end[stack.at(-1)!]!)) stack.pop();
    parent[i] = stack.at(-1) ?? -1;
    stack.push(i);
  }
  // nodes by span, built on the first lookup; nested nodes can share a span, and then the id decides
  let bySpan: Map<string, number[]> | undefined;
  const indexOf = (wanted: SyntaxNode): number => {
    if (!bySpan) {
      bySpan = new Map();
      for (let i = 0; i < size; i++) {
        const k = `${start[i]}:${end[i]}`;
        const list = bySpan.get(k);
        if (list) list.push(i);
        else bySpan.set(k, [i]);
      }
    }
    const list = bySpan.get(`${wanted.startIndex}:${wanted.endIndex}`);
    if (!list) return -1;
    if (list.length === 1) return list[0]!;
    const id = wanted.id;
    return list.find((i) => node(i).id === id) ?? -1;
  };
  return {
    size,
    node,
    text: (i) => (source === undefined ? node(i).text : source.slice(start[i]!, end[i]!)),
    type,
    start,
    end,
    parent,
    indexOf,
    descendants(i) {
      const out: number[] = [];
      for (let k = i + 1; k < size && start[k]! >= start[i]! && end[k]! <= end[i]!; k++) out.push(k);
      return out;
    },
    hasAncestor(i, types) {
      for (let p = parent[i]!; p >= 0; p = parent[p]!) if (types.has(type[p]!)) return true;
      return false;
    },
  };
}
