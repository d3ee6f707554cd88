/**
 * Prefetch token substitution, used when the service fetches what the client did not prefetch.
 *
 * Supported (spec "Prefetch tokens"):
 * - `{{context.<field>}}`, with Simpler-FHIRPath traversal into context objects and `ofType(<ResourceType>)`
 *   (e.g. `{{context.draftOrders.entry.resource.ofType(MedicationRequest).id}}`); collections become
 *   comma-separated lists, as the spec's "Querystring Syntax" section says;
 * - the user tokens `{{userPractitionerId}}`, `{{userPractitionerRoleId}}`, `{{userPatientId}}`,
 *   `{{userRelatedPersonId}}`, derived from `context.userId` (`Practitioner/abc` gives userPractitionerId `abc`);
 * - the 3.0-ballot relative dates `{{today()}}` and `{{today() - 90 days}}` / `{{today() + 365 days}}`.
 *
 * Not supported: `resolve()` and `%prior-key` variables (the spec marks dependent prefetch experimental; none of
 * our templates need them). A template using them fails validation at start-up, so it cannot surprise at run time.
 */
export type TokenValues = Readonly<Record<string, unknown>>;

const TOKEN = /\{\{\s*(.*?)\s*\}\}/g;
const TODAY = /^today\(\)(?:\s*([+-])\s*(\d{1,5})\s*days?)?$/;
const USER_TOKENS: Readonly<Record<string, string>> = {
  userPractitionerId: 'Practitioner',
  userPractitionerRoleId: 'PractitionerRole',
  userPatientId: 'Patient',
  userRelatedPersonId: 'RelatedPerson',
};
const PATH_STEP = /^(?:ofType\(([A-Z][A-Za-z]+)\)|([A-Za-z_][A-Za-z0-9_]*))$/;

export class TemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateError';
  }
}

/** Lists the tokens of a template and checks each is one this service can substitute. */
export function checkTemplate(template: string): string[] {
  const tokens = [...template.matchAll(TOKEN)].map((m) => m[1] ?? '');
  for (const token of tokens) {
    if (TODAY.test(token) || token in USER_TOKENS) {
      continue;
    }
    if (!token.startsWith('context.')) {
      throw new TemplateError(`unsupported prefetch token {{${token}}}`);
    }
    for (const step of splitPath(token.slice('context.'.length))) {
      if (!PATH_STEP.test(step)) {
        throw new TemplateError(`unsupported step "${step}" in prefetch token {{${token}}}`);
      }
    }
  }
  return tokens;
}

/**
 * Replaces every token of `template`. Returns undefined when a token has no value (e.g. `{{context.encounterId}}`
 * without an encounter, or `{{userPatientId}}` for a practitioner): such a query cannot be run.
 */
export function substituteTemplate(template: string, context: TokenValues, today: string): string | undefined {
  const missing: string[] = [];
  const result = template.replace(TOKEN, (_whole, raw: string) => {
    const values = tokenValues(raw, context, today);
    if (values.length === 0) {
      missing.push(raw);
      return '';
    }
    return values.map((v) => encodeURIComponent(v)).join(',');
  });
  return missing.length > 0 ? undefined : result;
}

function tokenValues(token: string, context: TokenValues, today: string): string[] {
  const date = TODAY.exec(token);
  if (date !== null) {
    const [, sign, days] = date;
    const offset = days === undefined ? 0 : Number(days) * (sign === '-' ? -1 : 1);
    return [addDays(today, offset)];
  }
  const userType = USER_TOKENS[token];
  if (userType !== undefined) {
    const userId = context['userId'];
    const prefix = `${userType}/`;
    return typeof userId === 'string' && userId.startsWith(prefix) ? [userId.slice(prefix.length)] : [];
  }
  if (!token.startsWith('context.')) {
    throw new TemplateError(`unsupported prefetch token {{${token}}}`);
  }
  return walk([context], splitPath(token.slice('context.'.length)));
}

/** Simpler-FHIRPath traversal: each step maps over the collection, flattening arrays, as FHIRPath does. */
function walk(start: unknown[], steps: readonly string[]): string[] {
  let current: unknown[] = start;
  for (const step of steps) {
    const match = PATH_STEP.exec(step);
    if (match === null) {
      throw new TemplateError(`unsupported step "${step}"`);
    }
    const [, ofType, field] = match;
    const next: unknown[] = [];
    for (const item of current) {
      if (ofType !== undefined) {
        if (isRecord(item) && item['resourceType'] === ofType) {
          next.push(item);
        }
        continue;
      }
      const value = isRecord(item) ? item[field ?? ''] : undefined;
      if (Array.isArray(value)) {
        next.push(...(value as unknown[]));
      } else if (value !== undefined && value !== null) {
        next.push(value);
      }
    }
    current = next;
  }
  return current
    .filter((v): v is string | number | boolean => ['string', 'number', 'boolean'].includes(typeof v))
    .map(String);
}

function splitPath(path: string): string[] {
  // Dots inside ofType(...) never occur (resource type names have none), so a plain split is exact.
  return path.split('.').filter((s) => s !== '');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `today` is a calendar date (YYYY-MM-DD); arithmetic in UTC avoids daylight-saving drift. */
export function addDays(today: string, days: number): string {
  const date = new Date(`${today}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}
