import type { CapabilityStatementRestSecurity } from 'fhir/r4';

/**
 * What the demo FHIR server tells SMART apps about its authorization server (development only): the SMART App
 * Launch 2.0 discovery document (`.well-known/smart-configuration`, SMART "Conformance") and, for clients that still
 * read the capability statement, its `oauth-uris` extension (SMART 1.0).
 */
export const SMART_PATHS = { authorize: '/auth/authorize', token: '/auth/token' } as const;

/** `fhirBase`: the demo FHIR server's absolute base URL, e.g. http://localhost:3000/fhir. */
export function smartConfiguration(fhirBase: string): Record<string, unknown> {
  return {
    issuer: fhirBase,
    authorization_endpoint: `${fhirBase}${SMART_PATHS.authorize}`,
    token_endpoint: `${fhirBase}${SMART_PATHS.token}`,
    grant_types_supported: ['authorization_code'],
    token_endpoint_auth_methods_supported: ['none'],
    response_types_supported: ['code'],
    code_challenge_methods_supported: ['S256'],
    scopes_supported: ['launch', 'launch/patient', 'patient/*.rs', 'patient/*.read'],
    capabilities: [
      'launch-ehr',
      'launch-standalone',
      'client-public',
      'context-ehr-patient',
      'context-standalone-patient',
      'context-passthrough-banner',
      'permission-patient',
      'permission-v1',
      'permission-v2',
    ],
  };
}

export function smartSecurity(fhirBase: string): CapabilityStatementRestSecurity {
  return {
    service: [
      {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/restful-security-service', code: 'SMART-on-FHIR' }],
      },
    ],
    extension: [
      {
        url: 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris',
        extension: [
          { url: 'authorize', valueUri: `${fhirBase}${SMART_PATHS.authorize}` },
          { url: 'token', valueUri: `${fhirBase}${SMART_PATHS.token}` },
        ],
      },
    ],
    description:
      'Authorization: Bearer <DEMO_FHIR_TOKEN>, or a token from the SMART endpoints (development only), on every ' +
      'request but this one.',
  };
}
