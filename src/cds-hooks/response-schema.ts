/**
 * JSON Schema (draft-07) of a CDS Hooks response, from spec "CDS Service Response" and "Card Attributes".
 * Encodes the spec's SHALLs: summary under 140 characters, indicator values, `selectionBehavior` whenever there
 * are suggestions, `display` on every override reason, `resource` on create/update actions, no null or empty
 * values ("Use of JSON"). Tests check every response of the service against it.
 */
const nonEmpty = { type: 'string', minLength: 1 } as const;

const coding = {
  type: 'object',
  required: ['code', 'system'],
  additionalProperties: false,
  properties: { code: nonEmpty, system: nonEmpty, display: nonEmpty },
} as const;

const action = {
  type: 'object',
  required: ['type'],
  additionalProperties: false,
  properties: {
    type: { enum: ['create', 'update', 'delete'] },
    description: nonEmpty,
    resource: { type: 'object', required: ['resourceType'], properties: { resourceType: nonEmpty } },
    resourceId: nonEmpty,
  },
  allOf: [
    { if: { properties: { type: { enum: ['create', 'update'] } } }, then: { required: ['resource'] } },
    // Spec: resourceId SHOULD be provided for delete; this service always provides it.
    { if: { properties: { type: { const: 'delete' } } }, then: { required: ['resourceId'] } },
  ],
} as const;

const cardAction = { ...action, required: ['type', 'description'] } as const;

const card = {
  type: 'object',
  required: ['summary', 'indicator', 'source'],
  additionalProperties: false,
  properties: {
    uuid: nonEmpty,
    summary: { type: 'string', minLength: 1, maxLength: 139 },
    detail: nonEmpty,
    indicator: { enum: ['info', 'warning', 'critical'] },
    source: {
      type: 'object',
      required: ['label'],
      additionalProperties: false,
      properties: {
        label: nonEmpty,
        url: { type: 'string', format: 'uri' },
        icon: { type: 'string', format: 'uri' },
        topic: { ...coding, required: ['code', 'system'] },
      },
    },
    suggestions: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['label'],
        additionalProperties: false,
        properties: {
          label: nonEmpty,
          uuid: nonEmpty,
          isRecommended: { type: 'boolean' },
          actions: { type: 'array', minItems: 1, items: cardAction },
          actionSelectionBehavior: { enum: ['all', 'any', 'at-most-one'] },
        },
      },
    },
    selectionBehavior: { enum: ['at-most-one', 'any'] },
    overrideReasons: { type: 'array', minItems: 1, items: { ...coding, required: ['code', 'system', 'display'] } },
    links: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['label', 'url', 'type'],
        additionalProperties: false,
        properties: {
          label: nonEmpty,
          url: { type: 'string', format: 'uri' },
          type: { enum: ['absolute', 'smart'] },
          appContext: nonEmpty,
          autolaunchable: { type: 'boolean' },
        },
        // appContext "should only be valued if the link type is smart".
        if: { properties: { type: { const: 'absolute' } } },
        then: { not: { required: ['appContext'] } },
      },
    },
    // Spec "Extensions": the name `extension` is reserved for implementations; its value SHALL be a JSON object.
    extension: { type: 'object' },
  },
  // "If suggestions are present, selectionBehavior SHALL also be provided."
  if: { required: ['suggestions'] },
  then: { required: ['selectionBehavior'] },
} as const;

export const cdsResponseSchema = {
  $id: 'cds-response',
  type: 'object',
  required: ['cards'],
  additionalProperties: false,
  properties: {
    cards: { type: 'array', items: card },
    systemActions: { type: 'array', minItems: 1, items: action },
  },
} as const;

export const discoveryResponseSchema = {
  $id: 'cds-discovery',
  type: 'object',
  required: ['services'],
  additionalProperties: false,
  properties: {
    services: {
      type: 'array',
      items: {
        type: 'object',
        required: ['hook', 'description', 'id'],
        additionalProperties: false,
        properties: {
          hook: nonEmpty,
          title: nonEmpty,
          description: nonEmpty,
          id: nonEmpty,
          prefetch: { type: 'object', minProperties: 1, additionalProperties: nonEmpty },
          usageRequirements: nonEmpty,
          version: nonEmpty,
          hookVersion: nonEmpty,
        },
      },
    },
  },
} as const;
