import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { Taxonomy } from '../model/taxonomy.js';
import { DatasetError } from './dataset-error.js';
import type { DatasetLoad, Example } from './example.js';
import { jsonlRows } from './jsonl-rows.js';
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
    throw new DatasetError(
      `${file}: missing (a dataset folder in the IntroClass format has defects.jsonl and assignments/)`,
    );
  });
  const examples: Example[] = [];
  const dropped: DatasetLoad['dropped'] = [];
  for (const { row: r } of jsonlRows(text, file, rowSchema, dropped)) {
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
