import { createRequestValidators, type RequestValidators } from './cds-hooks/validate.js';
import type { Config } from './config.js';
import { loadKnowledge, type Knowledge } from './knowledge/load-knowledge.js';

/**
 * What the configuration alone determines, built the same way by the main thread (src/compose.ts) and by each
 * evaluation worker (src/workers/evaluation-worker.ts).
 */
export function configuredKnowledge(config: Config): Knowledge {
  return loadKnowledge({
    knowledgeDir: config.knowledgeDir,
    siteConfigFile: config.siteConfigFile,
    guardrails: { timeoutMs: config.evaluationTimeoutMs, stackDepth: 500 },
    engine: config.expressionEngine,
  });
}

export function requestValidatorsFor(config: Config): RequestValidators {
  return createRequestValidators({
    maxBundleEntries: config.maxBundleEntries,
    maxPrefetchKeys: config.maxPrefetchKeys,
    maxFeedbackItems: config.maxFeedbackItems,
  });
}
