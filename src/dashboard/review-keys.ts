import type { Taxonomy } from '../model/taxonomy.js';

/**
 * The review screen's keys. Commands take the letters a TA reaches without looking (a, s,
 * j, k, u, n, ?); fix types are the digits in the taxonomy's order; tags take the other
 * letters, in the taxonomy's order, so a course's own taxonomy gets keys too.
 */
export const COMMAND_KEYS = {
  accept: 'a',
  save: 'Enter',
  next: 'j',
  previous: 'k',
  skip: 's',
  undo: 'u',
  note: 'n',
  help: '?',
  queue: 'q',
  groups: 'g',
} as const;

const FIX_TYPE_KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '0'];
const TAG_KEYS = 'cdefhilmoprtvwxyzb'.split('');

export interface KeyMap {
  fixTypes: { name: string; key: string | null }[];
  tags: { name: string; key: string | null }[];
}

export function keyMap(t: Taxonomy): KeyMap {
  return {
    fixTypes: t.fixTypes.map((name, i) => ({ name, key: FIX_TYPE_KEYS[i] ?? null })),
    tags: t.tags.map((name, i) => ({ name, key: TAG_KEYS[i] ?? null })),
  };
}

/** What `?` shows, in order. */
export const HELP: { keys: string; does: string }[] = [
  { keys: 'a', does: "accept the model's fix type and tags, and open the next item" },
  { keys: '1 … 0', does: 'choose another fix type (the digit beside it)' },
  { keys: 'letters', does: 'toggle a tag (the letter beside it)' },
  { keys: 'Enter', does: 'save the label as chosen, and open the next item' },
  { keys: 'j', does: 'next: the next item of the queue (this one stays in it)' },
  { keys: 'k', does: 'previous: back to the item opened before this one' },
  { keys: 's', does: 'skip: leave this item to another TA and open the next' },
  { keys: 'u', does: 'undo: take back the label just saved and reopen that item' },
  { keys: 'n', does: 'write a note (Esc leaves the note)' },
  { keys: 'q / g', does: 'the queue / the groups' },
  { keys: '?', does: 'show or hide these keys' },
];
