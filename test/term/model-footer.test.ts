/**
 * Every comment and check run names the model version that made its prediction: the footer
 * of both templates renders the context's `model.version`, and nothing when there is none
 * (a passing program, no model). The feedback context carries it from Prediction.modelVersion,
 * which the predictor sets (test/model/calibration.test.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadAssignment } from '../../src/assignments/load-assignment.js';
import { fixturesDir } from '../../src/core/paths.js';
import { feedbackContext, DEFAULT_FEEDBACK_CONFIG, type FeedbackContext } from '../../src/feedback/feedback-context.js';
import { loadTemplates } from '../../src/feedback/templates.js';
import { gradeSubmission } from '../../src/grading/grade-submission.js';
import { loadTaxonomy } from '../../src/model/taxonomy.js';
import { Sandbox } from '../../src/sandbox/sandbox.js';

const taxonomy = loadTaxonomy();

describe('the model version footer', () => {
  it('names the version in the comment and the check run, and is absent without one', async () => {
    const a = await loadAssignment(path.join(fixturesDir, 'assignments/median'));
    const report = await gradeSubmission(
      fs.readFileSync(path.join(fixturesDir, 'submissions/median/forgets-equal-values.c')),
      a,
      new Sandbox(),
    );
    const prediction = {
      fixType: 'MISSING_CASE',
      fixTypeProbs: { MISSING_CASE: 0.9 },
      tags: [{ tag: 'BOUNDARY', p: 0.8 }],
      confidence: 0.9,
      modelVersion: '2027-spring.3',
    };
    const base = feedbackContext({ report, prediction, taxonomy, config: DEFAULT_FEEDBACK_CONFIG, notes: [] });
    const t = loadTemplates(taxonomy);
    const withModel = { ...base, model: { version: prediction.modelVersion } } as FeedbackContext;
    for (const render of [t.comment, t.checkSummary]) {
      expect(render(withModel).trimEnd()).toMatch(/<sub>Model 2027-spring\.3<\/sub>$/);
      expect(render({ ...base, model: null } as FeedbackContext)).not.toContain('Model ');
      // a context without the field renders as before
      expect(render(base)).toBe(render({ ...base, model: null } as FeedbackContext));
    }
  });
});
