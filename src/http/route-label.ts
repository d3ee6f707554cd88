import type { Request } from 'express';

/** What the logs say for a path that no route matched. */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * The route of a request as a fixed label for the logs: the matched route's pattern (`/cds-services/:id`), or
 * `unmatched`. Never the raw path: a client may put anything into a path, patient ids included
 * (`/cds-services/<service>/<patient-id>`), and paths are not covered by the field-by-field log allowlist.
 */
export function routeLabel(req: Pick<Request, 'route' | 'baseUrl'>): string {
  const route = req.route as { path?: unknown } | undefined;
  if (route === undefined) {
    return UNMATCHED_ROUTE;
  }
  const pattern = Array.isArray(route.path) ? route.path.map(String).join('|') : String(route.path);
  return `${req.baseUrl}${pattern}`;
}

/** Patterns of the protected paths, for code that runs before the router has matched (client authentication). */
const KNOWN_PATTERNS: readonly (readonly [RegExp, string])[] = [
  [/^\/cds-services\/?$/, '/cds-services'],
  [/^\/cds-services\/[^/]+\/?$/, '/cds-services/:id'],
  [/^\/cds-services\/[^/]+\/feedback\/?$/, '/cds-services/:id/feedback'],
  [/^\/analytics\/feedback\/?$/, '/analytics/feedback'],
];

/** The label of a path before routing: one of the known patterns, else `unmatched`. */
export function pathLabel(path: string): string {
  return KNOWN_PATTERNS.find(([pattern]) => pattern.test(path))?.[1] ?? UNMATCHED_ROUTE;
}
