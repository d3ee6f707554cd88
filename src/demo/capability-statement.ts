import type { CapabilityStatement } from 'fhir/r4';
import { smartSecurity } from './smart-configuration.js';
import { SERVED_TYPES } from './fhir-definitions.js';

/** The demo FHIR server's CapabilityStatement (`GET /fhir/metadata`), with SMART security when its endpoints are on. */
export function capabilityStatement(base: string, today: string, smart: boolean): CapabilityStatement {
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: today,
    kind: 'instance',
    software: { name: 'ctd-neuropathy-cds demo FHIR server (@medplum/fhir-router, in-memory)' },
    implementation: { description: 'Synthetic demo patients; read-only', url: base },
    fhirVersion: '4.0.1',
    format: ['json'],
    rest: [
      {
        mode: 'server',
        security: smart
          ? smartSecurity(base)
          : { description: 'Authorization: Bearer <DEMO_FHIR_TOKEN> on every request but this one.' },
        resource: SERVED_TYPES.map((type) => ({
          type,
          interaction: [{ code: 'read' as const }, { code: 'search-type' as const }],
        })),
      },
    ],
  };
}
