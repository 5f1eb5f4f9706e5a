import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { Taxonomy } from '../model/taxonomy.js';
import type { DatasetLoad, Example } from './example.js';
import { checkLabel } from './labels.js';

const rowSchema = z.object({
  id: z.string(),
  program: z.string(),
  student: z.string(),
  split: z.string(),
  source: z.string(),
  label: z.unknown(),
});

/**
 * A folder in the ../shared/introclass format: assignments/<program>/ and defects.jsonl,
 * one labelled failing program a line. Any split names, any number of rows.
 */
export async function loadIntroclass(dir: string, taxonomy: Taxonomy): Promise<DatasetLoad> {
  const file = path.join(dir, 'defects.jsonl');
  const text = await fs.readFile(file, 'utf8').catch(() => {
    throw new Error(`${file}: missing (a dataset folder in the IntroClass format has defects.jsonl and assignments/)`);
  });
  const examples: Example[] = [];
  const dropped: DatasetLoad['dropped'] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (!line) continue;
    const where = `${file}:${i + 1}`;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      dropped.push({ id: where, reason: 'not JSON' });
      continue;
    }
    const row = rowSchema.safeParse(json);
    if (!row.success) {
      dropped.push({ id: where, reason: `malformed row: ${row.error.issues.map((x) => x.path.join('.')).join(', ')}` });
      continue;
    }
    const r = row.data;
    const label = checkLabel(r.label, taxonomy);
    if (!label.ok) {
      dropped.push({ id: r.id, reason: label.reason });
      continue;
    }
    const assignmentDir = path.join(dir, 'assignments', r.program);
    const fixed = (r.label as { fixed_source?: unknown }).fixed_source;
    examples.push({
      id: r.id,
      assignment: r.program,
      assignmentDir,
      student: r.student,
      split: r.split,
      source: r.source,
      label: label.label,
      provenance: { kind: 'submission', source: file },
      ...(typeof fixed === 'string' ? { fixedSource: fixed } : {}),
    });
  }
  return { examples, dropped };
}
