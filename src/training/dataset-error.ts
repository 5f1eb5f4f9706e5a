/**
 * The training data cannot be used as given: no such folder, neither format, a missing
 * defects.jsonl or labels file, or no examples in the split asked for. The message says which.
 */
export class DatasetError extends Error {
  override name = 'DatasetError';
}
