import fs from 'node:fs';
import path from 'node:path';
import type { Taxonomy } from '../model/taxonomy.js';
import { DatasetError } from './dataset-error.js';
import type { DatasetLoad } from './example.js';
import { loadIntroclass } from './load-introclass.js';
import { loadLabelledFolder } from './load-labelled-folder.js';

export interface DatasetSpec {
  /** A folder in the ../shared/introclass format, or a folder of submissions with `labels`. */
  data: string;
  labels?: string;
}

/** Whichever format the folder is in; says how many labels it used and dropped, and why. */
export async function loadDataset(
  spec: DatasetSpec,
  taxonomy: Taxonomy,
): Promise<DatasetLoad & { format: 'introclass' | 'labelled-folder' }> {
  if (!fs.existsSync(spec.data)) throw new DatasetError(`${spec.data}: no such folder`);
  if (spec.labels)
    return { ...(await loadLabelledFolder(spec.data, spec.labels, taxonomy)), format: 'labelled-folder' };
  if (fs.existsSync(path.join(spec.data, 'defects.jsonl')))
    return { ...(await loadIntroclass(spec.data, taxonomy)), format: 'introclass' };
  throw new DatasetError(
    `${spec.data}: neither an IntroClass-format folder (defects.jsonl) nor given --labels <jsonl>`,
  );
}
