import { argmax, decodeTags, type TagSetPrior } from './decode-tags.js';

/** What the student model says about one failing program. */
export interface Prediction {
  fixType: string;
  fixTypeProbs: Record<string, number>;
  tags: { tag: string; p: number }[];
  confidence: number;
  /** The model that made it (modelVersionOf its manifest): what the feedback and the store name. */
  modelVersion?: string;
  /** The calibration its confidence got: its assignment was learnt from, or is new to the model. */
  regime?: 'seen' | 'unseen';
}

/** A prediction from the network's two heads: the most likely fix type, and the tag set decoded from the tag head. */
export function predictFromOutputs(
  fixProbs: ArrayLike<number>,
  tagProbs: ArrayLike<number>,
  fixTypes: string[],
  tags: string[],
  prior?: TagSetPrior,
): Prediction {
  const best = argmax(fixProbs);
  const fixType = fixTypes[best]!;
  const chosen = decodeTags(tagProbs, tags, prior ? { prior } : {});
  return {
    fixType,
    fixTypeProbs: Object.fromEntries(fixTypes.map((f, i) => [f, fixProbs[i]!])),
    tags: chosen.map((tag) => ({ tag, p: tagProbs[tags.indexOf(tag)]! })),
    confidence: fixProbs[best]!,
  };
}
