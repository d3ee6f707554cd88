/**
 * JSON Schemas (draft-07) for what clients send: the CDS Hooks request, each hook's context, feedback.
 * They are the edge contract: after validation the core trusts these shapes (types in ./types.ts).
 *
 * FHIR resources are checked only as far as the service reads them (resourceType, id, Bundle entries): real
 * clients send imperfect FHIR (the CDS Hooks Sandbox sends `MedicationRequest.category` as an object and a bare
 * `reasonCode`), and refusing them would refuse real workflows for no safety gain.
 */
import type { HookName } from './types.js';

export interface SchemaLimits {
  /** Maximum entries in any Bundle (prefetch or draftOrders); bounds the work a request can cause. */
  readonly maxBundleEntries: number;
  readonly maxPrefetchKeys: number;
  readonly maxFeedbackItems: number;
}

const idString = { type: 'string', minLength: 1, maxLength: 1024, pattern: '^[^/\\s]+$' } as const;

/** `[ResourceType]/[id]` for the given resource types (spec context tables: userId, selections). */
function referenceString(types: readonly string[]): Record<string, unknown> {
  return { type: 'string', maxLength: 1100, pattern: `^(${types.join('|')})/[^/\\s]+$` };
}

/** A prefetch value: a resource (usually a Bundle), or null for "no data" (spec "Prefetch tokens"). */
function prefetchValueSchema(limits: SchemaLimits): Record<string, unknown> {
  return {
    // One schema with a union type rather than anyOf [null, resource]: a failed anyOf reports its first branch
    // ("must be of type null") instead of the real problem, such as a Bundle over MAX_BUNDLE_ENTRIES.
    type: ['object', 'null'],
    required: ['resourceType'],
    properties: {
      resourceType: { type: 'string', pattern: '^[A-Z][A-Za-z]{1,63}$' },
      id: { type: 'string', minLength: 1, maxLength: 1024 },
      entry: {
        type: 'array',
        maxItems: limits.maxBundleEntries,
        items: {
          type: 'object',
          properties: {
            fullUrl: { type: 'string' },
            // One level of resource checking; deeper nesting is bounded by the JSON depth limit of the parser.
            resource: {
              type: 'object',
              required: ['resourceType'],
              properties: { resourceType: { type: 'string', pattern: '^[A-Z][A-Za-z]{1,63}$' } },
            },
          },
        },
      },
    },
  };
}

export function requestSchema(limits: SchemaLimits): Record<string, unknown> {
  return {
    $id: 'cds-request',
    type: 'object',
    required: ['hook', 'hookInstance', 'context'],
    properties: {
      hook: { type: 'string', minLength: 1, maxLength: 200 },
      // Spec: a UUID. Accepted as any non-empty string so that clients with other GUID spellings are not refused.
      hookInstance: { type: 'string', minLength: 1, maxLength: 200 },
      fhirServer: { type: 'string', format: 'uri', pattern: '^https?://', maxLength: 2048 },
      fhirAuthorization: {
        type: 'object',
        required: ['access_token', 'token_type', 'expires_in', 'scope', 'subject'],
        properties: {
          access_token: { type: 'string', minLength: 1, maxLength: 16384 },
          token_type: { type: 'string', pattern: '^[Bb]earer$' },
          expires_in: { type: 'integer', minimum: 0 },
          scope: { type: 'string', maxLength: 8192 },
          subject: { type: 'string', maxLength: 1024 },
          patient: { type: 'string', maxLength: 1024 },
        },
      },
      context: { type: 'object' },
      prefetch: {
        type: 'object',
        maxProperties: limits.maxPrefetchKeys,
        additionalProperties: prefetchValueSchema(limits),
      },
      extension: { type: 'object' },
    },
    // Spec "HTTP Request": "If fhirAuthorization is provided, this field [fhirServer] is REQUIRED."
    dependencies: { fhirAuthorization: ['fhirServer'] },
  };
}

