import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { Taxonomy } from '../model/taxonomy.js';
import { DatasetError } from './dataset-error.js';
import type { DatasetLoad, Example } from './example.js';
import { jsonlRows } from './jsonl-rows.js';
import { checkLabel } from './labels.js';

const rowSchema = z.object({
  file: z.string(),
  assignment: z.string(),
  student: z.string(),
  split: z.string().optional(),
  fixed_file: z.string().optional(),
});

/** A student's split when the labels do not give one: stable, by student, about 1 in 5 to validation. */
export function splitOfStudent(student: string): 'train' | 'validation' {
  return createHash('sha256').update(student).digest()[0]! % 5 === 0 ? 'validation' : 'train';
}

/**
 * What a course has: a folder of submissions (and `assignments/<name>/` folders), plus a
 * labels JSONL with one line a labelled submission:
 * {"file": "sub/alice-median.c", "assignment": "median", "student": "alice",
 *  "fix_type": "MISSING_CASE", "tags": ["BOUNDARY", "MISSING_BRANCH"], "teacher": "ta"}
 */
export async function loadLabelledFolder(dir: string, labelsFile: string, taxonomy: Taxonomy): Promise<DatasetLoad> {
  const text = await fs.readFile(labelsFile, 'utf8').catch((err: Error) => {
    throw new DatasetError(`${labelsFile}: cannot read the labels: ${err.message}`, { cause: err });
  });
  const examples: Example[] = [];
  const dropped: DatasetLoad['dropped'] = [];
  for (const { row: r, json } of jsonlRows(text, labelsFile, rowSchema, dropped)) {
    const label = checkLabel(json, taxonomy);
    if (!label.ok) {
      dropped.push({ id: r.file, reason: label.reason });
      continue;
    }
    const file = path.resolve(dir, r.file);
    if (!file.startsWith(path.resolve(dir) + path.sep)) {
      dropped.push({ id: r.file, reason: 'file is outside the data folder' });
      continue;
    }
    let source: string;
    try {
      source = await fs.readFile(file, 'utf8');
    } catch {
      dropped.push({ id: r.file, reason: 'file not found' });
      continue;
    }
    const fixed = r.fixed_file
      ? await fs.readFile(path.resolve(dir, r.fixed_file), 'utf8').catch(() => undefined)
      : undefined;
    examples.push({
      id: r.file,
      assignment: r.assignment,
      assignmentDir: path.join(dir, 'assignments', r.assignment),
      student: r.student,
      split: r.split ?? splitOfStudent(r.student),
      source,
      label: label.label,
      provenance: { kind: 'submission', source: labelsFile },
      ...(fixed ? { fixedSource: fixed } : {}),
    });
  }
  return { examples, dropped };
}
