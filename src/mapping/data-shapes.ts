import { join } from 'node:path';
import { readJsonFile } from '../knowledge/knowledge-error.js';
import { compileRouteKnowledge, type RouteKnowledge } from './dose-route.js';
import { compileResultKnowledge, type ResultKnowledge, type Thresholds } from './result-knowledge.js';

/**
 * How the pre-pass reads the shapes of data EHRs send, beyond codes (docs/data-shapes.md): results
 * (mappings/results.json) and medication routes (mappings/routes.json), loaded once at start-up.
 */
export interface DataShapes {
  readonly results: ResultKnowledge;
  readonly routes: RouteKnowledge;
}

export function loadDataShapes(
  mappingsDir: string,
  thresholds: Readonly<Record<string, Thresholds>>,
  siteFile: string,
  isLabConcept: (concept: string) => boolean
): DataShapes {
  const resultsFile = join(mappingsDir, 'results.json');
  const routesFile = join(mappingsDir, 'routes.json');
  return {
    results: compileResultKnowledge(readJsonFile(resultsFile), resultsFile, thresholds, siteFile, isLabConcept),
    routes: compileRouteKnowledge(readJsonFile(routesFile), routesFile),
  };
}