/**
 * Hook context schemas from the context tables of each hook's specification (https://cds-hooks.org/hooks/patient-view/,
 * .../order-select/, .../order-sign/). Extra fields are allowed (minor versions).
 */
export function contextSchema(hook: HookName, limits: SchemaLimits): Record<string, unknown> {
  const userTypes =
    hook === 'patient-view'
      ? ['Practitioner', 'PractitionerRole', 'Patient', 'RelatedPerson']
      : ['Practitioner', 'PractitionerRole'];
  const common = {
    userId: referenceString(userTypes),
    patientId: idString,
    encounterId: idString,
  };
  const draftOrders = {
    type: 'object',
    required: ['resourceType'],
    properties: {
      resourceType: { const: 'Bundle' },
      type: { type: 'string' },
      entry: {
        type: 'array',
        maxItems: limits.maxBundleEntries,
        items: {
          type: 'object',
          required: ['resource'],
          properties: {
            resource: {
              type: 'object',
              required: ['resourceType'],
              properties: {
                resourceType: { type: 'string', pattern: '^[A-Z][A-Za-z]{1,63}$' },
                id: { type: 'string', minLength: 1, maxLength: 1024 },
              },
            },
          },
        },
      },
    },
  };
  switch (hook) {
    case 'patient-view':
      return { $id: `context-${hook}`, type: 'object', required: ['userId', 'patientId'], properties: common };
    case 'order-sign':
      return {
        $id: `context-${hook}`,
        type: 'object',
        required: ['userId', 'patientId', 'draftOrders'],
        properties: { ...common, draftOrders },
      };
    case 'order-select':
      return {
        $id: `context-${hook}`,
        type: 'object',
        required: ['userId', 'patientId', 'selections', 'draftOrders'],
        properties: {
          ...common,
          draftOrders,
          selections: {
            type: 'array',
            minItems: 1,
            maxItems: limits.maxBundleEntries,
            items: { type: 'string', maxLength: 1100, pattern: '^[A-Z][A-Za-z]+/[^/\\s]+$' },
          },
        },
      };
  }
}

const coding = {
  type: 'object',
  required: ['code'],
  properties: {
    system: { type: 'string', maxLength: 1024 },
    code: { type: 'string', minLength: 1, maxLength: 1024 },
    display: { type: 'string', maxLength: 4096 },
  },
} as const;

const overrideReason = {
  type: 'object',
  properties: {
    reason: coding,
    userComment: { type: 'string', maxLength: 8192 },
  },
} as const;

/** Spec "Feedback". Also accepts Epic's `overrideReasons` (plural, object or array). */
export function feedbackSchema(limits: SchemaLimits): Record<string, unknown> {
  return {
    $id: 'cds-feedback',
    type: 'object',
    required: ['feedback'],
    properties: {
      feedback: {
        type: 'array',
        minItems: 1,
        maxItems: limits.maxFeedbackItems,
        items: {
          type: 'object',
          required: ['card', 'outcome', 'outcomeTimestamp'],
          properties: {
            card: { type: 'string', minLength: 1, maxLength: 200 },
            outcome: { enum: ['accepted', 'overridden'] },
            acceptedSuggestions: {
              type: 'array',
              minItems: 1,
              maxItems: 100,
              items: {
                type: 'object',
                required: ['id'],
                properties: { id: { type: 'string', minLength: 1, maxLength: 200 } },
              },
            },
            overrideReason,
            overrideReasons: { anyOf: [overrideReason, { type: 'array', maxItems: 20, items: overrideReason }] },
            // RFC 3339 section 5.6 date-time, as the spec profiles outcomeTimestamp.
            outcomeTimestamp: { type: 'string', format: 'date-time', maxLength: 64 },
            extension: { type: 'object' },
          },
          // Spec: acceptedSuggestions is "Required for accepted outcomes".
          if: { properties: { outcome: { const: 'accepted' } } },
          then: { required: ['acceptedSuggestions'] },
        },
      },
    },
  };
}
